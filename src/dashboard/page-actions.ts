/**
 * The lead's actions from the page: `POST /api/actions/<action>` with a JSON body. Each entry turns the body into
 * a request of the one set of actions (core/actions.ts); performHttpAction plans it with the same rules as the
 * CLI (the page acts as `lead`) and applyPlan commits it. Review mode's `approve` and `reject` make a request of
 * store/review.ts instead (proposals.ts), with the same rule for who may review.
 */
import type { ActionRequest } from '../core/actions.js';
import type { Priority } from '../core/doc.js';
import { HttpError } from './http.js';
import type { ReviewRequest } from './proposals.js';

type Body = Record<string, unknown>;

export type PageRequest = ActionRequest | ReviewRequest;

/** The body of each page action → the request it makes. */
export const PAGE_ACTIONS: Record<string, (b: Body) => PageRequest> = {
  answer: (b) => ({ action: 'answer', target: required(b, 're'), body: required(b, 'body'), title: optional(b, 'title') }),
  order: (b) => ({
    action: 'order',
    to: required(b, 'worker'),
    title: required(b, 'title'),
    body: optional(b, 'body'),
    priority: priority(b),
    after: list(b, 'after'),
  }),
  cancel: (b) => ({ action: 'cancel', order: required(b, 'order') }),
  // Review mode: {id} or {all: true}; a short id resolves against the proposals waiting.
  approve: (b) => {
    if (b.all !== undefined && b.all !== true && b.all !== false) throw new HttpError(400, '"all" must be true or false');
    if (b.all === true && b.id !== undefined) throw new HttpError(400, 'give "id" or "all": true, not both');
    if (b.all === true) return { action: 'approve', proposal: 'all' };
    const id = required(b, 'id', 'or "all": true');
    if (id.trim() === 'all') throw new HttpError(400, 'to approve every proposal send "all": true, not "id": "all"');
    return { action: 'approve', proposal: id };
  },
  reject: (b) => ({ action: 'reject', proposal: required(b, 'id'), why: required(b, 'why', '(say why the proposal is refused)') }),
};

export const isReview = (r: PageRequest): r is ReviewRequest => r.action === 'approve' || r.action === 'reject';

export const PAGE_ACTOR = 'lead';

function optional(b: Body, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `"${key}" must be a string`);
  return v;
}

function required(b: Body, key: string, hint?: string): string {
  const v = optional(b, key);
  if (v === undefined || !v.trim()) throw new HttpError(400, `"${key}" is required${hint ? ` ${hint}` : ''}`);
  return v;
}

function priority(b: Body): Priority | undefined {
  const p = optional(b, 'priority');
  if (p === undefined || p === '') return undefined;
  if (p !== 'high' && p !== 'medium' && p !== 'low') throw new HttpError(400, `"priority" must be high, medium or low, not "${p.slice(0, 20)}"`);
  return p;
}

/** Order ids as an array or one string separated by commas or spaces; short ids resolve in the action. */
function list(b: Body, key: string): string[] | undefined {
  const v = b[key];
  if (v === undefined || v === null || v === '') return undefined;
  const items = typeof v === 'string' ? v.split(/[\s,]+/) : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  if (!items) throw new HttpError(400, `"${key}" must be a list of order ids`);
  return items.map((s) => s.trim()).filter(Boolean);
}

/** The page action named in the path, its body parsed (JSON only: a cross-site form cannot send it unasked). */
export function pageRequest(name: string, text: string, contentType: string | undefined): PageRequest {
  const make = Object.hasOwn(PAGE_ACTIONS, name) ? PAGE_ACTIONS[name] : undefined;
  if (!make) throw new HttpError(404, `no page action "${name.slice(0, 40)}": use ${Object.keys(PAGE_ACTIONS).join(', ')}`);
  if ((contentType ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') {
    throw new HttpError(415, 'page actions take a JSON body (Content-Type: application/json)');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return make(body as Body);
}
