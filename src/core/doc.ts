import { UsageError, type Problem } from '../errors.js';
import { isValidId } from './ids.js';

export const DOC_TYPES = ['order', 'report', 'doubt', 'answer', 'escalation'] as const;
export const PRIORITIES = ['high', 'medium', 'low'] as const;
export const ORDER_STATUSES = ['pending', 'in_progress', 'completed', 'blocked', 'cancelled'] as const;
export const OUTCOMES = ['completed', 'partial', 'blocked'] as const;

export type DocType = (typeof DOC_TYPES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type Outcome = (typeof OUTCOMES)[number];

/** The seed's Spanish vocabulary, accepted on read and normalised in memory (never rewritten on disk). */
const TYPE_ALIASES: Record<string, DocType> = {
  orden: 'order',
  reporte: 'report',
  duda: 'doubt',
  respuesta: 'answer',
  escalado: 'escalation',
};
const PRIORITY_ALIASES: Record<string, Priority> = { alta: 'high', media: 'medium', baja: 'low' };
const STATUS_ALIASES: Record<string, OrderStatus> = {
  pendiente: 'pending',
  en_progreso: 'in_progress',
  completado: 'completed',
  bloqueado: 'blocked',
  cancelado: 'cancelled',
};
const OUTCOME_ALIASES: Record<string, Outcome> = { completado: 'completed', parcial: 'partial', bloqueado: 'blocked' };

export const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

/** A doc as the rest of the program sees it: every default applied, every alias normalised. */
export interface Doc {
  id: string;
  type: DocType;
  title: string;
  from: string;
  to: string;
  priority: Priority;
  /** Orders only. */
  status?: OrderStatus;
  re?: string;
  /** Orders only. */
  after: string[];
  /** Orders only: the blocked report this order was started again after (`orchestra start` writes it). */
  resumed?: string;
  /** Reports only. */
  outcome?: Outcome;
  tags: string[];
  /** ISO-8601 UTC. */
  created: string;
  /** True when `created` was not in the file and came from git or the file's mtime. */
  createdInferred: boolean;
  /** The worker whose thread it belongs to: the folder it sits in. */
  worker: string;
  /** Workspace-relative, `/`-separated. */
  path: string;
  archived: boolean;
  body: string;
}

/** Frontmatter keys we know. Unknown keys are kept on disk and ignored. */
const KNOWN_KEYS = new Set(['type', 'title', 'from', 'to', 'priority', 'status', 're', 'after', 'outcome', 'tags', 'created', 'author', 'resumed']);

interface RawDoc {
  type: string;
  title: string;
  from?: string;
  author?: string;
  to?: string;
  priority?: string;
  status?: string;
  re?: string;
  resumed?: string;
  after?: string | string[];
  outcome?: string;
  tags?: string | (string | number)[];
  created?: string | Date;
}

const TEXT_KEYS = ['from', 'author', 'to', 'priority', 'status', 'outcome'] as const;

// C0 (with tab, CR, LF), DEL and C1 are what a terminal obeys: OSC 52 writes the clipboard, CSI clears the
// screen or hides text. The bidirectional overrides and isolates reorder what is shown ("Trojan Source").
const NOT_PLAIN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// Half of a UTF-16 pair with no other half: no UTF-8 file can hold it, so it would come back as U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function loneSurrogate(text: string): string | undefined {
  const m = LONE_SURROGATE.exec(text);
  return m ? `contains half of a UTF-16 surrogate pair (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}) at character ${m.index + 1}, which is not text: send valid Unicode` : undefined;
}

/**
 * Why a doc's body cannot be stored as written, or undefined. Bodies are free Markdown (control characters
 * included: they are escaped when shown), but a NUL makes the file binary and a lone surrogate is not text.
 */
export function bodyProblem(body: string): string | undefined {
  const nul = body.indexOf('\0');
  if (nul !== -1) return `contains a NUL byte at character ${nul + 1}: a doc body must be text`;
  return loneSurrogate(body);
}

/**
 * Why a title, a tag or a name is not plain one-line text, or undefined. One rule for every way in (a
 * hand-written file, the CLI, the HTTP API, a brain's reply), so all refuse the same text with the same words.
 */
export function plainTextProblem(text: string): string | undefined {
  const lone = loneSurrogate(text);
  if (lone) return lone;
  const m = NOT_PLAIN.exec(text);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  const what = code >= 0x202a ? 'a bidirectional-text control' : 'a control character';
  return `contains ${what} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at character ${m.index + 1}: titles, tags and names are plain text, remove it`;
}

/**
 * Checks the raw frontmatter's shape, one problem per bad field. Hand-written rather than zod: it runs for
 * every doc on every read (10,000 docs in a `list`), and zod costs more to load than this whole check.
 */
