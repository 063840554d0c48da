/** The seed's metrics, as pure functions of the docs. Formulas are in `orchestra metrics --help`. */
import type { Doc } from './doc.js';
import { asksLead, type Derived } from './state.js';

export interface Metrics {
  since: string;
  until: string;
  days: number;
  ordersTotal: number;
  ordersCompleted: number;
  throughputPerDay: number;
  autonomyPct: number | null;
  escalations: number;
  conflicts: number;
  conflictsPerTask: number | null;
  daily: { date: string; completed: number }[];
  targets: { throughputPerDay: [number, number]; autonomyPct: number; conflicts: number };
  /** Escalations not yet resolved, whenever they were raised. */
  openEscalations: number;
  /** Changes outside a worker's scope recorded in the window (not part of `conflicts`). */
  scopeViolations: number;
  /** How each figure compares with the seed's targets. */
  vsTargets: { throughputPerDay: TargetCheck; autonomyPct: TargetCheck; conflicts: TargetCheck };
  /** Filled by the anthropic brain when it runs (calls today, budget left, breaker, tokens, cache hits). */
  brain?: object;
}

/** `below`/`above` the target's range, `on_target`, or `no_data` (no orders in the window). */
export type TargetCheck = 'on_target' | 'below' | 'above' | 'no_data';

/** The alerts a metric window counts: each recorded conflict once (they are recorded once while they last). */
export function countConflicts(alerts: readonly { kind: string; at: string }[], since: Date, now: Date): { conflicts: number; scopeViolations: number } {
  const from = since.getTime();
  const to = now.getTime();
  let conflicts = 0;
  let scopeViolations = 0;
  for (const a of alerts) {
    const t = Date.parse(a.at);
    if (t < from || t > to) continue;
    if (a.kind === 'conflict') conflicts++;
    else if (a.kind === 'scope_violation') scopeViolations++;
  }
  return { conflicts, scopeViolations };
}

export const TARGETS = { throughputPerDay: [5, 10] as [number, number], autonomyPct: 80, conflicts: 0 };

/** When an order was completed: its latest completed report, else (status edited by hand) its creation. */
export function completionTimes(docs: readonly Doc[], derived: Derived): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of docs) {
    if (d.type !== 'order' || derived.orders.get(d.id)?.state !== 'completed') continue;
    const reports = (derived.replies.get(d.id) ?? []).filter((r) => r.type === 'report' && r.outcome === 'completed');
    out.set(d.id, reports.length ? reports[reports.length - 1].created : d.created);
  }
  return out;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

export function computeMetrics(input: { docs: readonly Doc[]; derived: Derived; since: Date; now: Date; conflicts: number; scopeViolations?: number }): Metrics {
  const since = input.since.toISOString();
  const until = input.now.toISOString();
  // Compared as instants: docs write `…:42Z`, clocks give `…:42.450Z`, and those do not sort as strings.
  const from = input.since.getTime();
  const to = input.now.getTime();
  const inWindow = (iso: string) => {
    const t = Date.parse(iso);
    return t >= from && t <= to;
  };
  const orders = input.docs.filter((d) => d.type === 'order' && inWindow(d.created));
  const completed = [...completionTimes(input.docs, input.derived).values()].filter(inWindow);
  // Idle notices tell the lead something; they are not the lead deciding, so they do not cost autonomy.
  const escalations = input.docs.filter((d) => asksLead(d) && inWindow(d.created)).length;
  const days = Math.max(1 / 24, (input.now.getTime() - input.since.getTime()) / 86_400_000);

  const daily: { date: string; completed: number }[] = [];
  const counts = new Map<string, number>();
  for (const t of completed) counts.set(day(t), (counts.get(day(t)) ?? 0) + 1);
  for (let t = Date.parse(`${day(since)}T00:00:00Z`); t <= input.now.getTime(); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    daily.push({ date, completed: counts.get(date) ?? 0 });
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  const throughputPerDay = round(completed.length / days);
  const autonomyPct = orders.length ? round(((orders.length - escalations) / orders.length) * 100) : null;
  const openEscalations = input.docs.filter((d) => asksLead(d) && !input.derived.isResolved(d)).length;
  return {
    since,
    until,
    days: round(days),
    ordersTotal: orders.length,
    ordersCompleted: completed.length,
    throughputPerDay,
    autonomyPct,
    escalations,
    conflicts: input.conflicts,
    conflictsPerTask: orders.length ? round(input.conflicts / orders.length) : null,
    daily,
    targets: TARGETS,
    openEscalations,
    scopeViolations: input.scopeViolations ?? 0,
    vsTargets: {
      throughputPerDay:
        throughputPerDay < TARGETS.throughputPerDay[0] ? 'below' : throughputPerDay > TARGETS.throughputPerDay[1] ? 'above' : 'on_target',
      autonomyPct: autonomyPct === null ? 'no_data' : autonomyPct >= TARGETS.autonomyPct ? 'on_target' : 'below',
      conflicts: input.conflicts > TARGETS.conflicts ? 'above' : 'on_target',
    },
  };
}
