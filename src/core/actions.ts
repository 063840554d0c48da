/**
 * The one set of actions: order, start, cancel, report, doubt, answer. Each is a pure function of the loaded
 * state, the actor and the request, returning the plan of docs to write (which `store/write.ts` applies and
 * commits) or a refusal with its reason. The CLI, the HTTP API, the demo and the MCP server only call these,
 * so a rule is written once and holds for every caller. The clock and randomness come in; ids are made from them.
 */
import { blockedBy, OPEN_ORDER_STATES, type Derived } from './state.js';
import type { Doc, DocType, OrderStatus, Outcome, Priority } from './doc.js';
import { ambiguityMessage, generateId, resolveId, type Random } from './ids.js';
import { isoTime } from './time.js';
import type { Config } from './workers.js';
import { checkActor, mayAnswer, mayAsk, mayCancel, mayOrder, mayReport, mayStart, refuse, type Refusal } from './actions-rules.js';

export { RULES, type Refusal, type RefusalKind, type RuleName } from './actions-rules.js';

export interface ActionState {
  config: Config;
  /** Live docs (archived ones may be included; they cannot be acted on). */
  docs: readonly Doc[];
  derived: Derived;
  /**
   * Every id short forms resolve against, when `docs` holds only the docs the request names (a caller that
   * reads just those, to stay cheap). Without it, the ids of `docs`.
   */
  ids?: readonly string[];
}

export interface ActionEnv {
  now: Date;
  random: Random;
}

/** A doc to create: everything its file holds. */
export interface PlannedDoc {
  id: string;
  type: DocType;
  title: string;
  from: string;
  to: string;
  /** Folder (thread) it goes in. */
  worker: string;
  priority: Priority;
  status?: OrderStatus;
  re?: string;
  after: string[];
  outcome?: Outcome;
  tags: string[];
  created: string;
  body: string;
}

/** Frontmatter keys to set on an existing doc (the order a report settles, a status change). */
export interface DocEdit {
  id: string;
  /** Workspace-relative path of the doc. */
  path: string;
  set: Record<string, string>;
}

export type ActionName = 'order' | 'start' | 'cancel' | 'report' | 'doubt' | 'answer';

export interface Plan {
  action: ActionName;
  actor: string;
  /** The doc the commit is about: the new doc, or the edited one. */
  doc: string;
  create: PlannedDoc[];
  edits: DocEdit[];
  /** `orchestra: <verb> <worker>: <title>`. */
  subject: { verb: string; worker: string; title: string };
}

export type Decision = { ok: true; plan: Plan } | { ok: false; refusal: Refusal };

export type ActionRequest =
  | { action: 'order'; to: string; title: string; body?: string; priority?: Priority; after?: string[]; tags?: string[]; re?: string }
  | { action: 'start'; order: string; force?: boolean }
  | { action: 'cancel'; order: string; force?: boolean }
  | { action: 'report'; order: string; outcome?: Outcome; title?: string; body?: string }
  | { action: 'doubt'; worker: string; title: string; body?: string; re?: string; priority?: Priority }
  | { action: 'answer'; target: string; title?: string; body: string };

const no = (refusal: Refusal): Decision => ({ ok: false, refusal });
const TITLE_MAX = 200;

function titleProblem(title: string): Refusal | undefined {
  const t = title.trim();
  if (!t) return refuse('invalid', 'title', 'the title is empty: give a short one-line title');
  if (/[\r\n]/.test(t)) return refuse('invalid', 'title', 'the title must be a single line: put details in the body');
  if (t.length > TITLE_MAX) return refuse('invalid', 'title', `the title is ${t.length} characters, over ${TITLE_MAX}: put details in the body`);
  return undefined;
}

/** A doc by its id, unique suffix or unique prefix. */
export function findDocIn(state: ActionState, query: string): { doc: Doc } | { refusal: Refusal } {
  const r = resolveId(state.ids ?? state.docs.map((d) => d.id), query);
  const doc = r.ok ? (state.derived.byId.get(r.id) ?? state.docs.find((d) => d.id === r.id)) : undefined;
  if (doc) return { doc };
  if (!r.ok && r.reason === 'invalid') {
    return { refusal: refuse('invalid', 'id', `"${query}" is not a valid doc id: ids use letters, digits, ".", "_" and "-" (see \`orchestra list\`)`) };
  }
  if (!r.ok && r.reason === 'ambiguous') return { refusal: refuse('invalid', 'ambiguous-id', ambiguityMessage(query, r.candidates)) };
  return { refusal: refuse('not_found', 'no-such-doc', `no doc "${query}" (see \`orchestra list\`)`) };
}

function newDoc(env: ActionEnv, d: Omit<PlannedDoc, 'id' | 'created' | 'after' | 'tags' | 'body'> & Partial<Pick<PlannedDoc, 'after' | 'tags' | 'body'>>): PlannedDoc {
  const title = d.title.trim();
  return {
    ...d,
    title,
    id: generateId(d.type, title, env.now, env.random),
    after: d.after ?? [],
    tags: d.tags ?? [],
    body: d.body ?? '',
    created: isoTime(env.now),
  };
}