function checkRaw(data: Record<string, unknown>, problem: (field: string, message: string) => void): RawDoc | undefined {
  let ok = true;
  const bad = (field: string, message: string) => {
    ok = false;
    problem(field, message);
  };
  const isText = (v: unknown) => typeof v === 'string';
  if (data.type === undefined) bad('type', 'is required: one of order, report, doubt, answer, escalation');
  else if (!isText(data.type)) bad('type', 'must be one of order, report, doubt, answer, escalation');
  if (data.title === undefined || data.title === null) bad('title', 'is required: a one-line title');
  else if (!isText(data.title)) bad('title', 'must be text: put it in quotes');
  else {
    const t = (data.title as string).trim();
    if (!t) bad('title', 'must not be empty');
    else if (t.length > 200) bad('title', `is ${t.length} characters, over 200: put details in the body`);
    else if (/[\r\n]/.test(t)) bad('title', 'must be a single line');
    else {
      const p = plainTextProblem(t);
      if (p) bad('title', p);
    }
  }
  if (isText(data.type) && plainTextProblem(data.type as string)) bad('type', plainTextProblem(data.type as string)!);
  for (const k of TEXT_KEYS) {
    if (data[k] === undefined) continue;
    if (!isText(data[k])) bad(k, 'must be text: put it in quotes');
    else if (plainTextProblem(data[k] as string)) bad(k, plainTextProblem(data[k] as string)!);
  }
  const idMsg = 'must be a doc id (letters, digits, ".", "_", "-"; no "/" or "..")';
  if (data.re !== undefined && !isValidId(data.re)) bad('re', idMsg);
  if (data.resumed !== undefined && !isValidId(data.resumed)) bad('resumed', idMsg);
  if (data.after !== undefined) {
    const list = Array.isArray(data.after) ? data.after : [data.after];
    list.forEach((a, i) => {
      if (!isValidId(a)) bad(Array.isArray(data.after) ? `after[${i}]` : 'after', idMsg);
    });
  }
  if (data.tags !== undefined) {
    const list = Array.isArray(data.tags) ? data.tags : [data.tags];
    list.forEach((t, i) => {
      const field = Array.isArray(data.tags) ? `tags[${i}]` : 'tags';
      if (typeof t !== 'string' && typeof t !== 'number') bad(field, 'must be a word or a list of words');
      else if (typeof t === 'string' && plainTextProblem(t)) bad(field, plainTextProblem(t)!);
    });
  }
  if (data.created !== undefined && !isText(data.created) && !(data.created instanceof Date)) {
    bad('created', 'must be a date such as 2026-11-24T21:40:00Z');
  }
  if (!ok) return undefined;
  return { ...(data as unknown as RawDoc), title: (data.title as string).trim() };
}

export interface NormaliseContext {
  /** Workspace-relative path of the file. */
  path: string;
  /** The folder's worker name. */
  worker: string;
  id: string;
  archived: boolean;
  /** Declared worker names. */
  workers: ReadonlySet<string>;
  /** `created` when the file does not say: its first commit, or its mtime (computed only when needed). */
  fallbackCreated: string | (() => string);
}

export type NormaliseResult = { ok: true; doc: Doc } | { ok: false; problems: Problem[] };

function pick<T extends string>(value: string | undefined, allowed: readonly T[], aliases: Record<string, T>): T | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  return aliases[v];
}

const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Any date the frontmatter holds, in the canonical form of core/time.ts. */
function toIso(value: string | Date): string | undefined {
  if (typeof value === 'string' && ISO_SECONDS.test(value)) return `${value.slice(0, 19)}.000Z`;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toISOString();
}

/**
 * Turns parsed frontmatter into a Doc, or says everything that is wrong with it, one problem per field.
 * Pure: the caller supplies the folder, the declared workers and the fallback creation time.
 */
