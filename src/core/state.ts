/** Derived state: pure functions of the docs and the config. Nothing here is ever stored. */
import type { Config } from './config.js';
import { PRIORITY_RANK, type Doc } from './doc.js';

export type OrderState = 'pending' | 'waiting' | 'in_progress' | 'completed' | 'blocked' | 'cancelled';
export type WorkerState = 'working' | 'ready' | 'waiting' | 'blocked' | 'idle';

export const OPEN_ORDER_STATES: ReadonlySet<OrderState> = new Set(['pending', 'waiting', 'in_progress', 'blocked']);

export interface OrderInfo {
  state: OrderState;
  /** Orders this one waits on (its `after` orders not completed, and earlier open orders of workers it depends on). */
  waitingOn: string[];
}

export interface WorkerView {
  name: string;
  state: WorkerState;
  currentOrder: string | null;
  ready: number;
  waiting: number;
  open: number;
  lastActivity: string | null;
  dependsOn: string[];
}

export interface Derived {
  byId: Map<string, Doc>;
  orders: Map<string, OrderInfo>;
  /** Docs that reply to a doc (`re:`), oldest first. */
  replies: Map<string, Doc[]>;
  /** The derived state shown for any doc: an order's state, `answered`/`open` for doubts, `resolved`/`open` for escalations. */
  stateOf(doc: Doc): string | null;
  isAnswered(doubt: Doc): boolean;
  isResolved(escalation: Doc): boolean;
  /**
   * For an answer to an escalation that a doubt or a blocked report raised: that doubt or report. The lead answers
   * the escalation, but the answer is the worker's, so it counts for (and is delivered as) the answer to it.
   */
  answerTo: Map<string, Doc>;
}

/** The tag that makes an escalation a "worker idle" notice: it needs no answer and is not a call on the lead. */
export const IDLE_TAG = 'idle';

export function isIdleNotice(doc: Doc): boolean {
  return doc.type === 'escalation' && doc.tags.includes(IDLE_TAG);
}

/** An escalation that asks the lead to decide (every escalation but the idle notice). */
export function asksLead(doc: Doc): boolean {
  return doc.type === 'escalation' && !isIdleNotice(doc);
}

function orderBaseState(order: Doc, replies: Doc[] | undefined): OrderState {
  const status = order.status ?? 'pending';
  const reports = (replies ?? []).filter((r) => r.type === 'report');
  const latest = reports[reports.length - 1];
  if (latest?.outcome === 'completed') return 'completed';
  // A blocked report wins until the order is started again after it (`start` records which report it resumes).
  if (latest?.outcome === 'blocked' && order.resumed !== latest.id && status !== 'completed' && status !== 'cancelled') return 'blocked';
  return status;
}

/** Builds every derived fact in one pass over the docs (sorted by creation time). */
export function derive(docs: readonly Doc[], config: Config): Derived {
  const byId = new Map<string, Doc>();
  const replies = new Map<string, Doc[]>();
  for (const d of docs) {
    byId.set(d.id, d);
    if (d.re) {
      const list = replies.get(d.re);
      if (list) list.push(d);
      else replies.set(d.re, [d]);
    }
  }

  const base = new Map<string, OrderState>();
  const ordersByWorker = new Map<string, Doc[]>();
  for (const d of docs) {
    if (d.type !== 'order') continue;
    base.set(d.id, orderBaseState(d, replies.get(d.id)));
    const list = ordersByWorker.get(d.to);
    if (list) list.push(d);
    else ordersByWorker.set(d.to, [d]);
  }

  const deps = new Map(config.workers.map((w) => [w.name, w.dependsOn]));
  const orders = new Map<string, OrderInfo>();
  for (const d of docs) {
    if (d.type !== 'order') continue;
    const state = base.get(d.id)!;
    if (state !== 'pending') {
      orders.set(d.id, { state, waitingOn: [] });
      continue;
    }
    const waitingOn: string[] = [];
    // An `after` order not among the docs read is archived (settled) or a typo that `validate` reports: no wait.
    for (const a of d.after) if (base.has(a) && base.get(a) !== 'completed') waitingOn.push(a);
    for (const dep of deps.get(d.to) ?? []) {
      for (const o of ordersByWorker.get(dep) ?? []) {
        if (o.created < d.created && OPEN_ORDER_STATES.has(base.get(o.id)!)) waitingOn.push(o.id);
      }
    }
    orders.set(d.id, waitingOn.length ? { state: 'waiting', waitingOn } : { state: 'pending', waitingOn });
  }

  const answerTo = new Map<string, Doc>();
  for (const d of docs) {
    if (d.type !== 'answer' || d.from === 'daemon' || !d.re) continue;
    const esc = byId.get(d.re);
    if (esc?.type !== 'escalation' || esc.from !== 'daemon' || !esc.re) continue;
    const raisedBy = byId.get(esc.re);
    if (raisedBy?.type === 'doubt' || (raisedBy?.type === 'report' && raisedBy.outcome === 'blocked')) answerTo.set(d.id, raisedBy);
  }
  const answeredThrough = new Set([...answerTo.values()].map((d) => d.id));
  const isAnswered = (doubt: Doc) => answeredThrough.has(doubt.id) || (replies.get(doubt.id) ?? []).some((r) => r.type === 'answer');
  // The next order to the worker settles an idle notice: it said "give it the next order", and that happened.
  const laterOrder = (esc: Doc) => (ordersByWorker.get(esc.worker) ?? []).some((o) => o.created >= esc.created);
  const isResolved = (esc: Doc) =>
    (replies.get(esc.id) ?? []).some((r) => (r.type === 'answer' || r.type === 'order') && r.from !== 'daemon') ||
    (isIdleNotice(esc) && laterOrder(esc));
  const stateOf = (doc: Doc): string | null => {
    switch (doc.type) {
      case 'order':
        return orders.get(doc.id)?.state ?? null;
      case 'doubt':
        return isAnswered(doc) ? 'answered' : 'open';
      case 'escalation':
        return isResolved(doc) ? 'resolved' : 'open';
      default:
        return null;
    }
  };
  return { byId, orders, replies, stateOf, isAnswered, isResolved, answerTo };
}

