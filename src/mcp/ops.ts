/**
 * The one adapter between agent-facing callers (the MCP server, `wait`, the hooks, `launch`, `prompt`) and
 * orchestra's groundwork. Every write is one of the shared actions (core/actions.ts) applied by `performAction`
 * as the session's fixed identity, so the MCP tools obey exactly the CLI's rules and say the same refusals; ids
 * resolve through core/ids; reads are core/state's inbox with the receipts of store/receipts.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findDocIn, type ActionRequest, type Refusal } from '../core/actions.js';
import type { Doc, Outcome, Priority } from '../core/doc.js';
import { docJson, type DocJson } from '../core/json.js';
import { inboxOf, openEscalations } from '../core/state.js';
import { findWorker, workerNames, type Config } from '../core/workers.js';
import { Forbidden, NotFoundError, UsageError } from '../errors.js';
import { openAlerts } from '../store/alerts.js';
import { loadConfigCached } from '../store/config-cache.js';
import { Git, docsGit } from '../store/git.js';
import { autoAttach } from '../store/orchestration.js';
import { workerStatuses, type WorkerStatus } from '../store/liveness.js';
import { loadWorkspace, type Loaded } from '../store/load.js';
import { locateWorkspace, type Workspace } from '../store/workspace.js';
import { performAction } from '../store/write.js';
import { fullBriefing, shortBriefing } from './briefing.js';
import { checkIdentity, inboxFor, isWorker, receipt, type Identity } from './session.js';

export { checkIdentity, heartbeat, inboxFor, isWorker, receipt, type Identity, type WorkerInbox } from './session.js';

export interface Session extends Identity {
  git: Git;
}

/** The workspace around `cwd`, acting as `identity` (fixed for the session's life): lead or a declared worker. */
export function openSession(cwd: string, identity: string): Session {
  // stdout is the protocol's: the attach line of a fresh clone goes to stderr.
  const ws = autoAttach(locateWorkspace(cwd), (line) => process.stderr.write(`${line}\n`));
  const config = loadConfigCached(ws);
  return sessionOf(ws, config, checkIdentity(config, identity));
}

/** A session on a workspace and config already read, as an identity already checked (`checkIdentity`). */
export function sessionOf(ws: Workspace, config: Config, identity: string): Session {
  return { ws, config, git: docsGit(ws), identity };
}

export async function load(s: Session): Promise<Loaded> {
  return loadWorkspace(s.ws, { config: s.config, git: s.git, liveOnly: true });
}

/** A refusal of the shared actions as the error the MCP server turns into a tool error (the CLI's classes). */
function refusalError(r: Refusal): Error {
  if (r.kind === 'forbidden') return new Forbidden(r.message, r.rule);
  if (r.kind === 'not_found') return new NotFoundError(r.message);
  return new UsageError(r.message);
}

/** An id, or a unique suffix or prefix of one (core/ids through the actions' lookup); refusals as errors. */
export function resolveDoc(loaded: Loaded, raw: string): Doc {
  const found = findDocIn(loaded, raw.trim());
  if ('refusal' in found) throw refusalError(found.refusal);
  return found.doc;
}

/** One shared action as the session's identity, planned and committed under the write lock. */
async function act(s: Session, request: ActionRequest): Promise<{ id: string; commit: string }> {
  const r = await performAction(s.ws, s.git, s.identity, request);
  if (!r.ok) throw refusalError(r.refusal);
  return { id: r.applied.doc, commit: r.applied.commit };
}

function requireWorkerIdentity(s: Session, what: string): string {
  if (!isWorker(s)) throw new UsageError(`${what} is a worker's tool: start the server with --as <worker>`);
  return s.identity;
}

