import type { Command } from 'commander';
import pc from 'picocolors';
import type { Metrics, TargetCheck } from '../../core/metrics.js';
import { collectBranchChanges } from '../../store/changes.js';
import { metricsFor, refreshHealth } from '../../store/health.js';
import { brainBlock, brainLines } from '../../store/brain-stats.js';
import type { Register } from '../context.js';
import { parseSince } from './log.js';

export const METRICS_FORMULAS = `Formulas (the seed's), over the window --since (default 7d):
  throughput   = orders completed in the window / days in the window
                 (an order is completed when it is reported completed; target 5-10 per day)
  autonomy     = (orders - escalations) / orders x 100, both written in the window
                 (target >= 80 %; under 60 % the lead should revisit the prompts)
  coordination = conflicts / orders: conflicts recorded in the window (two workers'
                 current changes sharing a file) per order written in it (target 0)
  daily        = orders completed per UTC day`;

function mark(check: TargetCheck): string {
  if (check === 'on_target') return pc.green('on target');
  if (check === 'no_data') return pc.dim('no data');
  return check === 'below' ? pc.yellow('below target') : pc.red('above target');
}

function pct(v: number | null): string {
  return v === null ? '-' : `${v} %`;
}

/** The metrics for people, in 80 columns. */
export function metricsText(m: Metrics): string[] {
  const row = (name: string, value: string, target: string, check?: TargetCheck) =>
    `  ${name.padEnd(13)}${value.padEnd(22)}${pc.dim(target.padEnd(17))}${check ? mark(check) : ''}`;
  const lines = [
    pc.bold(`Metrics since ${m.since.slice(0, 16).replace('T', ' ')} UTC (${m.days} days)`),
    row('throughput', `${m.throughputPerDay} tasks/day`, 'target 5-10', m.vsTargets.throughputPerDay),
    row('autonomy', pct(m.autonomyPct), 'target >= 80 %', m.vsTargets.autonomyPct),
    row('conflicts', `${m.conflicts} (${m.conflictsPerTask ?? '-'} per task)`, 'target 0', m.vsTargets.conflicts),
    row('escalations', `${m.escalations} in window`, `${m.openEscalations} open`),
    row('orders', `${m.ordersTotal} written`, `${m.ordersCompleted} completed`),
  ];
  if (m.scopeViolations) lines.push(row('out of scope', `${m.scopeViolations} changes`, ''));
  if (m.brain) {
    const [first, second] = brainLines(m.brain as Parameters<typeof brainLines>[0]);
    lines.push(`  ${'brain'.padEnd(13)}${first}`.slice(0, 80), `  ${''.padEnd(13)}${second}`.slice(0, 80));
  }
  const days = m.daily.slice(-14);
  const max = Math.max(1, ...days.map((d) => d.completed));
  lines.push(pc.bold('Completed per day'));
  for (const d of days) lines.push(`  ${d.date}  ${String(d.completed).padStart(3)} ${pc.cyan('#'.repeat(Math.round((d.completed / max) * 50)))}`);
  return lines;
}

export const registerMetricsCommand: Register = (program, ctx) => {
  program
    .command('metrics')
    .description("throughput, autonomy and coordination against the seed's targets")
    .option('--since <when>', 'window start: a duration ago (7d) or a date (default: metrics.window in orchestra.yaml, 7d)')
    .addHelpText('after', `\n${METRICS_FORMULAS}\n\nExample:\n  $ orchestra metrics --since 14d --json`)
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const now = new Date();
      const since = opts.since ? parseSince(opts.since, now.getTime()) : new Date(now.getTime() - c.config.metricsWindowMs);
      const branchChanges = collectBranchChanges(c.git, c.config);
      branchChanges.catch(() => undefined);
      const loaded = await c.load();
      // Record conflicts present now, so the window counts them even without a daemon.
      await refreshHealth(loaded, now, { branchChanges });
      const brain = brainBlock(loaded.ws, loaded.config, now);
      const m = { ...metricsFor(loaded, { since, now }), ...(brain ? { brain } : {}) };
      if (c.json) {
        c.io.out(JSON.stringify(m));
        return;
      }
      c.io.out(metricsText(m).join('\n'));
    });
};
