/** The API routes: our `/api/...` and the seed's `/api/v1/...`. Each handler returns or throws an HttpError. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { parseDuration } from '../core/duration.js';
import { planAction, type ActionRequest, type ActionState, type Decision, type Plan } from '../core/actions.js';
import { ambiguityMessage, resolveId } from '../core/ids.js';
import { docJson, inboxJson } from '../core/json.js';
import { answerFor, inboxOf } from '../core/state.js';
import { deliveryLookup } from '../store/receipts.js';
import { applyPlan, cryptoRandom, type Applied } from '../store/write.js';
import { MAX_DOC_BYTES } from '../store/frontmatter.js';
import type { EventHub } from './events.js';
import { HttpError, intParam, readBody, sendJson, sendRawJson } from './http.js';
import type { LiveModel } from './model.js';
import { PAGE_ACTOR, isReview, pageRequest } from './page-actions.js';
import { performReview, proposalsView } from './proposals.js';
import { parsePostBody, seedToRequest } from './seed.js';
import { workerThread } from './thread.js';
import type { Views } from './views.js';

/** A doc's 1 MB plus room for the JSON around it; anything larger is refused with 413. */
export const MAX_BODY_BYTES = MAX_DOC_BYTES + 64 * 1024;

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Decoded path segments after `/api`. */
  parts: string[];
  query: URLSearchParams;
  views: Views;
  model: LiveModel;
  hub: EventHub;
}

type Handler = (c: RouteContext) => void | Promise<void>;

interface Route {
  /** Path pattern after `/api`, `:name` matches one segment. */
  pattern: string[];
  methods: Record<string, Handler>;
}

/** A doc id from the path: the id, or its unique tail or prefix; `see` is where to look for ids. */
function docIdParam(c: RouteContext, raw: string, see: string): string {
  const r = resolveId(c.views.snapshot().derived.byId.keys(), raw);
  if (r.ok) return r.id;
  if (r.reason === 'invalid') throw new HttpError(400, `"${String(raw).slice(0, 60)}" is not a doc id: ids use letters, digits, ".", "_" and "-"`);
  if (r.reason === 'ambiguous') throw new HttpError(400, ambiguityMessage(raw.slice(0, 60), r.candidates));
  throw new HttpError(404, `no doc "${raw.slice(0, 60)}" (see ${see})`);
}

/** A refusal as HTTP: who-may-do-what is 403; a bad or missing reference in the request body is 400. */
function planOrHttp(d: Decision): Plan {
  if (d.ok) return d.plan;
  throw new HttpError(d.refusal.kind === 'forbidden' ? 403 : 400, d.refusal.message);
}

function sinceParam(q: URLSearchParams, windowMs: number): number {
  const raw = q.get('since');
  if (!raw) return windowMs;
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0 || ms > 3650 * 86_400_000) throw new HttpError(400, `?since=${raw.slice(0, 40)} is not a duration: use e.g. 7d, 48h, 2w`);
  return ms;
}

function workerParam(c: RouteContext, name: string | null): string | undefined {
  if (name === null || name === '') return undefined;
  const { config } = c.views.snapshot();
  if (!config.workers.some((w) => w.name === name)) {
    throw new HttpError(404, `unknown worker "${name.slice(0, 60)}": declared workers are ${config.workers.map((w) => w.name).join(', ')}`);
  }
  return name;
}

function seedDoc(c: RouteContext, id: string, withContent: boolean) {
  const { derived } = c.views.snapshot();
  const d = derived.byId.get(id)!;
  return { ...docJson(d, derived), ...(withContent ? { content: d.body } : {}), author: d.from };
}

