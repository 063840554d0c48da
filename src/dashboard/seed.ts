/**
 * The seed's document service conventions, mapped onto the one set of actions (pure: no I/O). The seed posted
 * `{"title","content","tags","author","priority"}`: the worker came from the tags, the type from the tags or a
 * title prefix (`ORDEN: ...`), priorities were `alta|media|baja`, the lead was "lucas" and the daemon
 * "arquitecto-daemon" (who, here, is nobody: only the daemon process writes as the daemon).
 */
import { RULES, type ActionRequest } from '../core/actions.js';
import { isValidId } from '../core/ids.js';
import type { Config } from '../core/config.js';
import type { DocType, Outcome, Priority } from '../core/doc.js';
import { MAX_DOC_BYTES } from '../store/frontmatter.js';
import { HttpError } from './http.js';

const TYPE_WORDS: Record<string, DocType> = {
  order: 'order', orden: 'order',
  report: 'report', reporte: 'report',
  doubt: 'doubt', duda: 'doubt', question: 'doubt', pregunta: 'doubt',
  answer: 'answer', respuesta: 'answer',
  escalation: 'escalation', escalado: 'escalation', escalada: 'escalation',
};
const PRIORITY_WORDS: Record<string, Priority> = { high: 'high', medium: 'medium', low: 'low', alta: 'high', media: 'medium', baja: 'low' };
const OUTCOME_WORDS: Record<string, Outcome> = { completed: 'completed', partial: 'partial', blocked: 'blocked', completado: 'completed', parcial: 'partial', bloqueado: 'blocked' };
const DAEMON_NAMES = new Set(['daemon', 'arquitecto-daemon', 'arquitecto', 'daemon-arquitecto']);

export const SEED_EXAMPLE = '{"title":"ORDEN: Optimize propagation","content":"Done when p99 < 5 ms","tags":["worker-core"],"author":"lucas","priority":"alta"}';

export interface SeedPost {
  /** The action asked for; a report without "re" has `order: ''` (the caller picks the order in progress). */
  request: ActionRequest;
  /** Who acts (the commit's Orchestra-Actor). */
  actor: string;
}

function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `"${key}" must be a string, got ${Array.isArray(v) ? 'an array' : typeof v}: e.g. ${SEED_EXAMPLE}`);
  return v;
}

/** `ORDEN: Optimize` → type order, title `Optimize`; any case, Spanish or English. */
export function splitTitle(title: string): { type?: DocType; title: string } {
  const m = /^\s*([A-Za-zÁÉÍÓÚáéíóú]+)\s*:\s*(.*)$/.exec(title);
  const type = m ? TYPE_WORDS[m[1].toLowerCase()] : undefined;
  if (!m || !type) return { title: title.trim() };
  return { type, title: m[2].trim() || title.trim() };
}

/** The seed's author names: its lead's name or ours → lead; its daemon → daemon; a worker → that worker. */
export function mapAuthor(author: string | undefined, config: Config): string {
  if (author === undefined || author.trim() === '') return 'lead';
  const a = author.trim().toLowerCase();
  if (a === 'lead' || a === 'lucas' || a === config.lead.toLowerCase()) return 'lead';
  if (DAEMON_NAMES.has(a)) return 'daemon';
  if (config.workers.some((w) => w.name === a)) return a;
  throw new HttpError(400, `unknown author "${author.slice(0, 60)}": use "${config.lead}" (the lead), "arquitecto-daemon" or a worker (${config.workers.map((w) => w.name).join(', ')})`);
}

