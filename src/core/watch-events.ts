/**
 * What a watching worker hears about, as pure functions: a snapshot of its inbox, and the events between two
 * snapshots (new orders, new answers, status changes of its orders, conflicts that appear or go away).
 */
import { conflictJson, type Conflict, type ConflictJson } from './conflicts.js';

export type { ConflictJson };
import type { Doc } from './doc.js';
import { answersFor, inboxOf, type Derived } from './state.js';
import { docJson, inboxJson, type DocJson } from './json.js';

export interface Snapshot {
  /** State of every order addressed to the worker. */
  orders: Map<string, string>;
  /** Answers addressed to the worker. */
  answers: Set<string>;
}

export type WatchEvent =
  | {
      event: 'summary';
      at: string;
      worker: string;
      ready: DocJson[];
      waiting: DocJson[];
      inProgress: DocJson[];
      blocked: DocJson[];
      answers: DocJson[];
      conflicts: ConflictJson[];
    }
  | { event: 'order'; at: string; worker: string; doc: DocJson; show: string }
  | { event: 'answer'; at: string; worker: string; doc: DocJson; show: string }
  | { event: 'status'; at: string; worker: string; id: string; title: string; from: string | null; to: string; doc: DocJson; show: string }
  | { event: 'conflict'; at: string; worker: string; resolved: boolean; conflict: ConflictJson };

export function snapshotOf(worker: string, docs: readonly Doc[], derived: Derived): Snapshot {
  const orders = new Map<string, string>();
  const answers = new Set<string>();
  for (const d of docs) if (d.type === 'order' && d.to === worker) orders.set(d.id, derived.orders.get(d.id)?.state ?? d.status ?? 'pending');
  for (const d of answersFor(worker, docs, derived)) answers.add(d.id);
  return { orders, answers };
}

export const showCommand = (id: string) => `orchestra show ${id}`;

/** Events from `prev` to `next`, in creation order of the docs they are about. */
export function diffSnapshots(worker: string, prev: Snapshot, next: Snapshot, derived: Derived, at: string): WatchEvent[] {
  const events: { created: string; id: string; ev: WatchEvent }[] = [];
  for (const [id, state] of next.orders) {
    const doc = derived.byId.get(id);
    if (!doc) continue;
    const before = prev.orders.get(id);
    if (before === undefined) {
      events.push({ created: doc.created, id, ev: { event: 'order', at, worker, doc: docJson(doc, derived), show: showCommand(id) } });
    } else if (before !== state) {
      events.push({
        created: doc.created,
        id,
        ev: { event: 'status', at, worker, id, title: doc.title, from: before, to: state, doc: docJson(doc, derived), show: showCommand(id) },
      });
    }
  }
  for (const id of next.answers) {
    if (prev.answers.has(id)) continue;
    const doc = derived.byId.get(id);
    if (doc) events.push({ created: doc.created, id, ev: { event: 'answer', at, worker, doc: docJson(doc, derived), show: showCommand(id) } });
  }
  events.sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || (a.id < b.id ? -1 : 1));
  return events.map((e) => e.ev);
}

/** Conflicts that appeared (and went away) between two refreshes. */
export function diffConflicts(worker: string, prev: ReadonlyMap<string, Conflict>, next: ReadonlyMap<string, Conflict>, at: string): WatchEvent[] {
  const out: WatchEvent[] = [];
  for (const [key, c] of next) if (!prev.has(key)) out.push({ event: 'conflict', at, worker, resolved: false, conflict: conflictJson(c) });
  for (const [key, c] of prev) if (!next.has(key)) out.push({ event: 'conflict', at, worker, resolved: true, conflict: conflictJson(c) });
  return out;
}

export function summaryOf(worker: string, docs: readonly Doc[], derived: Derived, conflicts: readonly Conflict[], at: string, shown?: ReadonlySet<string>): WatchEvent {
  const { ready, waiting, inProgress, blocked, answers } = inboxJson(inboxOf(worker, docs, derived, shown), derived);
  return { event: 'summary', at, worker, ready, waiting, inProgress, blocked, answers, conflicts: conflicts.map(conflictJson) };
}
