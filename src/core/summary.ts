/**
 * `orchestra summary`: what happened in a range of history, as data. Pure: the docs, the range's history (read by
 * the store), the config, the alerts and the clock are all arguments. The Markdown and Mermaid renderers are in
 * summary-render.ts.
 */
import type { Config } from './config.js';
import type { Doc } from './doc.js';
import { shortIdOf, tailCounts } from './ids.js';
import { computeMetrics, countConflicts, type Metrics } from './metrics.js';
import { asksLead, derive, isIdleNotice, type Derived, type OrderState } from './state.js';

/** One orchestra commit of the range: what the planner needs of the git layer's `TimelineEntry`. */
export type HistoryEntry = Record<'commit' | 'at' | 'actor' | 'type' | 'worker' | 'doc', string>;

export interface SummaryHistory {
  /** Docs whose first commit is in the range, with that commit's time (a revision range only). */
  added: ReadonlyMap<string, string>;
  /** orchestra's commits in the range, newest first. */
  entries: readonly HistoryEntry[];
}

/** A revision range (`main..HEAD`): what its commits added. A window (`--since 1d`): what was written in it. */
export type SummaryRange = { kind: 'rev'; range: string } | { kind: 'since'; since: Date };

export interface SummaryInput {
  docs: readonly Doc[];
  config: Config;
  history: SummaryHistory;
  range: SummaryRange;
  /** Only this worker's thread, when given. */
  worker?: string;
  /** Recorded alerts (local state): the conflicts of the window are counted from them. */
  alerts: readonly { kind: string; at: string; message: string; data?: Record<string, unknown> }[];
  now: Date;
}

export interface SummaryOrder {
  id: string;
  /** The id as listings show it (its random tail when unique). */
  short: string;
  title: string;
  worker: string;
  from: string;
  priority: string;
  state: OrderState;
  after: string[];
  /** Given (written) in the range; false for an earlier order that only changed in it, or a prerequisite shown for context. */
  given: boolean;
}

export interface SummaryThread {
  id: string;
  short: string;
  title: string;
  worker: string;
  from: string;
  /** Doubts: answered; escalations: resolved. */
  settled: boolean;
  /** The reply that settled it, when there is one. */
  reply: { id: string; short: string; from: string; title: string } | null;
}

export interface SummaryEdge {
  from: string;
  to: string;
  kind: 'after' | 'depends_on';
}

export interface Summary {
  range: string;
  worker: string | null;
  /** The span of the range's activity (ISO-8601 UTC); equal when nothing happened. */
  from: string;
  until: string;
  commits: number;
  counts: {
    ordersGiven: number;
    completed: number;
    blocked: number;
    partial: number;
    cancelled: number;
    started: number;
    doubts: number;
    doubtsAnswered: number;
    answers: number;
    escalations: number;
    escalationsResolved: number;
    idleNotices: number;
    conflicts: number;
  };
  /** Every order with activity in the range (given, started, reported, cancelled), plus the orders they come after. */
  orders: SummaryOrder[];
  completed: string[];
  blocked: string[];
  cancelled: string[];
  doubts: SummaryThread[];
  escalations: SummaryThread[];
  idleNotices: SummaryThread[];
  conflicts: { at: string; message: string; file: string | null; workers: string[] }[];
  edges: SummaryEdge[];
  metrics: Metrics;
}

/** The data of a summary: which docs the range holds, their states now, the graph of orders, the metrics. */
export function planSummary(input: SummaryInput): Summary {
  const derived = derive(input.docs, input.config);
  const tails = tailCounts(input.docs.map((d) => d.id));
  const short = (id: string) => shortIdOf(id, tails);
  const mine = (d: Doc) => !input.worker || d.worker === input.worker || d.to === input.worker;
  const { from, until } = spanOf(input);
  const inRange = (d: Doc): boolean => {
    if (input.range.kind === 'rev') return input.history.added.has(d.id);
    const t = Date.parse(d.created);
    return t >= from.getTime() && t <= until.getTime();
  };
  const docs = input.docs.filter(mine);
  const added = docs.filter(inRange);
  const entries = input.history.entries.filter((e) => !input.worker || e.worker === input.worker || e.actor === input.worker);
  const byType = (t: string) => added.filter((d) => d.type === t);

  const reportsOn = (outcome: string) => [...new Set(byType('report').filter((r) => r.outcome === outcome && r.re && derived.byId.get(r.re)?.type === 'order').map((r) => r.re!))];
  const completed = reportsOn('completed');
  const blocked = reportsOn('blocked');
  const partial = reportsOn('partial');
  const touched = (type: string) => [...new Set(entries.filter((e) => e.type === type && derived.byId.get(e.doc)?.type === 'order').map((e) => e.doc))];
  const cancelled = touched('cancel');
  const started = touched('start');

  const active = new Set([...byType('order').map((d) => d.id), ...completed, ...blocked, ...partial, ...cancelled, ...started]);
  const orders = graphOrders(active, new Set(byType('order').map((d) => d.id)), input.docs, derived, short);
  const escalations = byType('escalation');
  const doubts = byType('doubt').map((d) => thread(d, derived, true, short));
  const raised = escalations.filter(asksLead).map((d) => thread(d, derived, false, short));
  const idle = escalations.filter(isIdleNotice).map((d) => thread(d, derived, false, short));
  const conflicts = conflictsIn(input, from, until);
  const metrics = computeMetrics({ docs, derived, since: from, now: until, ...countConflicts(input.alerts.filter((a) => conflictConcerns(a, input.worker)), from, until) });

  return {
    range: input.range.kind === 'rev' ? input.range.range : `since ${input.range.since.toISOString()}`,
    worker: input.worker ?? null,
    from: from.toISOString(),
    until: until.toISOString(),
    commits: new Set(entries.map((e) => e.commit)).size,
    counts: {
      ordersGiven: byType('order').length,
      completed: completed.length,
      blocked: blocked.length,
      partial: partial.length,
      cancelled: cancelled.length,
      started: started.length,
      doubts: doubts.length,
      doubtsAnswered: doubts.filter((d) => d.settled).length,
      answers: byType('answer').length,
      escalations: raised.length,
      escalationsResolved: raised.filter((d) => d.settled).length,
      idleNotices: idle.length,
      conflicts: conflicts.length,
    },
    orders,
    completed,
    blocked,
    cancelled,
    doubts,
    escalations: raised,
    idleNotices: idle,
    conflicts,
    edges: edgesOf(orders, input.docs, input.config),
    metrics,
  };
}

