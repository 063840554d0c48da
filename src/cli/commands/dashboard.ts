import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, startDashboard } from '../../dashboard/server.js';
import type { Register } from '../context.js';
import { safeLine } from '../terminal.js';
import { portOption } from '../options.js';
import { handleStopSignals } from '../signals.js';

export const registerDashboardCommand: Register = (program, ctx) => {
  program
    .command('dashboard')
    .description(`web dashboard and JSON API, updated live (default http://${DEFAULT_HOST}:${DEFAULT_PORT}/)`)
    .option('--port <n>', 'port to listen on (0 picks a free one)', portOption, DEFAULT_PORT)
    .option('--host <address>', 'address to listen on; anything but loopback requires an access token on every request', DEFAULT_HOST)
    .option('--token <secret>', 'access token every request must carry (?token= once, a cookie, or Authorization: Bearer); generated and printed when --host is not loopback')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orchestra dashboard --port 25501\n  $ curl http://127.0.0.1:25501/api/workers\n  $ orchestra dashboard --host 0.0.0.0     # prints the address with ?token= to open from a phone',
    )
    .action(async (opts: { port: number; host: string; token?: string }, cmd: Command) => {
      const c = ctx(cmd);
      // Installed first, so a Ctrl-C during start-up still closes what was opened.
      const signals = handleStopSignals(() => undefined, (l) => c.io.err(l));
      try {
        const d = await startDashboard(c.ws, { port: opts.port, host: opts.host, token: opts.token, config: c.config, git: c.git, log: (l) => c.io.err(safeLine(l)) });
        c.io.out(c.json ? JSON.stringify({ url: d.url, port: d.port }) : `dashboard: ${d.url}`);
        if (!c.json) c.io.err('press Ctrl-C to stop');
        await signals.received;
        await d.close();
      } finally {
        signals.dispose();
      }
    });
};
