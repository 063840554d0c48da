import type { Command } from 'commander';
import { EXIT, OrchestraError, UsageError } from '../../errors.js';
import { runningDaemon, startDaemon } from '../../daemon/daemon.js';
import { unhandledDocs, waitHandled } from '../../daemon/handoff.js';
import { BRAIN_KINDS, type BrainKind } from '../../core/workers.js';
import type { Register } from '../context.js';
import { handleStopSignals } from '../signals.js';
import { safeLine } from '../terminal.js';

export const registerDaemonCommand: Register = (program, ctx) => {
  program
    .command('daemon')
    .description('run the coordinator: react to every new doc (answers, escalations, next orders) and commit the reactions')
    .option('--brain <kind>', 'rules | anthropic | claude-code (default: brain.kind in orchestra.yaml)')
    .option('--once', 'handle what is new, then exit (for cron or CI)')
    .option('--catch-up', 'on the first start in this workspace, handle existing docs instead of adopting them as handled')
    .option('--review', "review mode whatever orchestra.yaml says: reactions go to the proposals branch until the lead approves them")
    .addHelpText(
      'after',
      `
Logs: a line per event on stderr, and JSON lines in .orchestra/state/logs/daemon.jsonl.
One daemon per workspace (lock: .orchestra/state/daemon.pid). Ctrl-C finishes the reaction in hand and exits 0; a second Ctrl-C exits at once.

Example:
  $ orchestra daemon
  $ orchestra daemon --once --catch-up
  $ orchestra daemon --review`,
    )
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const brain = opts.brain ?? c.config.brain.kind;
      if (!BRAIN_KINDS.includes(brain as BrainKind)) throw new UsageError(`unknown brain "${opts.brain}": use ${BRAIN_KINDS.join(', ')}`);
      const running = opts.once ? runningDaemon(c.ws) : undefined;
      if (running) {
        // The running daemon already handles every doc (and adopted or caught up on its own first start).
        const docs = async () => (await c.load({ liveOnly: true })).docs;
        const todo = unhandledDocs(c.ws, await docs());
        c.io.err(`a daemon is running (pid ${running.pid}): it handles what is new; waiting for it to handle ${todo.length} doc${todo.length === 1 ? '' : 's'}`);
        const left = await waitHandled(c.ws, todo, docs, 60_000);
        if (left.length) throw new OrchestraError(`the running daemon (pid ${running.pid}) has not handled ${left.join(', ')} after 60 s: see .orchestra/state/logs/daemon.jsonl`);
        return;
      }
      const review = !!(opts.review || c.config.review);
      if (review) {
        const branch = await (await import('../../store/proposals.js')).proposalsBranch(c.git);
        c.io.err(`review mode: reactions are proposed on ${branch}; deliver them with \`orchestra approve <id>|--all\` or by merging that branch`);
      }
      const handle = await startDaemon(c.ws, { brain: brain as BrainKind, once: !!opts.once, catchUp: !!opts.catchUp, review: !!opts.review, config: c.config, git: c.git, log: (line) => c.io.err(safeLine(line)) });
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
