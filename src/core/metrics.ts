/** The seed's metrics, as pure functions of the docs. Formulas are in `orchestra metrics --help`. */
import type { Doc } from './doc.js';
import type { Derived } from './state.js';

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

export function computeMetrics(input: { docs: readonly Doc[]; derived: Derived; since: Date; now: Date; conflicts: number }): Metrics {
  const since = input.since.toISOString();
  const until = input.now.toISOString();
  const inWindow = (iso: string) => iso >= since && iso <= until;
  const orders = input.docs.filter((d) => d.type === 'order' && inWindow(d.created));
  const completed = [...completionTimes(input.docs, input.derived).values()].filter(inWindow);
  const escalations = input.docs.filter((d) => d.type === 'escalation' && inWindow(d.created)).length;
  const days = Math.max(1 / 24, (input.now.getTime() - input.since.getTime()) / 86_400_000);

  const daily: { date: string; completed: number }[] = [];
  const counts = new Map<string, number>();
  for (const t of completed) counts.set(day(t), (counts.get(day(t)) ?? 0) + 1);
  for (let t = Date.parse(`${day(since)}T00:00:00Z`); t <= input.now.getTime(); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    daily.push({ date, completed: counts.get(date) ?? 0 });
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    since,
    until,
    days: round(days),
    ordersTotal: orders.length,
    ordersCompleted: completed.length,
    throughputPerDay: round(completed.length / days),
    autonomyPct: orders.length ? round(((orders.length - escalations) / orders.length) * 100) : null,
    escalations,
    conflicts: input.conflicts,
    conflictsPerTask: orders.length ? round(input.conflicts / orders.length) : null,
    daily,
    targets: TARGETS,
  };
}