/** The blocked report an order is stuck on (its latest report), to record when the order is started again. */
export function blockedBy(order: Doc, derived: Derived): string | undefined {
  if (derived.orders.get(order.id)?.state !== 'blocked') return undefined;
  const reports = (derived.replies.get(order.id) ?? []).filter((r) => r.type === 'report');
  const latest = reports[reports.length - 1];
  return latest?.outcome === 'blocked' ? latest.id : undefined;
}

export function byPriorityThenAge(a: Doc, b: Doc): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1);
}

export interface Inbox {
  worker: string;
  ready: Doc[];
  waiting: Doc[];
  inProgress: Doc[];
  blocked: Doc[];
  answers: Doc[];
}

/** The worker an answer is for: the author of the doubt or report it answers (through an escalation), else its `to`. */
export function answerFor(answer: Doc, derived: Derived): string {
  const through = derived.answerTo.get(answer.id);
  if (through) return through.type === 'doubt' ? through.from : through.worker;
  return answer.to;
}

/** Answers meant for a worker to read; an answer to an idle notice is the lead's note, not the worker's. */
export function answersFor(worker: string, docs: readonly Doc[], derived: Derived): Doc[] {
  return docs.filter((d) => {
    if (d.type !== 'answer' || answerFor(d, derived) !== worker) return false;
    const re = d.re ? derived.byId.get(d.re) : undefined;
    return !(re && isIdleNotice(re));
  });
}

/**
 * A worker's inbox. An answer is unread until it was shown to the worker (`shown`: the receipts); nothing
 * here compares clocks, so a report, a later doubt or another machine's clock never hides one.
 */
export function inboxOf(worker: string, docs: readonly Doc[], derived: Derived, shown: ReadonlySet<string> = new Set()): Inbox {
  const mine = docs.filter((d) => d.type === 'order' && d.to === worker);
  const pick = (s: OrderState) => mine.filter((d) => derived.orders.get(d.id)?.state === s).sort(byPriorityThenAge);
  const answers = answersFor(worker, docs, derived).filter((d) => !shown.has(d.id));
  return { worker, ready: pick('pending'), waiting: pick('waiting'), inProgress: pick('in_progress'), blocked: pick('blocked'), answers };
}

/** The views last computed for a derivation (status, health and liveness all ask for the same ones). */
const viewsOf = new WeakMap<Derived, { docs: readonly Doc[]; config: Config; views: WorkerView[] }>();

/** Each worker's view; computed once per derivation, docs and config (a copy each time: callers may change theirs). */
export function workerViews(docs: readonly Doc[], derived: Derived, config: Config): WorkerView[] {
  const hit = viewsOf.get(derived);
  if (hit && hit.docs === docs && hit.config === config) return hit.views.map((v) => ({ ...v }));
  const views = computeWorkerViews(docs, derived, config);
  viewsOf.set(derived, { docs, config, views });
  return views.map((v) => ({ ...v }));
}

function computeWorkerViews(docs: readonly Doc[], derived: Derived, config: Config): WorkerView[] {
  return config.workers.map((w) => {
    const inbox = inboxOf(w.name, docs, derived);
    let last: string | null = null;
    for (const d of docs) if ((d.worker === w.name || d.from === w.name) && (!last || d.created > last)) last = d.created;
    const state: WorkerState = inbox.inProgress.length
      ? 'working'
      : inbox.ready.length
        ? 'ready'
        : inbox.blocked.length
          ? 'blocked'
          : inbox.waiting.length
            ? 'waiting'
            : 'idle';
    return {
      name: w.name,
      state,
      currentOrder: inbox.inProgress[0]?.id ?? null,
      ready: inbox.ready.length,
      waiting: inbox.waiting.length,
      open: inbox.ready.length + inbox.waiting.length + inbox.inProgress.length + inbox.blocked.length,
      lastActivity: last,
      dependsOn: w.dependsOn,
    };
  });
}

/** Escalations that wait for the lead's decision, oldest first (idle notices need no answer). */
export function openEscalations(docs: readonly Doc[], derived: Derived): Doc[] {
  return docs.filter((d) => asksLead(d) && !derived.isResolved(d));
}
