import type { Command } from 'commander';
import { EXIT, UsageError } from '../../errors.js';
import { startDaemon } from '../../daemon/daemon.js';
import { BRAIN_KINDS, type BrainKind } from '../../core/workers.js';
import type { Register } from '../program.js';

export const registerDaemonCommand: Register = (program, ctx) => {
  program
    .command('daemon')
    .description('run the coordinator: react to every new doc (answers, escalations, next orders) and commit the reactions')
    .option('--brain <kind>', 'rules | anthropic | claude-code (default: brain.kind in orchestra.yaml)')
    .option('--once', 'handle what is new, then exit (for cron or CI)')
    .option('--catch-up', 'on the first start in this workspace, handle existing docs instead of adopting them as handled')
    .addHelpText(
      'after',
      `
Logs: a line per event on stderr, and JSON lines in .orchestra/state/logs/daemon.jsonl.
One daemon per workspace (lock: .orchestra/state/daemon.pid). Ctrl-C finishes the reaction in hand and exits 0.

Example:
  $ orchestra daemon
  $ orchestra daemon --once --catch-up`,
    )
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const brain = opts.brain ?? c.config.brain.kind;
      if (!BRAIN_KINDS.includes(brain as BrainKind)) throw new UsageError(`unknown brain "${opts.brain}": use ${BRAIN_KINDS.join(', ')}`);
      const handle = await startDaemon(c.ws, { brain: brain as BrainKind, once: !!opts.once, catchUp: !!opts.catchUp, config: c.config, git: c.git, log: (line) => c.io.err(line) });
      const onSignal = () => void handle.stop();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await handle.ready;
        await handle.done;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (opts.once && handle.stats().errors > 0) process.exitCode = EXIT.runtime;
    });
};
