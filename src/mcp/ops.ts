/**
 * The one adapter between agent-facing callers (the MCP server, `wait`, the hooks, `launch`) and orchestra's
 * write and read code. It calls the same store functions the CLI's write and read commands call today, with the
 * same rules; when the shared actions (`core/actions`) land, only this file is re-pointed at them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Doc, Outcome, Priority } from '../core/doc.js';
import { isValidId } from '../core/ids.js';
import { blockedBy, inboxOf, openEscalations, type Inbox } from '../core/state.js';
import { workerStatuses } from '../store/liveness.js';
import { findWorker, workerNames, type Config } from '../core/workers.js';
import { NotFoundError, UsageError } from '../errors.js';
import { openAlerts } from '../store/alerts.js';
import { loadConfigCached } from '../store/config-cache.js';
import { Git } from '../store/git.js';
import { loadWorkspace, type Loaded } from '../store/load.js';
import { deliveries, readReceipts, recordHeartbeat, recordReceipts, type ReceiptHow } from '../store/receipts.js';
import { locateWorkspace, type Workspace } from '../store/workspace.js';
import { editDoc, writeDoc } from '../store/write.js';
import { fullBriefing, shortBriefing } from './briefing.js';

export interface Session {
  ws: Workspace;
  config: Config;
  git: Git;
  identity: string;
}

/** The workspace around `cwd`, acting as `identity` (fixed for the session's life): lead or a declared worker. */
export function openSession(cwd: string, identity: string): Session {
  const ws = locateWorkspace(cwd);
  const config = loadConfigCached(ws);
  const id = identity.trim();
  if (id === 'daemon') throw new UsageError('no agent can act as daemon: use --as lead or --as <worker>');
  if (id !== 'lead' && !findWorker(config, id)) {
    throw new UsageError(`unknown identity "${id}": use lead or one of ${[...workerNames(config)].join(', ')}`);
  }
  return { ws, config, git: new Git(ws.root, ws.gitDir), identity: id };
}

export const isWorker = (s: Session) => s.identity !== 'lead';

export async function load(s: Session): Promise<Loaded> {
  return loadWorkspace(s.ws, { config: s.config, git: s.git, liveOnly: true });
}

/** Every call by a worker is a heartbeat. */
export function heartbeat(s: Session): void {
  if (isWorker(s)) recordHeartbeat(s.ws, s.identity);
}

export function receipt(s: Session, docs: readonly Doc[], how: ReceiptHow, extra: { session?: string; event?: 'doc' | 'cancel' } = {}): void {
  if (!isWorker(s) || !docs.length) return;
  const at = new Date().toISOString();
  recordReceipts(s.ws, docs.map((d) => ({ at, worker: s.identity, doc: d.id, how, ...extra })));
}

/** An exact id, or a unique suffix or prefix of one; an ambiguous one is refused listing the candidates. */
export function resolveId(loaded: Loaded, raw: string): Doc {
  const id = raw.trim();
  if (!isValidId(id)) throw new UsageError(`"${raw}" is not a valid doc id: ids use letters, digits, ".", "_" and "-"`);
  const exact = loaded.derived.byId.get(id);
  if (exact) return exact;
  const matches = loaded.docs.filter((d) => d.id.endsWith(id) || d.id.startsWith(id));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new UsageError(`"${id}" is ambiguous: it matches ${matches.slice(0, 5).map((d) => d.id).join(', ')}${matches.length > 5 ? ', …' : ''}`);
  throw new NotFoundError(`no open doc "${id}" in .orchestra/docs`);
}

export interface WorkerInbox extends Inbox {
  /** Answers in the inbox not yet shown to the worker (no receipt, a push aside: the client may not take pushes). */
  unread: Doc[];
}

export function inboxFor(s: Session, loaded: Loaded, worker = s.identity): WorkerInbox {
  const inbox = inboxOf(worker, loaded.docs, loaded.derived);
  const shown = deliveries(readReceipts(s.ws, worker), ['pushed']);
  return { ...inbox, unread: inbox.answers.filter((a) => !shown.has(a.id)) };
}

function requireWorkerIdentity(s: Session, what: string): string {
  if (!isWorker(s)) throw new UsageError(`${what} is a worker's tool: start the server with --as <worker>`);
  return s.identity;
}

function requireLead(s: Session, what: string): void {
  if (s.identity !== 'lead') throw new UsageError(`${s.identity} cannot ${what}: only the lead can (this server acts as ${s.identity})`);
}