function writes(action: ActionName, actor: string, doc: PlannedDoc, edits: DocEdit[] = []): Decision {
  return { ok: true, plan: { action, actor, doc: doc.id, create: [doc], edits, subject: { verb: doc.type, worker: doc.worker, title: doc.title } } };
}

export function planOrder(state: ActionState, actor: string, req: Extract<ActionRequest, { action: 'order' }>, env: ActionEnv): Decision {
  const who = checkActor(state.config, actor);
  if (who) return no(who);
  if (!state.config.workers.some((w) => w.name === req.to)) {
    return no(refuse('invalid', 'unknown-worker', `unknown worker "${req.to}": declared workers are ${state.config.workers.map((w) => w.name).join(', ')}`));
  }
  const may = mayOrder(state.config, actor, req.to);
  if (may) return no(may);
  const bad = titleProblem(req.title);
  if (bad) return no(bad);
  const after: string[] = [];
  for (const a of req.after ?? []) {
    const found = findDocIn(state, a);
    if ('refusal' in found) return no(found.refusal);
    if (found.doc.type !== 'order') return no(refuse('invalid', 'after-order', `after ${a}: it is a ${found.doc.type}, not an order`));
    after.push(found.doc.id);
  }
  let re: string | undefined;
  if (req.re !== undefined) {
    const found = findDocIn(state, req.re);
    if ('refusal' in found) return no(found.refusal);
    re = found.doc.id;
  }
  const doc = newDoc(env, { type: 'order', title: req.title, from: actor, to: req.to, worker: req.to, priority: req.priority ?? 'medium', status: 'pending', re, after, tags: req.tags, body: req.body });
  return writes('order', actor, doc);
}

function findOrder(state: ActionState, query: string, verb: string): { order: Doc } | { refusal: Refusal } {
  const found = findDocIn(state, query);
  if ('refusal' in found) {
    if (found.refusal.kind !== 'not_found') return found;
    return { refusal: refuse('not_found', 'no-such-doc', `no open order "${query}" in .orchestra/docs (see \`orchestra list --type order\`)`) };
  }
  const d = found.doc;
  if (d.type !== 'order') return { refusal: refuse('invalid', 'not-an-order', `${d.id} is a ${d.type}, not an order${verb === 'report' ? ': report on an order' : ''}`) };
  if (d.archived) return { refusal: refuse('invalid', 'archived', `${d.id} is archived: it was settled long ago`) };
  return { order: d };
}

/** The order an actor acts on (start, cancel, report): the actor known, the order found, and the actor allowed. */
function orderFor(state: ActionState, actor: string, query: string, verb: 'start' | 'cancel' | 'report', may: (actor: string, order: Doc) => Refusal | undefined): { order: Doc } | { refusal: Refusal } {
  const who = checkActor(state.config, actor);
  if (who) return { refusal: who };
  const found = findOrder(state, query, verb);
  if ('refusal' in found) return found;
  const refused = may(actor, found.order);
  return refused ? { refusal: refused } : found;
}

function statusChange(action: 'start' | 'cancel', actor: string, order: Doc, set: Record<string, string>): Decision {
  return {
    ok: true,
    plan: { action, actor, doc: order.id, create: [], edits: [{ id: order.id, path: order.path, set }], subject: { verb: action, worker: order.worker, title: order.id } },
  };
}

export function planStart(state: ActionState, actor: string, req: Extract<ActionRequest, { action: 'start' }>): Decision {
  const found = orderFor(state, actor, req.order, 'start', mayStart);
  if ('refusal' in found) return no(found.refusal);
  const { order } = found;
  const id = order.id;
  const info = state.derived.orders.get(id)!;
  if (info.state === 'in_progress') return no(refuse('invalid', 'state', `${id} is already in progress`));
  if (info.state === 'completed' || info.state === 'cancelled') return no(refuse('invalid', 'state', `${id} is ${info.state}: it cannot be started`));
  if (info.state === 'waiting' && !req.force) return no(refuse('invalid', 'waiting', `${id} is waiting on ${info.waitingOn.join(', ')}: finish those first, or use --force`));
  // Starting a blocked order again records which blocked report it moves past.
  const resumes = blockedBy(order, state.derived);
  return statusChange('start', actor, order, { status: 'in_progress', ...(resumes ? { resumed: resumes } : {}) });
}

export function planCancel(state: ActionState, actor: string, req: Extract<ActionRequest, { action: 'cancel' }>): Decision {
  const found = orderFor(state, actor, req.order, 'cancel', mayCancel);
  if ('refusal' in found) return no(found.refusal);
  const { order } = found;
  const info = state.derived.orders.get(order.id)!;
  if (!OPEN_ORDER_STATES.has(info.state) && !req.force) return no(refuse('invalid', 'state', `${order.id} is ${info.state}: only open orders can be cancelled`));
  return statusChange('cancel', actor, order, { status: 'cancelled' });
}