/** `start` (the shared action) of the given order, or of the most important ready one; returns it in full. */
export async function take(s: Session, id?: string): Promise<{ order: DocJson; commit?: string; why?: undefined } | { order?: undefined; why: string }> {
  const me = requireWorkerIdentity(s, 'take');
  const loaded = await load(s);
  let order: Doc | undefined;
  if (id !== undefined) {
    order = resolveDoc(loaded, id);
    // Taking again the order one is already working on returns it: nothing to start.
    if (order.type === 'order' && order.to === me && loaded.derived.orders.get(order.id)?.state === 'in_progress') {
      receipt(s, [order], 'take');
      return { order: docJson(order, loaded.derived, true) };
    }
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
  const { commit } = await act(s, { action: 'start', order: order.id });
  receipt(s, [order], 'take');
  // The order as read before the start, now in progress.
  return { order: { ...docJson(order, loaded.derived, true), status: 'in_progress', state: 'in_progress', waitingOn: undefined }, commit };
}

const COMMIT_RE = /^[0-9a-f]{7,40}$/;

/** `report` (the shared action); `commits` are checked to be commits of this repository and listed in the body. */
export async function report(s: Session, input: { id: string; outcome?: Outcome; body: string; commits?: string[] }): Promise<{ id: string; order: string; outcome: Outcome; commit: string }> {
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
  const body = commits.length ? `${input.body.trimEnd()}\n\nCommits: ${commits.join(', ')}\n` : input.body;
  const loaded = await load(s);
  const order = resolveDoc(loaded, input.id);
  const w = await act(s, { action: 'report', order: order.id, outcome, body });
  return { id: w.id, order: order.id, outcome, commit: w.commit };
}

/** A doubt (the shared action) in the worker's own thread, about its order in progress unless `re` says otherwise. */
export async function ask(s: Session, input: { title: string; body: string; re?: string }): Promise<{ id: string; re?: string; commit: string }> {
  const me = requireWorkerIdentity(s, 'ask');
  const w = await act(s, { action: 'doubt', worker: me, title: input.title, body: input.body, re: input.re });
  const loaded = await load(s);
  return { id: w.id, re: loaded.derived.byId.get(w.id)?.re, commit: w.commit };
}

export async function order(s: Session, input: { worker: string; title: string; body: string; priority?: Priority; after?: string[] }): Promise<{ id: string; commit: string }> {
  return act(s, { action: 'order', to: input.worker, title: input.title, body: input.body, priority: input.priority, after: input.after });
}

export async function answer(s: Session, input: { id: string; body: string }): Promise<{ id: string; re: string; commit: string }> {
  const loaded = await load(s);
  const target = resolveDoc(loaded, input.id);
  const w = await act(s, { action: 'answer', target: target.id, body: input.body });
  return { ...w, re: target.id };
}

export async function cancel(s: Session, id: string): Promise<{ id: string; commit: string }> {
  return act(s, { action: 'cancel', order: id });
}

export { workerStatuses, type WorkerStatus };

export async function status(s: Session): Promise<{ workers: WorkerStatus[]; escalations: Doc[]; alerts: number }> {
  if (s.identity !== 'lead') throw new UsageError(`status is the lead's tool (this server acts as ${s.identity})`);
  const loaded = await load(s);
  return { workers: workerStatuses(loaded), escalations: openEscalations(loaded.docs, loaded.derived), alerts: openAlerts(s.ws).length };
}

/** The briefing of a worker, full (through core/briefing's `renderBriefing`) or short, with its inbox as it stands. */
export async function briefing(s: Session, worker: string, kind: 'full' | 'short'): Promise<string> {
  const w = findWorker(s.config, worker);
  if (!w) throw new UsageError(`unknown worker "${worker}": declared workers are ${[...workerNames(s.config)].join(', ')}`);
  const loaded = await load(s);
  const inbox = inboxFor(s, loaded, worker);
  const counts = { ready: inbox.ready, waiting: inbox.waiting.length, inProgress: inbox.inProgress, unread: inbox.unread };
  if (kind === 'short') return shortBriefing(w, counts);
  let words = '';
  try {
    words = readFileSync(path.join(s.ws.root, w.prompt), 'utf8');
  } catch {
    // No prompt file: the briefing is what the config says.
  }
  return fullBriefing(s.config, worker, words, counts);
}