/** `start` as the CLI does it: the order's own worker, not waiting, not settled. */
async function startOrder(s: Session, loaded: Loaded, order: Doc): Promise<string> {
  const info = loaded.derived.orders.get(order.id)!;
  if (s.identity !== 'lead' && s.identity !== order.to) throw new UsageError(`${s.identity} cannot start ${order.id}: it is ${order.to}'s order`);
  if (info.state === 'completed' || info.state === 'cancelled') throw new UsageError(`${order.id} is ${info.state}: it cannot be started`);
  if (info.state === 'waiting') throw new UsageError(`${order.id} is waiting on ${info.waitingOn.join(', ')}: finish those first`);
  const resumes = blockedBy(order, loaded.derived);
  return editDoc(s.ws, s.git, { abs: `${s.ws.root}/${order.path}`, id: order.id, worker: order.worker, title: order.title }, 'status', 'in_progress', {
    actor: s.identity,
    verb: 'start',
    also: resumes ? { resumed: resumes } : undefined,
  });
}

/** Starts the given order, or the most important ready one, and returns it in full (undefined: nothing ready). */
export async function take(s: Session, id?: string): Promise<{ order: Doc; commit?: string; why?: undefined } | { order?: undefined; why: string }> {
  const me = requireWorkerIdentity(s, 'take');
  const loaded = await load(s);
  let order: Doc | undefined;
  if (id !== undefined) {
    order = resolveId(loaded, id);
    if (order.type !== 'order') throw new UsageError(`${order.id} is a ${order.type}, not an order`);
    if (order.to !== me) throw new UsageError(`${me} cannot take ${order.id}: it is ${order.to}'s order`);
  } else {
    const inbox = inboxOf(me, loaded.docs, loaded.derived);
    order = inbox.ready[0];
    if (!order) {
      const why = inbox.inProgress.length
        ? `${inbox.inProgress[0].id} is already in progress`
        : inbox.waiting.length
          ? `${inbox.waiting.length} order(s) wait on others`
          : 'nothing to do';
      return { why };
    }
  }
  const state = loaded.derived.orders.get(order.id)?.state;
  const commit = state === 'in_progress' ? undefined : await startOrder(s, loaded, order);
  receipt(s, [order], 'take');
  return { order, commit };
}

const COMMIT_RE = /^[0-9a-f]{7,40}$/;

/** `report` as the CLI does it: writes the report and updates the order's status in one commit. */
export async function report(s: Session, input: { id: string; outcome?: Outcome; body: string; commits?: string[] }): Promise<{ id: string; order: string; outcome: Outcome; commit: string }> {
  const me = requireWorkerIdentity(s, 'report');
  const loaded = await load(s);
  const order = resolveId(loaded, input.id);
  if (order.type !== 'order') throw new UsageError(`${order.id} is a ${order.type}, not an order: report on an order`);
  if (order.to !== me) throw new UsageError(`${me} cannot report on ${order.id}: it is ${order.to}'s order`);
  if (order.status === 'cancelled') throw new UsageError(`${order.id} was cancelled: there is nothing to report`);
  const commits = input.commits ?? [];
  for (const c of commits) {
    if (!COMMIT_RE.test(c)) throw new UsageError(`"${c}" is not a commit hash: give 7 to 40 lowercase hex digits`);
    // Hex only (checked above), so it cannot reach git as an option.
    try {
      await s.git.exec(['rev-parse', '--verify', '-q', `${c}^{commit}`]);
    } catch {
      throw new UsageError(`no commit ${c} in this repository: commit your work first, then report`);
    }
  }
  const outcome = input.outcome ?? 'completed';
  const title = `${outcome === 'completed' ? 'Done' : outcome === 'partial' ? 'Progress' : 'Blocked'}: ${order.title}`.slice(0, 200);
  const body = commits.length ? `${input.body.trimEnd()}\n\nCommits: ${commits.join(', ')}\n` : input.body;
  const status = outcome === 'completed' ? 'completed' : outcome === 'blocked' ? 'blocked' : 'in_progress';
  const w = await writeDoc(
    s.ws,
    s.git,
    { type: 'report', title, from: me, to: 'daemon', worker: me, re: order.id, outcome, priority: outcome === 'blocked' ? 'high' : order.priority, body },
    { actor: me, edits: order.status === status ? [] : [{ abs: `${s.ws.root}/${order.path}`, key: 'status', value: status }] },
  );
  return { id: w.id, order: order.id, outcome, commit: w.commit };
}