/**
 * The span the range covers: for a revision range, from its first to its last commit (the metrics' window); for
 * `--since`, from that date to now.
 */
function spanOf(input: SummaryInput): { from: Date; until: Date } {
  if (input.range.kind === 'since') return { from: input.range.since, until: input.now };
  const times = [...input.history.added.values(), ...input.history.entries.map((e) => e.at)].map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  if (!times.length) return { from: input.now, until: input.now };
  return { from: new Date(Math.min(...times)), until: new Date(Math.max(...times)) };
}

function graphOrders(active: ReadonlySet<string>, given: ReadonlySet<string>, docs: readonly Doc[], derived: Derived, short: (id: string) => string): SummaryOrder[] {
  const shown = new Set(active);
  // The orders an active order comes after are part of its story, whenever they were given.
  for (const id of active) for (const a of derived.byId.get(id)?.after ?? []) if (derived.byId.get(a)?.type === 'order') shown.add(a);
  return docs
    .filter((d) => d.type === 'order' && shown.has(d.id))
    .map((d) => ({
      id: d.id,
      short: short(d.id),
      title: d.title,
      worker: d.to,
      from: d.from,
      priority: d.priority,
      state: derived.orders.get(d.id)?.state ?? 'pending',
      after: d.after,
      given: given.has(d.id),
    }));
}

/** `after` edges, and for a worker's `depends_on`: the latest order of each worker it depends on given before it. */
function edgesOf(orders: readonly SummaryOrder[], docs: readonly Doc[], config: Config): SummaryEdge[] {
  const shown = new Set(orders.map((o) => o.id));
  const created = new Map(docs.map((d) => [d.id, d.created]));
  const edges: SummaryEdge[] = [];
  for (const o of orders) {
    for (const a of o.after) if (shown.has(a)) edges.push({ from: a, to: o.id, kind: 'after' });
    const deps = config.workers.find((w) => w.name === o.worker)?.dependsOn ?? [];
    for (const dep of deps) {
      const before = orders.filter((p) => p.worker === dep && created.get(p.id)! < created.get(o.id)!);
      const latest = before[before.length - 1];
      // An `after` edge already says it.
      if (latest && !o.after.includes(latest.id)) edges.push({ from: latest.id, to: o.id, kind: 'depends_on' });
    }
  }
  return edges;
}

function thread(d: Doc, derived: Derived, isDoubt: boolean, short: (id: string) => string): SummaryThread {
  const settled = isDoubt ? derived.isAnswered(d) : derived.isResolved(d);
  let reply: Doc | undefined;
  if (isDoubt) {
    reply = (derived.replies.get(d.id) ?? []).find((r) => r.type === 'answer');
    // An answer the lead gave to the escalation this doubt raised is the doubt's answer.
    reply ??= [...derived.answerTo].filter(([, raised]) => raised.id === d.id).map(([answer]) => derived.byId.get(answer)!)[0];
  } else {
    reply = (derived.replies.get(d.id) ?? []).find((r) => (r.type === 'answer' || r.type === 'order') && r.from !== 'daemon');
  }
  return {
    id: d.id,
    short: short(d.id),
    title: d.title,
    worker: d.worker,
    from: d.from,
    settled,
    reply: reply ? { id: reply.id, short: short(reply.id), from: reply.from, title: reply.title } : null,
  };
}

function conflictConcerns(a: { data?: Record<string, unknown> }, worker: string | undefined): boolean {
  if (!worker) return true;
  const workers = a.data?.workers;
  return Array.isArray(workers) && workers.includes(worker);
}

function conflictsIn(input: SummaryInput, from: Date, until: Date): Summary['conflicts'] {
  return input.alerts
    .filter((a) => a.kind === 'conflict' && conflictConcerns(a, input.worker))
    .filter((a) => {
      const t = Date.parse(a.at);
      return t >= from.getTime() && t <= until.getTime();
    })
    .map((a) => ({
      at: a.at,
      message: a.message,
      file: typeof a.data?.file === 'string' ? a.data.file : null,
      workers: Array.isArray(a.data?.workers) ? a.data.workers.filter((w): w is string => typeof w === 'string') : [],
    }));
}