export function normaliseDoc(data: Record<string, unknown>, body: string, ctx: NormaliseContext): NormaliseResult {
  const problems: Problem[] = [];
  const problem = (field: string, message: string) => problems.push({ file: ctx.path, field, message });

  const raw = checkRaw(data, problem);
  if (!raw) return { ok: false, problems };
  const identities = (name: string) => name === 'lead' || name === 'daemon' || ctx.workers.has(name);

  const type = pick(raw.type, DOC_TYPES, TYPE_ALIASES);
  if (!type) problem('type', `unknown type "${raw.type}": use order, report, doubt, answer or escalation`);

  const priority = raw.priority === undefined ? 'medium' : pick(raw.priority, PRIORITIES, PRIORITY_ALIASES);
  if (!priority) problem('priority', `unknown priority "${raw.priority}": use high, medium or low`);

  let status: OrderStatus | undefined;
  if (type === 'order') {
    status = raw.status === undefined ? 'pending' : pick(raw.status, ORDER_STATUSES, STATUS_ALIASES);
    if (!status) problem('status', `unknown status "${raw.status}": use pending, in_progress, completed, blocked or cancelled`);
  } else if (raw.status !== undefined && !pick(raw.status, ORDER_STATUSES, STATUS_ALIASES)) {
    problem('status', `unknown status "${raw.status}": only orders have a status; remove it`);
  }

  let outcome: Outcome | undefined;
  if (type === 'report') {
    outcome = raw.outcome === undefined ? 'completed' : pick(raw.outcome, OUTCOMES, OUTCOME_ALIASES);
    if (!outcome) problem('outcome', `unknown outcome "${raw.outcome}": use completed, partial or blocked`);
  }

  const tags = raw.tags === undefined ? [] : (Array.isArray(raw.tags) ? raw.tags : [raw.tags]).map((t) => String(t));

  // Routing by tags, as the seed did: `tags: [worker-core]` and no `to` means `to: worker-core`.
  const tagWorker = tags.find((t) => ctx.workers.has(t));

  const defaultFrom = type === 'order' || type === 'answer' ? 'lead' : type === 'escalation' ? 'daemon' : ctx.worker;
  const defaultTo =
    type === 'order' || type === 'answer' ? (tagWorker ?? ctx.worker) : type === 'escalation' ? 'lead' : 'daemon';
  const from = (raw.from ?? raw.author ?? defaultFrom).trim();
  const to = (raw.to ?? defaultTo).trim();
  if (!identities(from)) problem('from', `unknown identity "${from}": use lead, daemon or a worker declared in orchestra.yaml`);
  if (!identities(to)) problem('to', `unknown identity "${to}": use lead, daemon or a worker declared in orchestra.yaml`);
  if (type === 'order' && ctx.workers.has(to) && to !== ctx.worker) {
    problem('to', `order is addressed to ${to} but sits in ${ctx.worker}'s folder: move it to .orchestra/docs/${to}/`);
  }
  if ((type === 'report' || type === 'doubt') && ctx.workers.has(from) && from !== ctx.worker) {
    problem('from', `${type} from ${from} sits in ${ctx.worker}'s folder: move it to .orchestra/docs/${from}/`);
  }

  let created = '';
  let createdInferred = true;
  if (raw.created === undefined) created = typeof ctx.fallbackCreated === 'function' ? ctx.fallbackCreated() : ctx.fallbackCreated;
  else {
    const iso = toIso(raw.created);
    if (!iso) problem('created', `"${String(raw.created)}" is not a date: write it as 2026-11-24T21:40:00Z`);
    else {
      created = iso;
      createdInferred = false;
    }
  }

  if (raw.re === ctx.id) problem('re', 'a doc cannot answer itself');
  const after = raw.after === undefined ? [] : Array.isArray(raw.after) ? raw.after : [raw.after];
  if (after.length && type !== 'order') problem('after', 'only orders can wait for other orders; remove it');

  if (problems.length || !type || !priority) return { ok: false, problems };

  return {
    ok: true,
    doc: {
      id: ctx.id,
      type,
      title: raw.title,
      from,
      to,
      priority,
      status,
      re: raw.re,
      resumed: type === 'order' ? raw.resumed : undefined,
      after,
      outcome,
      tags,
      created,
      createdInferred,
      worker: ctx.worker,
      path: ctx.path,
      archived: ctx.archived,
      body,
    },
  };
}

export function isKnownKey(key: string): boolean {
  return KNOWN_KEYS.has(key);
}

/** Frontmatter for a doc we write: known keys in a fixed order, defaults left out where they add nothing. */
export function frontmatterOf(doc: Omit<Doc, 'worker' | 'path' | 'archived' | 'body' | 'createdInferred'>): Record<string, unknown> {
  // Never write a file that reading would refuse: whichever caller let the text through, it stops here.
  const fields: [string, string][] = [['title', doc.title], ['from', doc.from], ['to', doc.to], ...doc.tags.map((t, i): [string, string] => [doc.tags.length > 1 ? `tag ${i + 1}` : 'tag', t])];
  for (const [field, text] of fields) {
    const p = plainTextProblem(text);
    if (p) throw new UsageError(`the ${field} ${p}`);
  }
  const fm: Record<string, unknown> = { type: doc.type, title: doc.title, from: doc.from, to: doc.to, priority: doc.priority };
  if (doc.type === 'order') fm.status = doc.status ?? 'pending';
  if (doc.re) fm.re = doc.re;
  if (doc.type === 'order' && doc.after.length) fm.after = doc.after;
  if (doc.type === 'report') fm.outcome = doc.outcome ?? 'completed';
  if (doc.tags.length) fm.tags = doc.tags;
  fm.created = doc.created;
  return fm;
}