/** A doubt in the worker's own thread, about its order in progress unless `re` says otherwise. */
export async function ask(s: Session, input: { title: string; body: string; re?: string }): Promise<{ id: string; re?: string; commit: string }> {
  const me = requireWorkerIdentity(s, 'ask');
  const loaded = await load(s);
  let re = input.re !== undefined ? resolveId(loaded, input.re).id : undefined;
  if (!re) {
    const working = inboxOf(me, loaded.docs, loaded.derived).inProgress;
    if (working.length === 1) re = working[0].id;
  }
  const w = await writeDoc(s.ws, s.git, { type: 'doubt', title: input.title, from: me, to: 'daemon', worker: me, re, priority: 'medium', body: input.body }, { actor: me });
  return { id: w.id, re, commit: w.commit };
}

export async function order(s: Session, input: { worker: string; title: string; body: string; priority?: Priority; after?: string[] }): Promise<{ id: string; commit: string }> {
  requireLead(s, 'give orders');
  if (!findWorker(s.config, input.worker)) throw new UsageError(`unknown worker "${input.worker}": declared workers are ${[...workerNames(s.config)].join(', ')}`);
  const loaded = await load(s);
  const after = (input.after ?? []).map((a) => {
    const d = resolveId(loaded, a);
    if (d.type !== 'order') throw new UsageError(`after: ${d.id} is a ${d.type}, not an order`);
    return d.id;
  });
  const w = await writeDoc(s.ws, s.git, { type: 'order', title: input.title, from: 'lead', to: input.worker, worker: input.worker, priority: input.priority ?? 'medium', after, body: input.body }, { actor: 'lead' });
  return { id: w.id, commit: w.commit };
}

export async function answer(s: Session, input: { id: string; body: string }): Promise<{ id: string; re: string; commit: string }> {
  requireLead(s, 'answer');
  const loaded = await load(s);
  const target = resolveId(loaded, input.id);
  if (target.type !== 'doubt' && target.type !== 'escalation') throw new UsageError(`${target.id} is a ${target.type}: only doubts and escalations are answered`);
  const to = target.type === 'doubt' ? target.from : target.worker;
  const w = await writeDoc(s.ws, s.git, { type: 'answer', title: `Re: ${target.title}`.slice(0, 200), from: 'lead', to, worker: target.worker, re: target.id, priority: target.priority, body: input.body }, { actor: 'lead' });
  return { id: w.id, re: target.id, commit: w.commit };
}

export async function cancel(s: Session, id: string): Promise<{ id: string; commit: string }> {
  const loaded = await load(s);
  const o = resolveId(loaded, id);
  if (o.type !== 'order') throw new UsageError(`${o.id} is a ${o.type}, not an order`);
  if (s.identity !== 'lead' && s.identity !== o.from) throw new UsageError(`${s.identity} cannot cancel ${o.id}: only the lead or ${o.from} can`);
  const state = loaded.derived.orders.get(o.id)!.state;
  if (!['pending', 'waiting', 'in_progress', 'blocked'].includes(state)) throw new UsageError(`${o.id} is ${state}: only open orders can be cancelled`);
  const commit = await editDoc(s.ws, s.git, { abs: `${s.ws.root}/${o.path}`, id: o.id, worker: o.worker, title: o.title }, 'status', 'cancelled', { actor: s.identity, verb: 'cancel' });
  return { id: o.id, commit };
}

export { workerStatuses, type WorkerStatus } from '../store/liveness.js';

export async function status(s: Session): Promise<{ workers: import('../store/liveness.js').WorkerStatus[]; escalations: Doc[]; alerts: number }> {
  requireLead(s, 'see the team status');
  const loaded = await load(s);
  return { workers: workerStatuses(loaded), escalations: openEscalations(loaded.docs, loaded.derived), alerts: openAlerts(s.ws).length };
}

/** The briefing of a worker, full or short, with its inbox as it stands. */
export async function briefing(s: Session, worker: string, kind: 'full' | 'short'): Promise<string> {
  const w = findWorker(s.config, worker);
  if (!w) throw new UsageError(`unknown worker "${worker}": declared workers are ${[...workerNames(s.config)].join(', ')}`);
  const loaded = await load(s);
  const inbox = inboxFor(s, loaded, worker);
  const counts = { ready: inbox.ready, waiting: inbox.waiting.length, inProgress: inbox.inProgress, unread: inbox.unread };
  if (kind === 'short') return shortBriefing(w, counts);
  let words: string | undefined;
  try {
    words = readFileSync(path.join(s.ws.root, w.prompt), 'utf8');
  } catch {
    words = undefined;
  }
  return fullBriefing(w, words, counts);
}
