/**
 * `GET /api/workers/<name>/thread`: one worker's thread as the page's worker view shows it. Its orders oldest
 * first, each with the docs that follow it (doubts, answers, reports, escalations, by their `re` chain), delivery
 * receipts for what the worker was to be shown, and the order's commits (those its reports stand on, with their
 * diff stat); the docs tied to no order; and the worker's state and liveness as `/api/workers` gives them.
 */
import type { Doc } from '../core/doc.js';
import { docJson, type DocJson } from '../core/json.js';
import { answerFor, type Derived } from '../core/state.js';
import { diffStats, type DiffStat, type EvidenceCommit } from '../store/evidence.js';
import { deliveryLookup, type Delivery } from '../store/receipts.js';
import type { LiveModel } from './model.js';
import type { Views } from './views.js';

export type ThreadDoc = DocJson & { delivered?: Delivery | null };
export type ThreadCommit = EvidenceCommit & { stat: DiffStat | null };

export interface ThreadOrder extends ThreadDoc {
  /** The docs that follow the order, oldest first. */
  thread: ThreadDoc[];
  commits: ThreadCommit[];
}

export interface WorkerThread {
  worker: Record<string, unknown>;
  orders: ThreadOrder[];
  /** Docs in the worker's folder tied to no order (an escalation about the worker, a doubt about nothing open). */
  other: ThreadDoc[];
}

/** The order a doc belongs to, following `re` up (an answer → its doubt → the order the doubt is about). */
function rootOrder(d: Doc, derived: Derived): Doc | undefined {
  let cur: Doc | undefined = d;
  for (let hops = 0; cur && hops < 20; hops++) {
    if (cur.type === 'order') return cur;
    cur = cur.re ? derived.byId.get(cur.re) : undefined;
  }
  return undefined;
}

const byCreated = (a: Doc, b: Doc) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id);

export async function workerThread(views: Views, model: LiveModel, name: string): Promise<WorkerThread> {
  const { docs, derived } = views.snapshot();
  const delivered = deliveryLookup(model.ws);
  const withReceipt = (d: Doc): ThreadDoc => {
    const got = delivered(d, d.type === 'answer' ? answerFor(d, derived) : undefined);
    return { ...docJson(d, derived), ...(got !== undefined ? { delivered: got } : {}) };
  };
  const orders = docs.filter((d) => d.type === 'order' && d.to === name).sort(byCreated);
  const followers = new Map<string, Doc[]>(orders.map((o) => [o.id, []]));
  const other: Doc[] = [];
  for (const d of docs) {
    if (d.type === 'order') continue;
    const root = rootOrder(d, derived);
    const list = root ? followers.get(root.id) : undefined;
    if (list) list.push(d);
    else if (d.worker === name) other.push(d);
  }
  // Each report's commits (store/evidence.ts). Its time window has some slack, so two reports close in time can
  // both claim a commit: it belongs to the first report written after it (else the last one before it).
  const claims = new Map<string, { commit: EvidenceCommit; reports: Doc[] }>();
  for (const o of orders) {
    for (const r of followers.get(o.id)!.filter((d) => d.type === 'report')) {
      for (const c of await views.commitsOf(r)) {
        const claim = claims.get(c.commit) ?? { commit: c, reports: [] };
        claim.reports.push(r);
        claims.set(c.commit, claim);
      }
    }
  }
  const owner = new Map<string, string>();
  for (const [id, { commit, reports }] of claims) {
    const sorted = reports.sort(byCreated);
    const at = Date.parse(commit.at);
    owner.set(id, (sorted.find((r) => Date.parse(r.created) >= at) ?? sorted[sorted.length - 1]).id);
  }
  const out: ThreadOrder[] = orders.map((o) => {
    const thread = followers.get(o.id)!.sort(byCreated);
    const reports = new Set(thread.filter((d) => d.type === 'report').map((d) => d.id));
    const commits = [...claims.values()]
      .filter(({ commit }) => reports.has(owner.get(commit.commit)!))
      .map(({ commit }) => ({ ...commit, stat: null }))
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return { ...withReceipt(o), thread: thread.map(withReceipt), commits };
  });
  const stats = await diffStats(model.git, out.flatMap((o) => o.commits.map((c) => c.commit)));
  for (const o of out) for (const c of o.commits) c.stat = stats.get(c.commit) ?? null;
  const workers = JSON.parse(views.workersText()) as Record<string, unknown>[];
  return { worker: workers.find((w) => w.name === name) ?? { name }, orders: out, other: other.sort(byCreated).map(withReceipt) };
}