const REPORT_WORD: Record<Outcome, string> = { completed: 'Done', partial: 'Progress', blocked: 'Blocked' };
const STATUS_AFTER: Record<Outcome, OrderStatus> = { completed: 'completed', partial: 'in_progress', blocked: 'blocked' };

export function planReport(state: ActionState, actor: string, req: Extract<ActionRequest, { action: 'report' }>, env: ActionEnv): Decision {
  const found = orderFor(state, actor, req.order, 'report', mayReport);
  if ('refusal' in found) return no(found.refusal);
  const { order } = found;
  if (order.status === 'cancelled') return no(refuse('invalid', 'state', `${order.id} was cancelled: there is nothing to report`));
  if (req.title !== undefined) {
    const bad = titleProblem(req.title);
    if (bad) return no(bad);
  }
  const outcome = req.outcome ?? 'completed';
  const title = req.title ?? `${REPORT_WORD[outcome]}: ${order.title}`.slice(0, TITLE_MAX);
  const status = STATUS_AFTER[outcome];
  const doc = newDoc(env, {
    type: 'report',
    title,
    // Only the order's worker reports here (mayReport); a lead who closes an order itself writes the report by
    // hand, `from: lead`, and no "worker idle" notice follows it (core/plan.ts).
    from: order.to,
    to: 'daemon',
    worker: order.to,
    re: order.id,
    outcome,
    priority: outcome === 'blocked' ? 'high' : order.priority,
    body: req.body,
  });
  return writes('report', actor, doc, order.status === status ? [] : [{ id: order.id, path: order.path, set: { status } }]);
}

export function planDoubt(state: ActionState, actor: string, req: Extract<ActionRequest, { action: 'doubt' }>, env: ActionEnv): Decision {
  const who = checkActor(state.config, actor);
  if (who) return no(who);
  if (!state.config.workers.some((w) => w.name === req.worker)) {
    return no(refuse('invalid', 'unknown-worker', `unknown worker "${req.worker}": declared workers are ${state.config.workers.map((w) => w.name).join(', ')}`));
  }
  const may = mayAsk(actor, req.worker);
  if (may) return no(may);
  const bad = titleProblem(req.title);
  if (bad) return no(bad);
  let re: string | undefined;
  if (req.re !== undefined) {
    const found = findDocIn(state, req.re);
    if ('refusal' in found) return no(found.refusal);
    re = found.doc.id;
  } else {
    // Without --re, a doubt is about the one order the worker has in progress, if there is exactly one.
    const working = state.docs.filter((d) => d.type === 'order' && d.to === req.worker && !d.archived && state.derived.orders.get(d.id)?.state === 'in_progress');
    if (working.length === 1) re = working[0].id;
  }
  const doc = newDoc(env, { type: 'doubt', title: req.title, from: req.worker, to: 'daemon', worker: req.worker, re, priority: req.priority ?? 'medium', body: req.body });
  return writes('doubt', actor, doc);
}

export function planAnswer(state: ActionState, actor: string, req: Extract<ActionRequest, { action: 'answer' }>, env: ActionEnv): Decision {
  const who = checkActor(state.config, actor);
  if (who) return no(who);
  const found = findDocIn(state, req.target);
  if ('refusal' in found) return no(found.refusal);
  const target = found.doc;
  if (target.type !== 'doubt' && target.type !== 'escalation') {
    return no(refuse('invalid', 'not-answerable', `${target.id} is a ${target.type}: only doubts and escalations are answered`));
  }
  const may = mayAnswer(actor, target);
  if (may) return no(may);
  if (!req.body.trim()) return no(refuse('invalid', 'body', 'an answer needs its text: give --body or --file ("content" over HTTP)'));
  if (req.title !== undefined) {
    const bad = titleProblem(req.title);
    if (bad) return no(bad);
  }
  const title = req.title ?? `Re: ${target.title}`.slice(0, TITLE_MAX);
  // A doubt's answer goes back to who asked; an escalation's to the worker whose thread it is in.
  const to = target.type === 'doubt' ? target.from : target.worker;
  const doc = newDoc(env, { type: 'answer', title, from: actor, to, worker: target.worker, re: target.id, priority: target.priority, body: req.body });
  return writes('answer', actor, doc);
}

/** Any action by name: the entry the HTTP API and MCP use. */
export function planAction(state: ActionState, actor: string, req: ActionRequest, env: ActionEnv): Decision {
  switch (req.action) {
    case 'order':
      return planOrder(state, actor, req, env);
    case 'start':
      return planStart(state, actor, req);
    case 'cancel':
      return planCancel(state, actor, req);
    case 'report':
      return planReport(state, actor, req, env);
    case 'doubt':
      return planDoubt(state, actor, req, env);
    case 'answer':
      return planAnswer(state, actor, req, env);
  }
}
