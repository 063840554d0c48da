/** The API routes: our `/api/...` and the seed's `/api/v1/...`. Each handler returns or throws an HttpError. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { parseDuration } from '../core/duration.js';
import { isValidId } from '../core/ids.js';
import { inboxOf } from '../core/state.js';
import { docJson } from '../cli/format.js';
import { writeDoc } from '../store/write.js';
import { MAX_DOC_BYTES } from '../store/frontmatter.js';
import type { EventHub } from './events.js';
import { HttpError, intParam, readBody, sendJson, sendRawJson } from './http.js';
import type { LiveModel } from './model.js';
import { parsePostBody, seedToDoc } from './seed.js';
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

function docIdParam(raw: string): string {
  if (!isValidId(raw)) throw new HttpError(400, `"${String(raw).slice(0, 60)}" is not a doc id: ids use letters, digits, ".", "_" and "-"`);
  return raw;
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
const getDoc: Handler = (c) => {
  const id = docIdParam(c.parts[1]);
  const doc = c.views.find(id);
  if (!doc) throw new HttpError(404, `no doc "${id}" (see /api/docs)`);
  sendJson(c.res, 200, c.views.doc(doc));
};
const getEvents: Handler = (c) => c.hub.open(c.req, c.res, { version: c.model.versions });

const getSeedDocs: Handler = (c) => {
  const limit = intParam(c.query, 'limit', 50, 1, 10_000);
  const list = c.views.docs({ limit });
  sendJson(c.res, 200, list.map((d) => seedDoc(c, d.id, true)));
};
const getSeedDoc: Handler = (c) => {
  const id = docIdParam(c.parts[2]);
  if (!c.views.find(id)) throw new HttpError(404, `no doc "${id}" (see /api/v1/docs?limit=20)`);
  sendJson(c.res, 200, seedDoc(c, id, true));
};
const getPendientes: Handler = (c) => {
  const worker = workerParam(c, c.parts[2])!;
  const { docs, derived } = c.views.snapshot();
  const inbox = inboxOf(worker, docs.filter((d) => !d.archived), derived);
  const j = (d: (typeof inbox.ready)[number]) => docJson(d, derived);
  sendJson(c.res, 200, {
    worker,
    ready: inbox.ready.map(j),
    waiting: inbox.waiting.map(j),
    answers: inbox.answers.map(j),
    inProgress: inbox.inProgress.map(j),
    blocked: inbox.blocked.map(j),
    total: inbox.ready.length + inbox.waiting.length + inbox.inProgress.length + inbox.blocked.length,
  });
};

/** The seed's publish: a committed doc through `writeDoc`, the CLI's own write path. */
const postSeedDoc: Handler = async (c) => {
  const text = await readBody(c.req, MAX_BODY_BYTES);
  const input = parsePostBody(text, c.req.headers['content-type']);
  const snap = c.views.snapshot();
  const { doc, actor } = seedToDoc(input, snap.config);
  const edits: { abs: string; key: string; value: string }[] = [];
  if (doc.re) {
    const target = snap.derived.byId.get(doc.re);
    if (!target) throw new HttpError(400, `"re": no doc "${doc.re}" (see /api/v1/docs?limit=20)`);
    // A report settles its order exactly as `orchestra report` does.
    if (doc.type === 'report' && target.type === 'order' && !target.archived && target.to === doc.from) {
      const status = 'completed';
      if (target.status !== status) edits.push({ abs: path.join(c.model.ws.root, target.path), key: 'status', value: status });
      doc.outcome = 'completed';
    }
  }
  const written = await writeDoc(c.model.ws, c.model.git, doc, { actor, edits });
  // Read our own write back at once, so a GET right after the 201 sees it.
  c.model.refreshFile(path.join(c.model.ws.root, written.path));
  for (const e of edits) c.model.refreshFile(e.abs);
  sendJson(c.res, 201, { id: written.id, path: written.path, commit: written.commit, type: doc.type, worker: doc.worker, title: doc.title }, { Location: `/api/v1/docs/${written.id}` });
};

export const ROUTES: Route[] = [
  { pattern: ['info'], methods: { GET: getInfo } },
  { pattern: ['workers'], methods: { GET: getWorkers } },
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
