import { Command, CommanderError } from 'commander';
import { EXIT, OrchestraError, ValidationError, formatProblem } from '../errors.js';
import type { Io } from './context.js';
import { buildProgram } from './program.js';
import { safeBlock, safeLine, safeOutput } from './terminal.js';

const defaultIo: Io = {
  out: (s) => process.stdout.write(safeOutput(s.endsWith('\n') ? s : `${s}\n`)),
  err: (s) => process.stderr.write(safeOutput(s.endsWith('\n') ? s : `${s}\n`)),
};

/** The one place errors become exit codes and one-line messages. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const debug = argv.includes('--debug');
  if (argv.includes('--no-color')) process.env.NO_COLOR = '1';
  let program: Command | undefined;
  process.exitCode = undefined;
  try {
    program = await buildProgram(io, argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
      // commander already printed its message; point at the help.
      return EXIT.usage;
    }
    if (e instanceof ValidationError) {
      for (const p of e.problems) io.err(`error: ${safeLine(formatProblem(p))}`);
      return e.exitCode;
    }
    if (e instanceof OrchestraError) {
      // Messages quote what was given (an id, a name, a doc's value): shown, never obeyed.
      io.err(`error: ${safeLine(e.message)}`);
      if (debug && e.stack) io.err(safeBlock(e.stack));
      return e.exitCode;
    }
    const err = e as Error;
    io.err(`error: ${safeLine(err?.message?.split('\n')[0] ?? String(e))}${debug ? '' : ' (run with --debug for details)'}`);
    if (debug && err?.stack) io.err(safeBlock(err.stack));
    return EXIT.runtime;
  }
}