/** Turns a seed-style POST body into the action it asks for, or a 4xx that says what to fix. */
export function seedToRequest(input: unknown, config: Config): SeedPost {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new HttpError(400, `the body must be a JSON object: e.g. ${SEED_EXAMPLE}`);
  const body = input as Record<string, unknown>;
  const rawTitle = str(body, 'title');
  if (!rawTitle || !rawTitle.trim()) throw new HttpError(400, `"title" is required: e.g. ${SEED_EXAMPLE}`);
  if (/[\r\n]/.test(rawTitle)) throw new HttpError(400, '"title" must be a single line: put details in "content"');

  let tags: string[] = [];
  if (body.tags !== undefined && body.tags !== null) {
    const t = body.tags;
    if (typeof t === 'string') tags = t.split(',');
    else if (Array.isArray(t) && t.every((x) => typeof x === 'string' || typeof x === 'number')) tags = t.map(String);
    else throw new HttpError(400, '"tags" must be an array of strings, e.g. ["worker-core"]');
  }
  tags = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
  if (tags.some((t) => t.length > 60)) throw new HttpError(400, 'a tag is longer than 60 characters');

  const content = str(body, 'content') ?? str(body, 'body') ?? '';
  if (Buffer.byteLength(content) > MAX_DOC_BYTES) throw new HttpError(413, '"content" is over the 1 MB limit for a doc: link to large content instead');
  if (content.includes('\0')) throw new HttpError(400, '"content" contains binary data: a doc body must be text');

  if (body.priority !== undefined && body.priority !== null && typeof body.priority !== 'string' && typeof body.priority !== 'number') {
    throw new HttpError(400, '"priority" must be a word: alta|media|baja or high|medium|low');
  }
  const rawPriority = body.priority === undefined || body.priority === null ? undefined : String(body.priority);
  const priority = rawPriority === undefined ? 'medium' : PRIORITY_WORDS[rawPriority.trim().toLowerCase()];
  if (!priority) throw new HttpError(400, `unknown priority "${rawPriority!.slice(0, 40)}": use alta|media|baja or high|medium|low`);

  const split = splitTitle(rawTitle);
  const explicitType = str(body, 'type');
  let type: DocType | undefined;
  if (explicitType !== undefined) {
    type = TYPE_WORDS[explicitType.trim().toLowerCase()];
    if (!type) throw new HttpError(400, `unknown type "${explicitType.slice(0, 40)}": use order, report, doubt, answer or escalation (or orden, reporte, duda, respuesta, escalado)`);
  }
  type ??= tags.map((t) => TYPE_WORDS[t.toLowerCase()]).find(Boolean) ?? split.type;

  const from = mapAuthor(str(body, 'author') ?? str(body, 'from'), config);
  if (from === 'daemon') throw new HttpError(403, `"author" names the daemon: ${RULES['daemon-only']}; post as "${config.lead}" (the lead) or a worker`);
  type ??= from === 'lead' ? 'order' : 'report';
  if (type === 'escalation') throw new HttpError(403, `only the daemon escalates (${RULES['daemon-only']}): post a doubt instead`);
  const title = split.title;
  if (title.length > 200) throw new HttpError(400, `"title" is ${title.length} characters, over 200: put details in "content"`);

  const workers = new Set(config.workers.map((w) => w.name));
  const explicitTo = str(body, 'to');
  const tagWorker = tags.find((t) => workers.has(t));
  const re = str(body, 're');
  if (re !== undefined && !isValidId(re)) throw new HttpError(400, `"re" is not a doc id: ${String(re).slice(0, 60)}`);

  let worker: string;
  if (type === 'report' || type === 'doubt') {
    if (!workers.has(from)) throw new HttpError(400, `a ${type} comes from a worker: set "author" to one of ${[...workers].join(', ')}`);
    worker = from;
  } else {
    const target = explicitTo ?? tagWorker;
    if (!target || !workers.has(target)) {
      throw new HttpError(400, `say which worker the ${type} is for: put its name in "tags", e.g. "tags":["${config.workers[0]?.name ?? 'worker-core'}"] (workers: ${[...workers].join(', ')})`);
    }
    worker = target;
  }
  // The routing tag says where the doc went (its folder); the rest are kept as written.
  const keptTags = tags.filter((t) => t !== worker && !TYPE_WORDS[t.toLowerCase()]);
  return { actor: from, request: requestOf(type, { title, worker, priority, re, tags: keptTags, content, outcome: outcomeOf(body) }) };
}

function outcomeOf(body: Record<string, unknown>): Outcome | undefined {
  const raw = str(body, 'outcome');
  if (raw === undefined) return undefined;
  const o = OUTCOME_WORDS[raw.trim().toLowerCase()];
  if (!o) throw new HttpError(400, `unknown outcome "${raw.slice(0, 40)}": use completed, partial or blocked (or completado, parcial, bloqueado)`);
  return o;
}

interface SeedFields {
  title: string;
  worker: string;
  priority: Priority;
  re?: string;
  tags: string[];
  content: string;
  outcome?: Outcome;
}

function requestOf(type: Exclude<DocType, 'escalation'>, f: SeedFields): ActionRequest {
  switch (type) {
    case 'order':
      return { action: 'order', to: f.worker, title: f.title, body: f.content, priority: f.priority, tags: f.tags, re: f.re };
    case 'report':
      return { action: 'report', order: f.re ?? '', outcome: f.outcome, title: f.title, body: f.content };
    case 'doubt':
      return { action: 'doubt', worker: f.worker, title: f.title, body: f.content, re: f.re, priority: f.priority };
    case 'answer':
      if (!f.re) throw new HttpError(400, '"re": an answer says which doubt or escalation it answers: set "re" to its id');
      // The seed answered in the title alone (`RESPUESTA: vitest`): that is the answer's text when there is no content.
      return { action: 'answer', target: f.re, title: f.title, body: f.content.trim() ? f.content : f.title };
  }
}

/**
 * Reads a POST body whatever its Content-Type says: the seed's curl sends JSON with curl's default
 * `application/x-www-form-urlencoded`; a real form (`title=...&tags=worker-core`) is accepted too.
 */
export function parsePostBody(text: string, contentType: string | undefined): unknown {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (ct && !['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'text/json'].includes(ct)) {
    throw new HttpError(415, `Content-Type ${ct} is not accepted: send JSON (application/json), e.g. ${SEED_EXAMPLE}`);
  }
  if (!text.trim()) throw new HttpError(400, `the request body is empty: send JSON, e.g. ${SEED_EXAMPLE}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    // The seed's guide writes `{"title":"ORDEN: ...", "tags":["worker-core"], ...}`: a trailing `, ...` stands
    // for "the other fields". People paste it as it is; read it as those fields left out.
    const trimmed = text.replace(/,\s*\.\.\.\s*(?=[}\]]\s*$)/, '');
    if (trimmed !== text) {
      try {
        return JSON.parse(trimmed);
      } catch {
        /* report the original error below */
      }
    }
    if (ct === 'application/x-www-form-urlencoded' && !/^\s*[[{]/.test(text)) {
      const form = new URLSearchParams(text);
      const out: Record<string, unknown> = {};
      for (const [k, v] of form) out[k] = k === 'tags' ? [...((out.tags as string[]) ?? []), ...v.split(',')] : v;
      return out;
    }
    const reason = (e as Error).message.replace(/^JSON\.parse: /, '').slice(0, 120);
    throw new HttpError(400, `the request body is not valid JSON (${reason}): e.g. ${SEED_EXAMPLE}`);
  }
}
