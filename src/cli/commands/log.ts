import type { Command } from 'commander';
import pc from 'picocolors';
import { parseDuration, DURATION_HINT } from '../../core/duration.js';
import { UsageError } from '../../errors.js';
import type { Register } from '../program.js';
import { shortDate } from '../format.js';

/** `--since 7d` or a date. */
export function parseSince(v: string, now = Date.now()): Date {
  const ms = parseDuration(v);
  if (ms !== undefined) return new Date(now - ms);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--since "${v}" is neither a duration nor a date: ${DURATION_HINT}, or a date like 2026-11-01`);
  return d;
}

export const registerLogCommand: Register = (program, ctx) => {
  program
    .command('log')
    .description('the activity timeline read from git: who, when, what, which doc; newest first')
    .option('--worker <w>', "only this worker's thread")
    .option('--since <when>', 'only since a duration ago (7d) or a date')
    .option('--limit <n>', 'at most n entries', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--limit "${v}" is not a positive whole number`);
      return n;
    })
    .addHelpText('after', '\nExample:\n  $ orchestra log --worker worker-core --since 2d')
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      if (opts.worker) c.requireWorker(opts.worker);
      const since = opts.since ? parseSince(opts.since) : undefined;
      let entries = await c.git.timeline({ since });
      if (opts.worker) entries = entries.filter((e) => e.worker === opts.worker || e.actor === opts.worker);
      if (opts.limit) entries = entries.slice(0, opts.limit);
      if (c.json) {
        c.io.out(JSON.stringify(entries));
        return;
      }
      if (!entries.length) c.io.err('no activity yet');
      for (const e of entries) {
        c.io.out(`${pc.dim(shortDate(e.at))}  ${e.actor.padEnd(13)} ${e.type.padEnd(10)} ${e.worker.padEnd(14)} ${e.title}  ${pc.dim(e.doc)}`);
      }
    });
};
