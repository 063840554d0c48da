/**
 * The JSON shapes of DESIGN.md, built in one place for the CLI's `--json`, the HTTP API and the watchdog alike:
 * a doc, an inbox, the status, an alert. Pure; full ids always (short ids are for people reading text).
 */
import type { Doc } from './doc.js';
import type { Inbox, Derived, WorkerView } from './state.js';
import type { Metrics } from './metrics.js';

export interface DocJson {
  id: string;
  type: string;
  title: string;
  from: string;
  to: string;
  priority: string;
  status: string | null;
  state: string | null;
  re: string | null;
  after: string[];
  outcome: string | null;
  tags: string[];
  created: string;
  path: string;
  worker: string;
  archived: boolean;
  waitingOn?: string[];
  body?: string;
}

/** The documented JSON shape of a doc (camelCase, derived `state`, `waitingOn` when waiting). */
export function docJson(doc: Doc, derived: Derived, withBody = false): DocJson {
  const state = derived.stateOf(doc);
  const out: DocJson = {
    id: doc.id,
    type: doc.type,
    title: doc.title,
    from: doc.from,
    to: doc.to,
    priority: doc.priority,
    status: doc.status ?? null,
    state,
    re: doc.re ?? null,
    after: doc.after,
    outcome: doc.outcome ?? null,
    tags: doc.tags,
    created: doc.created,
    path: doc.path,
    worker: doc.worker,
    archived: doc.archived,
  };
  if (state === 'waiting') out.waitingOn = derived.orders.get(doc.id)?.waitingOn ?? [];
  if (withBody) out.body = doc.body;
  return out;
}

export interface InboxJson {
  worker: string;
  ready: DocJson[];
  waiting: DocJson[];
  answers: DocJson[];
  inProgress: DocJson[];
  blocked: DocJson[];
}

/** `pending <worker>`: `{worker, ready, waiting, answers}` plus what is in progress and blocked. */
export function inboxJson(inbox: Inbox, derived: Derived): InboxJson {
  const j = (d: Doc) => docJson(d, derived);
  return {
    worker: inbox.worker,
    ready: inbox.ready.map(j),
    waiting: inbox.waiting.map(j),
    answers: inbox.answers.map(j),
    inProgress: inbox.inProgress.map(j),
    blocked: inbox.blocked.map(j),
  };
}

/** What `alertJson` reads of an alert (the type lives with its store). */
export interface AlertFields {
  id: string;
  at: string;
  level: string;
  kind: string;
  message: string;
  doc?: string;
  data?: Record<string, unknown>;
}

/** The documented JSON shape: `{id, at, level, kind, message, doc?}` (plus `data` when present). */
export function alertJson(a: AlertFields): Record<string, unknown> {
  const out: Record<string, unknown> = { id: a.id, at: a.at, level: a.level, kind: a.kind, message: a.message };
  if (a.doc) out.doc = a.doc;
  if (a.data) out.data = a.data;
  return out;
}

export interface StatusJson {
  workers: WorkerView[];
  metrics: Metrics;
  alerts: Record<string, unknown>[];
  escalations: DocJson[];
  /** The anthropic brain's figures (calls today, budget left, breaker, tokens, cache hits), when it reports them. */
  brain?: object;
}

/** `status`: `{workers, metrics, alerts, escalations}`; the brain's block, when there is one, in metrics too. */
export function statusJson(parts: { workers: WorkerView[]; metrics: Metrics; alerts: readonly AlertFields[]; escalations: readonly Doc[]; brain?: object }, derived: Derived): StatusJson {
  const { workers, metrics, brain } = parts;
  const view: StatusJson = {
    workers,
    metrics: brain ? { ...metrics, brain } : metrics,
    alerts: parts.alerts.map(alertJson),
    escalations: parts.escalations.map((d) => docJson(d, derived)),
  };
  if (brain) view.brain = brain;
  return view;
}

/** `status --json`'s `sync` field (with `sync:` set): where this clone stands against what it last fetched. */
export interface SyncStatusJson {
  remote: string;
  branch: string;
  /** Commits here not yet on the remote, and the remote's not yet here (as of the last fetch); null before one. */
  ahead: number | null;
  behind: number | null;
  /** The last round that reached the remote (ISO), or null. */
  lastSyncAt: string | null;
  /** Why the last round or push failed, while it fails. */
  failing: string | null;
}