const getInfo: Handler = (c) => sendJson(c.res, 200, c.views.info());
const getWorkers: Handler = (c) => sendRawJson(c.res, 200, c.views.workersText());
const getMetrics: Handler = (c) => sendRawJson(c.res, 200, c.views.metricsText(sinceParam(c.query, c.views.snapshot().config.metricsWindowMs)));
const getAlerts: Handler = (c) => {
  const all = c.query.get('all');
  if (all !== null && !['', '1', 'true', '0', 'false'].includes(all)) throw new HttpError(400, '?all= takes 1 or 0');
  sendJson(c.res, 200, c.views.alerts(all === '' || all === '1' || all === 'true'));
};
const getTimeline: Handler = async (c) => {
  const limit = intParam(c.query, 'limit', 100, 1, 1000);
  const worker = workerParam(c, c.query.get('worker'));
  sendJson(c.res, 200, await c.views.timeline(limit, worker));
};
const getDocs: Handler = (c) => {
  const q = c.query;
  const limit = intParam(q, 'limit', 50, 1, 10_000);
  sendJson(c.res, 200, c.views.docs({ limit, worker: q.get('worker') || undefined, type: q.get('type') || undefined, state: q.get('state') || undefined }));
};
const getDoc: Handler = async (c) => {
  const doc = c.views.find(docIdParam(c, c.parts[1], '/api/docs'));
  if (!doc) throw new HttpError(404, `no doc "${c.parts[1].slice(0, 60)}" (see /api/docs)`);
  const delivered = deliveryLookup(c.model.ws)(doc, doc.type === 'answer' ? answerFor(doc, c.model.snapshot().derived) : undefined);
  const commits = doc.type === 'report' ? await c.views.commitsOf(doc) : undefined;
  sendJson(c.res, 200, { ...c.views.doc(doc), ...(delivered !== undefined ? { delivered } : {}), ...(commits ? { commits } : {}) });
};
const getThread: Handler = async (c) => {
  const name = workerParam(c, c.parts[1])!;
  sendJson(c.res, 200, await workerThread(c.views, c.model, name));
};

/** The page's actions (page-actions.ts): answer, order, cancel, approve, reject, as the lead, with the CLI's rules. */
const postAction: Handler = async (c) => {
  const text = await readBody(c.req, MAX_BODY_BYTES);
  const request = pageRequest(c.parts[1], text, c.req.headers['content-type']);
  if (isReview(request)) {
    const r = await performReview(c.model, PAGE_ACTOR, request);
    const ids = r.proposals.map((p) => p.id);
    sendJson(c.res, 201, { action: request.action, ids, commit: r.commit || null, ...(request.action === 'approve' ? { approved: ids } : { rejected: ids }) });
    return;
  }
  const applied = await performHttpAction(c, PAGE_ACTOR, request);
  const w = applied.written[0];
  sendJson(c.res, 201, { action: request.action, id: applied.doc, commit: applied.commit, ...(w ? { path: w.path, type: w.doc.type } : {}), edited: applied.edited });
};

/** Review mode: the proposals waiting for the lead (an empty list and `review: false` when it is not in use). */
const getProposals: Handler = async (c) => sendJson(c.res, 200, await proposalsView(c.model));

const getEvents: Handler = (c) => c.hub.open(c.req, c.res, { version: c.model.versions });

const getSeedDocs: Handler = (c) => {
  const limit = intParam(c.query, 'limit', 50, 1, 10_000);
  const list = c.views.docs({ limit });
  sendJson(c.res, 200, list.map((d) => seedDoc(c, d.id, true)));
};
const getSeedDoc: Handler = (c) => {
  sendJson(c.res, 200, seedDoc(c, docIdParam(c, c.parts[2], '/api/v1/docs?limit=20'), true));
};
const getPendientes: Handler = (c) => {
  const worker = workerParam(c, c.parts[2])!;
  const { docs, derived } = c.views.snapshot();
  const inbox = inboxOf(worker, docs.filter((d) => !d.archived), derived);
  sendJson(c.res, 200, { ...inboxJson(inbox, derived), total: inbox.ready.length + inbox.waiting.length + inbox.inProgress.length + inbox.blocked.length });
};

/**
 * One action over HTTP, for every write route (the seed's POST, the page's answer/order/cancel): planned on the
 * live model with the one set of actions, committed by `applyPlan`, and read back at once so a GET right after
 * sees it. A refusal is thrown as its HTTP error (403 for who-may-do-what).
 */
