import { createRequire } from 'node:module';
import type * as Z from 'zod';
import type { Problem } from '../errors.js';
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
const KNOWN_KEYS = new Set(['type', 'title', 'from', 'to', 'priority', 'status', 're', 'after', 'outcome', 'tags', 'created', 'author']);

const require = createRequire(import.meta.url);

/** Raw frontmatter as found on disk, before aliases and defaults. Built on first use: zod is slow to load. */
function buildRawDocSchema() {
  const { z } = require('zod') as typeof Z;
  const idRef = z.string().refine(isValidId, {
    message: 'must be a doc id (letters, digits, `.`, `_`, `-`; no `/` or `..`)',
  });

  return z.looseObject({
    type: z.string({ error: 'is required: one of order, report, doubt, answer, escalation' }),
    title: z
      .string({ error: 'is required: a one-line title' })
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'is longer than 200 characters')
      .refine((s) => !/[\r\n]/.test(s), 'must be a single line'),
    from: z.string().optional(),
    author: z.string().optional(),
    to: z.string().optional(),
    priority: z.string().optional(),
    status: z.string().optional(),
    re: idRef.optional(),
    after: z.union([idRef, z.array(idRef)]).optional(),
    outcome: z.string().optional(),
    tags: z.union([z.string(), z.array(z.union([z.string(), z.number()]))]).optional(),
    created: z.union([z.string(), z.date()]).optional(),
  });
}
let rawDocSchema: ReturnType<typeof buildRawDocSchema> | undefined;

export interface NormaliseContext {
  /** Workspace-relative path of the file. */
  path: string;
  /** The folder's worker name. */
  worker: string;
  id: string;
  archived: boolean;
  /** Declared worker names. */
  workers: ReadonlySet<string>;
  /** `created` when the file does not say: its first commit, or its mtime. */
  fallbackCreated: string;
}

export type NormaliseResult = { ok: true; doc: Doc } | { ok: false; problems: Problem[] };

function pick<T extends string>(value: string | undefined, allowed: readonly T[], aliases: Record<string, T>): T | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  return aliases[v];
}

function toIso(value: string | Date): string | undefined {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Turns parsed frontmatter into a Doc, or says everything that is wrong with it, one problem per field.
 * Pure: the caller supplies the folder, the declared workers and the fallback creation time.
 */
export function normaliseDoc(data: Record<string, unknown>, body: string, ctx: NormaliseContext): NormaliseResult {
  const problems: Problem[] = [];
  const problem = (field: string, message: string) => problems.push({ file: ctx.path, field, message });

  rawDocSchema ??= buildRawDocSchema();
  const parsed = rawDocSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.length ? issue.path.join('.') : '-';
      problem(field, issue.message);
    }
    return { ok: false, problems };
  }
  const raw = parsed.data;
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

  let created = ctx.fallbackCreated;
  let createdInferred = true;
  if (raw.created !== undefined) {
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
  const fm: Record<string, unknown> = { type: doc.type, title: doc.title, from: doc.from, to: doc.to, priority: doc.priority };
  if (doc.type === 'order') fm.status = doc.status ?? 'pending';
  if (doc.re) fm.re = doc.re;
  if (doc.type === 'order' && doc.after.length) fm.after = doc.after;
  if (doc.type === 'report') fm.outcome = doc.outcome ?? 'completed';
  if (doc.tags.length) fm.tags = doc.tags;
  fm.created = doc.created;
  return fm;
}
