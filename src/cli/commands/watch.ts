import type { Command } from 'commander';
import { renderEvent } from '../watch-render.js';
import { Watchdog } from '../../store/watchdog.js';
import { recordShown } from '../../store/receipts.js';
import { areaText } from '../../core/briefing.js';
import type { Register } from '../context.js';
import { numberOption } from '../options.js';
import { handleStopSignals } from '../signals.js';
import { safeLine } from '../terminal.js';

const positiveMs = (name: string) => numberOption(name, { hint: 'milliseconds' });

export const registerWatchCommand: Register = (program, ctx) => {
  program
    .command('watch')
    .description("the watchdog: a worker's inbox at a glance, then each new order, answer, status change or conflict as it happens")
    .argument('<worker>', 'worker name')
    .option('--once', 'print the summary and exit')
    .option('--quiet', 'no terminal bell on new orders')
    .option('--conflict-interval <ms>', 'how often conflicts are re-checked', positiveMs('--conflict-interval'), 10_000)
    .addHelpText(
      'after',
      `
Works from the worker's own linked worktree: it watches the main worktree's .orchestra/docs.
With --json, one JSON object per line: {"event": "summary"|"order"|"answer"|"status"|"conflict", ...}.
Ctrl-C leaves (exit 0).

Example:
  $ orchestra watch worker-core
  $ orchestra watch worker-core --json | my-agent --events -`,
    )
    .action(async (worker: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      const json = c.json;
      const mine = c.identity === worker;
      const emit = (ev: Parameters<typeof renderEvent>[0]) => {
        if (mine) {
          const ids = ev.event === 'summary' ? [...ev.ready, ...ev.answers].map((d) => d.id) : ev.event === 'order' || ev.event === 'answer' ? [ev.doc.id] : [];
          recordShown(c.ws, worker, ids, 'watch');
        }
        if (json) c.io.out(JSON.stringify(ev));
        else c.io.out(`${ev.event === 'order' && !opts.quiet ? '\x07' : ''}${renderEvent(ev)}\n`);
      };
      const dog = new Watchdog({
        ws: c.ws,
        config: c.config,
        git: c.git,
        worker,
        onEvent: emit,
        onError: (m) => c.io.err(`warning: ${safeLine(m)}`),
        conflictIntervalMs: opts.conflictInterval,
      });
      // The area comes from the config as it is now, never from a copy written into the prompt at init.
      const me = c.config.workers.find((w) => w.name === worker);
      if (!json && me) c.io.err(areaText(me));
      if (opts.once) {
        await dog.start({ live: false });
        await dog.stop();
        return;
      }
      // Signals are handled before watching starts, so an early Ctrl-C still leaves cleanly.
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const signals = handleStopSignals(() => stop(), (l) => c.io.err(l));
      // The reader went away (`watch --json | head -1`): leave quietly, as on Ctrl-C.
      const onOutError = (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') stop();
      };
      process.stdout.on('error', onOutError);
      // With `sync:`, watching also keeps this clone current (what arrives through the remote shows up here).
      const { startFollower } = await import('../../store/sync/follow.js');
      const follower = startFollower(c.ws, c.config, c.git, { onWarning: (m) => c.io.err(`warning: ${safeLine(m)}`) });
      try {
        await dog.start();
        if (!json) c.io.err(`watching ${worker}: new orders, answers and conflicts appear here (Ctrl-C to leave)`);
        await stopped;
      } finally {
        signals.dispose();
        process.stdout.off('error', onOutError);
        await follower?.stop();
        await dog.stop();
      }
    });
};
