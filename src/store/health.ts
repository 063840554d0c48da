/**
 * The health scan: conflicts and problems computed from git and the docs, recorded as alerts once per condition
 * (dedup `key`) and resolved when the condition goes away. The daemon runs it on its periodic scan; `status`
 * and `metrics` run it too, so problems show without a daemon. A lock keeps two scans from recording twice.
 */
import { deliveryProblems } from './liveness.js';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { detectConflicts, type Conflict } from '../core/conflicts.js';
import { detectProblems, HEALTH_KINDS, type HealthProblem } from '../core/health.js';
import { computeMetrics, countConflicts, TARGETS, type Metrics } from '../core/metrics.js';
import { openAlerts, raiseAlert, readAlerts, resolveAlert, type Alert } from './alerts.js';
import { collectChanges, type WorkerChanges } from './changes.js';
import { acquireLock } from './lock.js';
import type { Loaded } from './load.js';


export interface HealthReport {
  conflicts: Conflict[];
  problems: HealthProblem[];
  /** Alerts this scan raised (new conditions only). */
  raised: Alert[];
  /** Alert keys this scan resolved. */
  resolved: string[];
  /** Latest git activity per worker. */
  activity: Map<string, string>;
  /** The metrics of the last 7 days, conflicts counted after this scan recorded its own. */
  metrics: Metrics;
}

/** The metrics of a window, with conflicts counted from the alerts recorded in it. */
export function metricsFor(loaded: Pick<Loaded, 'ws' | 'docs' | 'derived'>, opts: { since: Date; now: Date }): Metrics {
  const counted = countConflicts(readAlerts(loaded.ws), opts.since, opts.now);
  return computeMetrics({ docs: loaded.docs, derived: loaded.derived, since: opts.since, now: opts.now, ...counted });
}

/** The figures that depend on the conflict count, for metrics computed before the count was known. */
function conflictFigures(m: Metrics, conflicts: number): Pick<Metrics, 'conflictsPerTask' | 'vsTargets'> {
  return {
    conflictsPerTask: m.ordersTotal ? Math.round((conflicts / m.ordersTotal) * 100) / 100 : null,
    vsTargets: { ...m.vsTargets, conflicts: conflicts > TARGETS.conflicts ? 'above' : 'on_target' },
  };
}

/** Computes conflicts and problems now and records them as alerts (once each); resolves those that went away. */
export async function refreshHealth(loaded: Loaded, now: Date, opts: { branchChanges?: Promise<WorkerChanges> } = {}): Promise<HealthReport> {
  const { ws, config, git, docs, derived } = loaded;
  const changes = await collectChanges({ git, config, docs, derived, branchChanges: opts.branchChanges });
  const conflicts = detectConflicts(changes.changes, config);
  const metrics = computeMetrics({ docs, derived, since: new Date(now.getTime() - config.metricsWindowMs), now, conflicts: 0 });
  // Delivery problems come from receipts and heartbeats in .orchestra/state (store/liveness.ts).
  const problems = [...detectProblems({ docs, derived, config, now, activity: changes.activity, metrics, conflicts }), ...deliveryProblems(loaded, now)];

  mkdirSync(ws.stateDir, { recursive: true });
  const release = await acquireLock(path.join(ws.stateDir, 'health.lock'), { purpose: 'health scan', timeoutMs: 15_000, staleMs: 30_000 });
  const raised: Alert[] = [];
  const resolved: string[] = [];
  try {
    const open = openAlerts(ws);
    const openKeys = new Set(open.map((a) => a.key).filter((k): k is string => !!k));
    const current = new Set(problems.map((p) => p.key));
    for (const p of problems) {
      if (openKeys.has(p.key)) continue;
      const a = raiseAlert(ws, { level: p.level, kind: p.kind, message: p.message, doc: p.doc, key: p.key, data: { ...p.data, workers: p.workers } }, now);
      if (a) raised.push(a);
    }
    for (const a of open) {
      if (!a.key || !HEALTH_KINDS.has(a.kind) || current.has(a.key) || resolved.includes(a.key)) continue;
      resolveAlert(ws, a.key, now);
      resolved.push(a.key);
    }
  } finally {
    release();
  }
  const since = new Date(now.getTime() - config.metricsWindowMs);
  const counted = countConflicts(readAlerts(ws), since, now);
  return { conflicts, problems, raised, resolved, activity: changes.activity, metrics: { ...metrics, ...counted, ...conflictFigures(metrics, counted.conflicts) } };
}
