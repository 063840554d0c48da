import type { Command } from 'commander';
import pc from 'picocolors';
import { formatDuration } from '../../core/duration.js';
import { openEscalations, workerViews } from '../../core/state.js';
import { openAlerts, type Alert } from '../../store/alerts.js';
import { refreshHealth } from '../../store/health.js';
import { workerStatuses } from '../../store/liveness.js';
import type { Loaded } from '../../store/load.js';
import { collectBranchChanges, type WorkerChanges } from '../../store/changes.js';
import { colorState } from '../format.js';
import { statusJson, type StatusJson, type SyncStatusJson } from '../../core/json.js';
import { brainBlock, brainLines } from '../../store/brain-stats.js';
import type { Ctx, Register } from '../context.js';
import { safeLine } from '../terminal.js';
import { workerNames } from '../../core/workers.js';

export type StatusView = StatusJson;

/** Builds the status after a health scan, so stalls and conflicts show even without a daemon. */
export async function buildStatus(loaded: Loaded, now: Date, opts: { branchChanges?: Promise<WorkerChanges> } = {}): Promise<{ view: StatusView; alerts: Alert[] }> {
  const health = await refreshHealth(loaded, now, opts);
  const live = new Map(workerStatuses(loaded, now).map((w) => [w.name, { liveness: w.liveness, lastSeen: w.lastSeen }]));
  const workers = workerViews(loaded.docs, loaded.derived, loaded.config).map((w) => {
    // Commits and uncommitted edits are activity too, not only docs.
    const git = health.activity.get(w.name);
    const view = git && (!w.lastActivity || Date.parse(git) > Date.parse(w.lastActivity)) ? { ...w, lastActivity: git } : w;
    return { ...view, ...live.get(w.name)! };
  });
  const metrics = health.metrics;
  const alerts = openAlerts(loaded.ws);
  const escalations = openEscalations(loaded.docs, loaded.derived);
  const brain = brainBlock(loaded.ws, loaded.config, now);
  const view = statusJson({ workers, metrics, alerts, escalations, brain }, loaded.derived);
  return { view, alerts };
}

/** Cuts a string to `n` columns, its control characters shown rather than obeyed (titles, alerts, names). */
export function fit(s: string, n: number): string {
  const t = safeLine(s);
  return t.length <= n ? t : `${t.slice(0, Math.max(0, n - 1))}…`;
}

/**
 * Cuts an alert line to `n` columns in the middle, so its end (where the fix is: "…: run `orchestra answer k3f9`")
 * always shows. The part after the last ": " is kept whole when it fits; otherwise the line keeps its first three
 * quarters and its last quarter.
 */
export function fitMiddle(s: string, n: number): string {
  const t = safeLine(s);
  if (t.length <= n) return t;
  const cut = t.lastIndexOf(': ');
  // No fix part: most of the room goes to the head (who and what), the rest to the end (for how long, what next).
  const fix = cut > 0 && t.length - cut <= n - 12 ? t.slice(cut) : t.slice(t.length - Math.floor((n - 1) / 4));
  const head = t.slice(0, Math.max(0, n - 1 - fix.length));
  return `${head}…${fix}`;
}

function ago(now: Date, iso: string | null): string {
  if (!iso) return '-';
  return `${formatDuration(Math.max(0, now.getTime() - Date.parse(iso)))} ago`;
}

const LEVEL: Record<string, (s: string) => string> = { critical: pc.red, warning: pc.yellow, info: pc.cyan };

/** The status for people: fits 80 columns. */
export function statusText(loaded: Loaded, view: StatusView, alerts: Alert[], now: Date): string[] {
  const lines: string[] = [pc.bold(`orchestra status · ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`), ''];
  lines.push(pc.dim(`${'WORKER'.padEnd(15)}${'STATE'.padEnd(9)}${'CURRENT ORDER'.padEnd(28)}${'RDY'.padStart(4)}${'WAIT'.padStart(5)}${'OPEN'.padStart(5)}  LAST`));
  for (const w of view.workers) {
    const current = w.currentOrder ? (loaded.derived.byId.get(w.currentOrder)?.title ?? w.currentOrder) : '-';
    lines.push(
      `${fit(w.name, 14).padEnd(15)}${colorState(w.state, 9)}${fit(current, 27).padEnd(28)}${String(w.ready).padStart(4)}${String(w.waiting).padStart(5)}${String(w.open).padStart(5)}  ${fit(ago(now, w.lastActivity), 12)}`,
    );
  }
  const deps = view.workers.filter((w) => w.dependsOn.length);
  if (deps.length) lines.push(pc.dim(fit(`depends on: ${deps.map((w) => `${w.name} ← ${w.dependsOn.join(', ')}`).join(' · ')}`, 80)));

  const m = view.metrics;
  lines.push("", pc.bold(`Metrics (last ${formatDuration(loaded.config.metricsWindowMs)})`));
  const ok = (good: boolean) => (good ? pc.green('✓') : pc.yellow('!'));
  lines.push(
    `  throughput ${m.throughputPerDay}/day ${ok(m.vsTargets.throughputPerDay === 'on_target')} (5-10)  ` +
      `autonomy ${m.autonomyPct === null ? '-' : `${m.autonomyPct} %`} ${ok(m.vsTargets.autonomyPct !== 'below')} (≥80)  ` +
      `conflicts ${m.conflicts} ${ok(m.conflicts === 0)} (0)`,
  );
  const b = view.metrics.brain as Parameters<typeof brainLines>[0] | undefined;
  if (b) {
    const [first, second] = brainLines(b);
    lines.push(fit(`  brain ${first}`, 80), fit(`        ${second}`, 80));
  }

  lines.push('', pc.bold(`Alerts (${alerts.length})`));
  if (!alerts.length) lines.push(pc.dim('  none'));
  for (const a of alerts.slice(0, 20)) {
    lines.push(`  ${(LEVEL[a.level] ?? ((s: string) => s))(a.level.padEnd(8))} ${fitMiddle(a.message, 69)}`);
  }
  if (alerts.length > 20) lines.push(pc.dim(`  … ${alerts.length - 20} more: orchestra status --json`));

  lines.push('', pc.bold(`Escalations for the lead (${view.escalations.length})`));
  if (!view.escalations.length) lines.push(pc.dim('  none'));
  for (const e of view.escalations.slice(0, 10)) {
    lines.push(`  ${fit(e.title, 76)}`, pc.dim(`    orchestra answer ${e.id}`));
  }
  return lines;
}

