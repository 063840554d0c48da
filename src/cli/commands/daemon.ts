import type { Command } from 'commander';
import { EXIT, UsageError } from '../../errors.js';
import { startDaemon } from '../../daemon/daemon.js';
import type { Register } from '../program.js';
import { handleStopSignals } from '../signals.js';
import { safeLine } from '../terminal.js';

export const registerDaemonCommand: Register = (program, ctx) => {
  program
    .command('daemon')
    .description('run the coordinator: react to every new doc (answers, escalations, next orders) and commit the reactions')
    .option('--brain <kind>', 'rules | anthropic (default: brain.kind in orchestra.yaml)')
    .option('--once', 'handle what is new, then exit (for cron or CI)')
    .option('--catch-up', 'on the first start in this workspace, handle existing docs instead of adopting them as handled')
    .addHelpText(
      'after',
      `
Logs: a line per event on stderr, and JSON lines in .orchestra/state/logs/daemon.jsonl.
One daemon per workspace (lock: .orchestra/state/daemon.pid). Ctrl-C finishes the reaction in hand and exits 0; a second Ctrl-C exits at once.

Example:
  $ orchestra daemon
  $ orchestra daemon --once --catch-up`,
    )
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const brain = opts.brain ?? c.config.brain.kind;
      if (brain !== 'rules' && brain !== 'anthropic') throw new UsageError(`unknown brain "${opts.brain}": use rules or anthropic`);
      const handle = await startDaemon(c.ws, { brain, once: !!opts.once, catchUp: !!opts.catchUp, config: c.config, git: c.git, log: (line) => c.io.err(safeLine(line)) });
      const signals = handleStopSignals(() => handle.stop(), (l) => c.io.err(l));
      try {
        await handle.ready;
        await handle.done;
      } finally {
        signals.dispose();
      }
      if (opts.once && handle.stats().errors > 0) process.exitCode = EXIT.runtime;
    });
};
