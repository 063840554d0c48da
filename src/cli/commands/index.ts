import type { Register } from '../program.js';

/** Commands beyond the foundation register here, one import per command file. */
const registers: Register[] = [];

export const registerExtraCommands: Register = (program, ctx) => {
  for (const r of registers) r(program, ctx);
};
