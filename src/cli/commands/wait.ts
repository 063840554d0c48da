import type { Command } from 'commander';
import { DURATION_HINT, parseDuration } from '../../core/duration.js';
import { TimeoutError, UsageError } from '../../errors.js';
import type { Register } from '../context.js';
import { handleStopSignals } from '../signals.js';
import { safeBlock, safeLine } from '../terminal.js';

export const registerWaitCommand: Register = (program, ctx) => {
  program
    .command('wait')
    .description('block until an order of the worker becomes ready, an answer or a cancellation arrives; print it')
    .argument('<worker>', 'worker name')
    .option('--timeout <duration>', 'give up after this long (exit 4)', '60s')
    .addHelpText('after', '\nReturns at once when a ready order or an unread answer is already waiting.\nExit codes: 0 something arrived, 4 timed out.\n\nExample:\n  $ orchestra wait worker-core --timeout 10m --json')
    .action(async (worker: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      const ms = parseDuration(opts.timeout);
      if (ms === undefined || ms <= 0) throw new UsageError(`--timeout "${opts.timeout}" is not a duration: ${DURATION_HINT}`);
      const { openSession } = await import('../../mcp/ops.js');
      const { waitForNews } = await import('../../mcp/wait.js');
      const ac = new AbortController();
      const signals = handleStopSignals(() => ac.abort());
      // With `sync:`, waiting also keeps this clone current, so what is pushed from another clone arrives here.
      const { startFollower } = await import('../../store/sync/follow.js');
      const follower = startFollower(c.ws, c.config, c.git, { onWarning: (m) => c.io.err(`warning: ${safeLine(m)}`) });
      try {
        const news = await waitForNews(openSession(c.cwd, worker), ms, { signal: ac.signal, onWatching: () => c.io.err(`waiting for ${worker} (up to ${opts.timeout})…`) });
        if (!news.length) throw new TimeoutError(`nothing arrived for ${worker} within ${opts.timeout}`);
        // Printed before the follower stops (it may be in the middle of a sync round).
        if (c.json) {
          c.io.out(JSON.stringify({ worker, news: news.map((n) => ({ event: n.kind, id: n.doc.id, type: n.doc.type, title: n.doc.title, from: n.doc.from, priority: n.doc.priority, re: n.doc.re ?? null, body: n.doc.body })) }));
          return;
        }
        for (const n of news) {
          const what = n.kind === 'cancel' ? 'cancelled' : n.kind;
          // Titles and bodies are anyone's text: shown escaped, never obeyed by the terminal.
          c.io.out(`${what} ${n.doc.id} (${n.doc.priority}) from ${n.doc.from}: ${safeLine(n.doc.title)}`);
          if (n.kind !== 'cancel' && n.doc.body.trim()) c.io.out(`\n${safeBlock(n.doc.body.trim())}\n`);
        }
      } finally {
        signals.dispose();
        await follower?.stop();
      }
    });
};
