import type { Command } from 'commander';
import type { Register } from '../context.js';
import { numberOption, portOption } from '../options.js';
import { handleStopSignals } from '../signals.js';

const speedOf = numberOption('--speed', { hint: '2 = twice as fast, 0 = no pauses' });

export const registerDemoCommand: Register = (program, ctx) => {
  program
    .command('demo')
    .description('a complete simulated run on a fresh workspace, offline: the seed\'s scenarios A, B and C, a blocked report and a conflict')
    .option('--dir <dir>', 'build the workspace here and keep it (it must not exist yet, or be empty)')
    .option('--speed <n>', 'pace of the live account: 2 = twice as fast, 0 = no pauses', speedOf, 1)
    .option('--keep', 'leave the daemon and the dashboard running until Ctrl-C (and keep the workspace)')
    .option('--port <port>', 'dashboard port (default: a free one)', portOption)
    .option('--host <host>', 'dashboard host', '127.0.0.1')
    .addHelpText(
      'after',
      `
The lead writes a plan; four simulated workers (acting through the same functions as the CLI, each with its
own identity and its own worktree and branch) read their inbox, start, change files, ask, report and block
once; the real daemon reacts with the offline rules brain. At the end: metrics, the timeline, the dashboard URL.

Examples:
  $ orchestra demo
  $ orchestra demo --dir /tmp/team --speed 0
  $ orchestra demo --keep --port 25501`,
    )
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const { runDemo } = await import('../demo/run.js');
      const abort = new AbortController();
      const signals = opts.keep ? handleStopSignals(() => abort.abort(), (l) => c.io.err(l)) : undefined;
      try {
        // With --json the account is left out and one JSON value sums the run up.
        const r = await runDemo({ dir: opts.dir, speed: opts.speed, keep: !!opts.keep, port: opts.port, host: opts.host, out: c.json ? () => {} : (l) => c.io.out(l), signal: abort.signal });
        if (c.json) c.io.out(JSON.stringify({ root: r.root, kept: r.kept, url: r.url, orders: r.played.orders, doubts: r.played.doubts, escalations: r.played.escalations, conflicts: r.conflicts, metrics: r.metrics }));
      } finally {
        signals?.dispose();
      }
    });
};
