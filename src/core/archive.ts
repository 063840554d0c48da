/**
 * Which live docs may move to `.orchestra/archive/` (DESIGN.md, "Archive"). Pure: the docs, their derived state,
 * the config and the clock come in; the list of settled threads old enough to move comes out.
 *
 * A thread is a root doc (an order, or a doc that answers nothing) and every doc whose `re:` chain leads to it.
 * It is settled when its orders are completed or cancelled, its doubts answered and its escalations resolved.
 */
import type { Config } from './config.js';
import type { Doc } from './doc.js';
import { isIdleNotice, type Derived } from './state.js';

export interface ArchiveThread {
  root: string;
  docs: Doc[];
  /** Newest `created` in the thread. */
  last: string;
}

export interface ArchivePlan {
  threads: ArchiveThread[];
  /** Every doc to move, oldest first. */
  docs: Doc[];
}

/** The thread root of a doc: follow `re:` up to an order or a doc that answers nothing (guarding cycles). */
function rootOf(doc: Doc, byId: ReadonlyMap<string, Doc>): string {
  let cur = doc;
  const seen = new Set<string>();
  while (cur.type !== 'order' && cur.re && !seen.has(cur.id)) {
    seen.add(cur.id);
    const up = byId.get(cur.re);
    if (!up) break;
    cur = up;
  }
  return cur.id;
}

function settled(doc: Doc, derived: Derived): boolean {
  switch (doc.type) {
    case 'order': {
      const s = derived.orders.get(doc.id)?.state;
      return s === 'completed' || s === 'cancelled';
    }
    case 'doubt':
      return derived.isAnswered(doc);
    case 'escalation':
      // An idle notice needs no answer: it never holds its thread open.
      return isIdleNotice(doc) || derived.isResolved(doc);
    default:
      return true;
  }
}

export function planArchive(docs: readonly Doc[], derived: Derived, config: Config, now: Date): ArchivePlan {
  const cutoff = new Date(now.getTime() - config.archiveAfterMs).toISOString();
  const threads = new Map<string, ArchiveThread>();
  for (const d of docs) {
    if (d.archived) continue;
    const root = rootOf(d, derived.byId);
    const t = threads.get(root);
    if (t) {
      t.docs.push(d);
      if (d.created > t.last) t.last = d.created;
    } else threads.set(root, { root, docs: [d], last: d.created });
  }
  // A doc still referenced by an open doc outside its thread (an `after:` of a pending order, say) keeps the
  // whole thread live: the daemon and the watchdogs read docs/ only.
  const heldBy = new Set<string>();
  for (const d of docs) {
    if (d.archived || settled(d, derived)) continue;
    for (const a of d.after) heldBy.add(a);
    if (d.re) heldBy.add(d.re);
  }
  const out: ArchiveThread[] = [];
  for (const t of threads.values()) {
    if (t.last > cutoff) continue;
    if (!t.docs.every((d) => settled(d, derived))) continue;
    if (t.docs.some((d) => heldBy.has(d.id))) continue;
    t.docs.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1));
    out.push(t);
  }
  out.sort((a, b) => (a.last < b.last ? -1 : a.last > b.last ? 1 : 0));
  return { threads: out, docs: out.flatMap((t) => t.docs) };
}