/** Where this clone stands against the remote, from what it last fetched (no network: `orchestra sync` asks). */
async function syncStatus(c: Ctx): Promise<SyncStatusJson | undefined> {
  const { syncTargetOf, targetGit } = await import('../../store/sync/target.js');
  const target = syncTargetOf(c.ws, c.config);
  if (!target) return undefined;
  const { aheadBehind } = await import('../../store/sync/round.js');
  const { readSyncState } = await import('../../store/sync/state.js');
  const ab = await aheadBehind(targetGit(c.ws, target, c.git), target);
  const state = readSyncState(c.ws);
  return { remote: target.remote, branch: target.branch, ahead: ab?.ahead ?? null, behind: ab?.behind ?? null, lastSyncAt: state.lastSyncAt ?? null, failing: state.failing ?? null };
}

function syncLine(s: SyncStatusJson, now: Date): string {
  const where = `${safeLine(s.remote)}/${safeLine(s.branch)}`;
  const counts = s.ahead === null ? 'never fetched' : `ahead ${s.ahead}, behind ${s.behind}`;
  const fail = s.failing ? pc.yellow(` · failing: ${fit(s.failing, 60)}`) : '';
  return `\n${pc.bold('Sync')} ${where} · ${counts} · last synced ${ago(now, s.lastSyncAt)}${fail}`;
}

export const registerStatusCommand: Register = (program, ctx) => {
  program
    .command('status')
    .description('the whole team at a glance: workers, metrics, open alerts and escalations')
    .addHelpText(
      'after',
      `
Runs the health checks first (stalled workers, ready orders nobody started, unanswered escalations, piling
doubts, low autonomy, conflicts), recording each new problem as an alert once.

Example:
  $ orchestra status --json`,
    )
    .action(async (_opts, cmd: Command) => {
      const c = ctx(cmd);
      const now = new Date();
      // git's side of the health scan needs no docs: it runs while they load.
      const branchChanges = collectBranchChanges(c.git, c.config);
      branchChanges.catch(() => undefined);
      // Review mode's waiting proposals: read from the proposals branch (plumbing, no checkout) alongside.
      // (Nothing of it is read where review mode is off and its branch certainly does not exist.)
      const proposals = import('../../store/proposals.js').then(async (m): Promise<{ pending: unknown[]; branch: string; tip?: string }> =>
        c.config.review || m.proposalsBranchMayExist(c.ws) ? m.readProposals(c.ws, c.git, workerNames(c.config)) : { pending: [], branch: m.PROPOSALS_BRANCH },
      );
      proposals.catch(() => undefined);
      const loaded = await c.load();
      const { view, alerts } = await buildStatus(loaded, now, { branchChanges });
      const sync = await syncStatus(c);
      const waiting = await proposals.then((p) => ({ count: p.pending.length, branch: p.branch, exists: !!p.tip }), () => ({ count: 0, branch: 'orchestra/proposals', exists: false }));
      // Only where review mode is in use (configured, or its branch exists): other workspaces keep the plain shape.
      const reviewing = !!c.config.review || waiting.exists;
      if (c.json) {
        c.io.out(JSON.stringify({ ...view, ...(sync ? { sync } : {}), ...(reviewing ? { proposals: waiting.count } : {}) }));
        return;
      }
      const lines = statusText(loaded, view, alerts, now);
      if (reviewing) {
        lines.push('', pc.bold(`Proposals for review (${waiting.count})`));
        lines.push(waiting.count ? `  ${waiting.count} waiting on ${waiting.branch}: orchestra list --proposals` : pc.dim('  none'));
      }
      c.io.out(lines.join('\n'));
      if (sync) c.io.out(syncLine(sync, now));
    });
};