export async function performHttpAction(c: RouteContext, actor: string, request: ActionRequest | ((state: ActionState) => ActionRequest)): Promise<Applied> {
  const snap = c.views.snapshot();
  const state: ActionState = { config: snap.config, docs: snap.docs, derived: snap.derived };
  const req = typeof request === 'function' ? request(state) : request;
  const plan = planOrHttp(planAction(state, actor, req, { now: new Date(), random: cryptoRandom }));
  const applied = await applyPlan(c.model.ws, c.model.git, plan);
  for (const p of [...applied.written.map((w) => w.path), ...plan.edits.map((e) => e.path)]) c.model.refreshFile(path.join(c.model.ws.root, p));
  return applied;
}

/** The seed's publish: the action it asks for, planned and committed exactly as the CLI does it. */
const postSeedDoc: Handler = async (c) => {
  const text = await readBody(c.req, MAX_BODY_BYTES);
  const input = parsePostBody(text, c.req.headers['content-type']);
  const { request, actor } = seedToRequest(input, c.views.snapshot().config);
  const applied = await performHttpAction(c, actor, (state) => withDefaultOrder(state, actor, request));
  const w = applied.written[0];
  sendJson(c.res, 201, { id: w.id, path: w.path, commit: applied.commit, type: w.doc.type, worker: w.doc.worker, title: w.doc.title }, { Location: `/api/v1/docs/${w.id}` });
};

/** The seed's reports named no order: a report without "re" is on the worker's one order in progress. */
function withDefaultOrder({ docs, derived }: ActionState, actor: string, req: ActionRequest): ActionRequest {
  if (req.action !== 'report' || req.order) return req;
  const working = docs.filter((d) => d.type === 'order' && d.to === actor && !d.archived && derived.orders.get(d.id)?.state === 'in_progress');
  if (working.length !== 1) {
    throw new HttpError(400, `"re": say which order this report is on (${actor} has ${working.length || 'no'} order${working.length === 1 ? '' : 's'} in progress)`);
  }
  return { ...req, order: working[0].id };
}

export const ROUTES: Route[] = [
  { pattern: ['info'], methods: { GET: getInfo } },
  { pattern: ['workers'], methods: { GET: getWorkers } },
  { pattern: ['workers', ':worker', 'thread'], methods: { GET: getThread } },
  { pattern: ['actions', ':action'], methods: { POST: postAction } },
  { pattern: ['proposals'], methods: { GET: getProposals } },
  { pattern: ['metrics'], methods: { GET: getMetrics } },
  { pattern: ['alerts'], methods: { GET: getAlerts } },
  { pattern: ['timeline'], methods: { GET: getTimeline } },
  { pattern: ['docs'], methods: { GET: getDocs } },
  { pattern: ['docs', ':id'], methods: { GET: getDoc } },
  { pattern: ['events'], methods: { GET: getEvents } },
  { pattern: ['v1', 'docs'], methods: { GET: getSeedDocs, POST: postSeedDoc } },
  { pattern: ['v1', 'docs', ':id'], methods: { GET: getSeedDoc } },
  { pattern: ['v1', 'worker', ':worker', 'pendientes'], methods: { GET: getPendientes } },
];

/** Finds the handler for `/api/<parts>`, or says why there is none (404, 405). */
export function route(method: string, parts: string[]): { handler: Handler } {
  for (const r of ROUTES) {
    if (r.pattern.length !== parts.length || !r.pattern.every((p, i) => p.startsWith(':') || p === parts[i])) continue;
    // HEAD is GET without a body, except on the event stream, which would never end.
    const m = method === 'HEAD' && r.pattern[0] !== 'events' ? 'GET' : method;
    const handler = r.methods[m];
    const allow = Object.keys(r.methods).join(', ');
    if (!handler) throw new HttpError(405, `${method} is not allowed on /api/${parts.join('/')}: use ${allow}`, { Allow: allow });
    return { handler };
  }
  throw new HttpError(404, `no route /api/${parts.join('/').slice(0, 100)}: see the README section "Dashboard and HTTP API"`);
}
