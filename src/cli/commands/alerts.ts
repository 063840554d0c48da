import type { Command } from 'commander';
import pc from 'picocolors';
import { alertJson } from '../../core/json.js';
import { openAlerts, readAlerts, type Alert } from '../../store/alerts.js';
import type { Register } from '../context.js';
import { safeLine } from '../terminal.js';

function levelOf(a: Alert): string {
  const l = a.level.padEnd(8);
  return a.level === 'critical' ? pc.red(l) : a.level === 'warning' ? pc.yellow(l) : pc.dim(l);
}

export const registerAlertsCommand: Register = (program, ctx) => {
  program
    .command('alerts')
    .description('list open alerts, newest first (invalid docs, loop guards, commit failures, conflicts, ...)')
    .option('--all', 'include resolved alerts')
    .addHelpText('after', '\nJSON: an array of {id, at, level, kind, message, doc?}.\n\nExample:\n  $ orchestra alerts --json')
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const list: (Alert & { resolved?: string })[] = opts.all ? readAlerts(c.ws).reverse() : openAlerts(c.ws);
      if (c.json) {
        c.io.out(JSON.stringify(list.map((a) => ({ ...alertJson(a), ...(a.resolved ? { resolved: a.resolved } : {}) }))));
        return;
      }
      if (!list.length) {
        c.io.err(opts.all ? 'no alerts' : 'no open alerts');
        return;
      }
      for (const a of list) {
        c.io.out(`${pc.dim(a.at.slice(0, 19).replace('T', ' '))}  ${levelOf(a)} ${safeLine(a.kind).padEnd(15)} ${safeLine(a.message)}${a.resolved ? pc.dim(' (resolved)') : ''}`);
      }
    });
};
