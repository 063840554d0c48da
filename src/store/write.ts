/**
 * Every doc orchestra writes goes through here, whoever asks (CLI, HTTP API, demo, daemon): new files are created
 * exclusively, edits to other docs applied, and all of it committed as one commit of exactly those paths, under
 * the write lock, so the daemon never sees it uncommitted. On failure nothing is left half-done.
 */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planAction, type ActionRequest, type DocEdit, type Plan, type PlannedDoc, type Refusal } from '../core/actions.js';
import type { Doc, DocType, OrderStatus, Outcome, Priority } from '../core/doc.js';
import { bodyProblem, frontmatterOf } from '../core/doc.js';
import { UsageError } from '../errors.js';
import { generateId, withFreshTail, type Random } from '../core/ids.js';
import { isoTime } from '../core/time.js';
import { createDocFile, docPath } from './docs.js';
import { serializeDoc, setFrontmatterKey } from './frontmatter.js';
import { subjectOf, type CommitRequest, type Git } from './git.js';
import { loadWorkspace } from './load.js';
import { publishAfterWrite } from './sync/publish.js';
import { rel, type Workspace } from './workspace.js';
import { commitThatTook, withSignalsHeld } from './write-guard.js';

/** Randomness for ids: crypto-backed, so two processes started in the same millisecond still differ. */
export const cryptoRandom: Random = () => randomInt(0, 2 ** 32) / 2 ** 32;

export interface NewDoc {
  type: DocType;
  title: string;
  from: string;
  to: string;
  /** Folder (thread) it goes in. */
  worker: string;
  priority?: Priority;
  status?: OrderStatus;
  re?: string;
  after?: string[];
  outcome?: Outcome;
  tags?: string[];
  body?: string;
}

export interface WriteOptions {
  /** Who acts (Orchestra-Actor); defaults to `from`. */
  actor?: string;
  now?: Date;
  /** Frontmatter edits to other docs, committed with the new one. */
  edits?: { abs: string; key: string; value: string }[];
}

export interface Written {
  id: string;
  path: string;
  commit: string;
  doc: Omit<Doc, 'path' | 'archived' | 'body' | 'createdInferred'> & { path: string };
}

/** What applying a plan did: the docs it created (ids as written) and the commit. */
export interface Applied {
  commit: string;
  /** The plan's main doc, with its id as written (a clash on disk gets a fresh random tail). */
  doc: string;
  written: Written[];
  edited: string[];
}

function authorFor(actor: string): string | undefined {
  return actor === 'lead' ? undefined : actor;
}

function plannedOf(input: NewDoc, now: Date, random: Random): PlannedDoc {
  const title = input.title.trim();
  return {
    id: generateId(input.type, title, now, random),
    type: input.type,
    title,
    from: input.from,
    to: input.to,
    worker: input.worker,
    priority: input.priority ?? 'medium',
    status: input.type === 'order' ? (input.status ?? 'pending') : undefined,
    re: input.re,
    after: input.after ?? [],
    outcome: input.type === 'report' ? (input.outcome ?? 'completed') : undefined,
    tags: input.tags ?? [],
    created: isoTime(now),
    body: input.body ?? '',
  };
}

/** Creates one planned doc's file exclusively; a taken name gets a fresh random tail (20 tries). */
function createPlanned(ws: Workspace, p: PlannedDoc, random: Random): Written {
  let id = p.id;
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = { ...p, id, status: p.type === 'order' ? (p.status ?? 'pending') : undefined, outcome: p.type === 'report' ? (p.outcome ?? 'completed') : undefined };
    const abs = createDocFile(ws, p.worker, id, frontmatterOf(base), p.body);
    if (abs) {
      const { body: _body, ...doc } = base;
      return { id, path: rel(ws, abs), commit: '', doc: { ...doc, path: rel(ws, abs) } };
    }
    id = withFreshTail(p.id, random);
  }
  throw new Error('could not find a free doc id after 20 attempts');
}

/**
 * Creates new doc files (each exclusively and atomically), without committing them. The caller holds the write
 * lock and commits them, or undoes them with `undoCreated` when that fails.
 */
export function createDocFiles(ws: Workspace, inputs: readonly NewDoc[], now: Date, random: Random = cryptoRandom): Written[] {
  return createAll(ws, inputs.map((i) => plannedOf(i, now, random)), random);
}

function createAll(ws: Workspace, planned: readonly PlannedDoc[], random: Random): Written[] {
  const written: Written[] = [];
  try {
    for (const p of planned) {
      // The body is the one field frontmatterOf does not see; what the reader would refuse is not written.
      const badBody = bodyProblem(p.body);
      if (badBody) throw new UsageError(`the body ${badBody}`);
      written.push(createPlanned(ws, p, random));
    }
  } catch (e) {
    removeDocFiles(ws, written);
    throw e;
  }
  return written;
}

/** A new doc rendered but not written: where it would land, and its text (review mode's proposals). */
export type Rendered = Written & { text: string };

/**
 * Renders new docs without writing them: ids (a fresh tail where `taken` says the name is used), their paths in
 * the docs folder and their text, exactly as `createDocFiles` would write them.
 */
export function renderDocs(ws: Workspace, inputs: readonly NewDoc[], now: Date, taken: (worker: string, id: string) => boolean, random: Random = cryptoRandom): Rendered[] {
  return inputs.map((input) => {
    const p = plannedOf(input, now, random);
    const badBody = bodyProblem(p.body);
    if (badBody) throw new UsageError(`the body ${badBody}`);
    let id = p.id;
    for (let n = 0; n < 20 && taken(p.worker, id); n++) id = withFreshTail(p.id, random);
    const { body, ...doc } = { ...p, id };
    const relPath = rel(ws, docPath(ws, p.worker, id));
    return { id, path: relPath, commit: '', doc: { ...doc, path: relPath }, text: serializeDoc(frontmatterOf(doc), body) };
  });
}

export function removeDocFiles(ws: Workspace, written: readonly Written[]): void {
  for (const w of written) {
    try {
      unlinkSync(path.join(ws.root, w.path));
    } catch {
      /* ignore */
    }
  }
}

/**
 * The one rollback of new docs after a failed commit: removes those no commit took, and unstages them when the
 * caller staged them itself (`commitPaths` unstages its own). What HEAD holds is never deleted: another process's
 * `git commit -a` may have taken it meanwhile. Returns the docs that stayed.
 */
export async function undoCreated(ws: Workspace, git: Git, written: readonly Written[], opts: { unstage?: boolean } = {}): Promise<Written[]> {
  const kept = await git.inHead(written.map((w) => w.path));
  const gone = written.filter((w) => !kept.has(w.path));
  if (opts.unstage && gone.length) await git.unstage(gone.map((w) => w.path));
  removeDocFiles(ws, gone);
  return written.filter((w) => kept.has(w.path));
}

/**
 * One action from start to commit, for callers with no state of their own (the demo, the MCP server): reads the
 * live docs, plans with the one set of actions, and applies the plan, all under the write lock, so no other
 * orchestra writer changes the docs between the check and the write. A refusal comes back for the caller to show
 * its own way (exit code, HTTP status, tool error).
 */
export async function performAction(
  ws: Workspace,
  git: Git,
  actor: string,
  request: ActionRequest,
  opts: { now?: Date; random?: Random } = {},
): Promise<{ ok: true; applied: Applied; plan: Plan } | { ok: false; refusal: Refusal }> {
  const random = opts.random ?? cryptoRandom;
  const r = await withSignalsHeld(() => git.withWriteLock(async () => {
    const loaded = await loadWorkspace(ws, { git, liveOnly: true });
    const d = planAction(loaded, actor, request, { now: opts.now ?? new Date(), random });
    if (!d.ok) return d;
    return { ok: true as const, plan: d.plan, applied: await applyLocked(ws, git, d.plan, random) };
  }, `${request.action} as ${actor}`));
  if (r.ok) await publishAfterWrite(ws, git);
  return r;
}

/**
 * Applies a plan from `core/actions.ts`: creates its docs, edits the others, and commits exactly those paths as
 * the plan's actor, all under the write lock. On failure every file is as it was.
 */
export async function applyPlan(ws: Workspace, git: Git, plan: Plan, opts: { random?: Random } = {}): Promise<Applied> {
  // Ctrl-C waits until the plan is committed or rolled back, so nothing is left on disk for the daemon to commit.
  const applied = await withSignalsHeld(() => git.withWriteLock(() => applyLocked(ws, git, plan, opts.random ?? cryptoRandom), `${plan.action} ${plan.subject.worker}`));
  // With `sync:` set, the commit goes to the remote at once (best effort: never fails the write).
  await publishAfterWrite(ws, git);
  return applied;
}

async function applyLocked(ws: Workspace, git: Git, plan: Omit<Plan, 'action'>, random: Random): Promise<Applied> {
  const written = createAll(ws, plan.create, random);
  let backups: Backups = new Map();
  let onDisk = false;
  try {
    backups = writeFiles(ws, plan.edits.map((e) => editedText(ws, e)));
    onDisk = true;
    const renamed = new Map(plan.create.map((p, i) => [p.id, written[i].id]));
    const doc = renamed.get(plan.doc) ?? plan.doc;
    const { verb, worker, title } = plan.subject;
    const commit = await git.commitPaths({
      paths: [...written.map((w) => w.path), ...plan.edits.map((e) => e.path)],
      subject: subjectOf(verb, worker, title),
      doc,
      actor: plan.actor,
      authorName: authorFor(plan.actor),
    });
    for (const w of written) w.commit = commit;
    return { commit, doc, written, edited: plan.edits.map((e) => e.id) };
  } catch (e) {
    // Someone's `git commit -a` took the whole write meanwhile: it is committed, as asked, so that is a success
    // (printed once); failing here would make a retry write it twice, and putting an edit back would undo it.
    // Only once every file is written as planned can HEAD holding them mean that someone took them.
    const took = onDisk ? await commitThatTook(git, [...written.map((w) => w.path), ...plan.edits.map((x) => x.path)]) : undefined;
    if (took) {
      for (const w of written) w.commit = took;
      const renamed = new Map(plan.create.map((p, i) => [p.id, written[i].id]));
      return { commit: took, doc: renamed.get(plan.doc) ?? plan.doc, written, edited: plan.edits.map((x) => x.id) };
    }
    const kept = await undoCreated(ws, git, written);
    // A new doc another commit already took stays, and so do the edits that commit holds with it.
    if (!kept.length) restoreFiles(ws, backups);
    throw e;
  }
}

/** A file's new content, or `undefined` to remove it. */
export interface FileChange {
  /** Workspace-relative, `/`-separated. */
  path: string;
  text: string | undefined;
}

/** What each changed path held before (`undefined`: it did not exist), to put back on failure. */
export type Backups = Map<string, Buffer | undefined>;

/**
 * The one writer under every commit here: writes (atomically, temp file + rename, so a reader never sees half a
 * file) or removes each path, remembering what was there. If one fails, those already done are put back.
 */
export function writeFiles(ws: Workspace, changes: readonly FileChange[]): Backups {
  const backups: Backups = new Map();
  try {
    for (const c of changes) {
      const abs = path.join(ws.root, c.path);
      if (!backups.has(c.path)) backups.set(c.path, existsSync(abs) ? readFileSync(abs) : undefined);
      if (c.text === undefined) {
        rmSync(abs, { force: true });
        continue;
      }
      mkdirSync(path.dirname(abs), { recursive: true });
      const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.tmp`);
      writeFileSync(tmp, c.text);
      renameSync(tmp, abs);
    }
  } catch (e) {
    restoreFiles(ws, backups);
    throw e;
  }
  return backups;
}

export function restoreFiles(ws: Workspace, backups: Backups): void {
  for (const [rel, old] of backups) {
    const abs = path.join(ws.root, rel);
    try {
      if (old === undefined) rmSync(abs, { force: true });
      else {
        mkdirSync(path.dirname(abs), { recursive: true });
        writeFileSync(abs, old);
      }
    } catch {
      /* best effort: the others are still put back */
    }
  }
}

/**
 * Writes and removes files, then commits exactly those paths (`orchestra.yaml` and prompts from `init` and
 * `worker add|remove`). The caller holds the write lock. On failure every file is as it was and nothing is staged.
 */
export async function commitFilesLocked(ws: Workspace, git: Git, changes: readonly FileChange[], commit: Omit<CommitRequest, 'paths'>): Promise<string> {
  const backups = writeFiles(ws, changes);
  try {
    return await git.commitPaths({ ...commit, paths: changes.map((c) => c.path) });
  } catch (e) {
    restoreFiles(ws, backups);
    throw e;
  }
}

/** `commitFilesLocked` under the write lock. */
export async function commitFiles(ws: Workspace, git: Git, changes: readonly FileChange[], commit: Omit<CommitRequest, 'paths'>): Promise<string> {
  return git.withWriteLock(() => commitFilesLocked(ws, git, changes, commit), commit.subject);
}

function editedText(ws: Workspace, e: DocEdit): FileChange {
  let text = readFileSync(path.join(ws.root, e.path), 'utf8');
  for (const [key, value] of Object.entries(e.set)) text = setFrontmatterKey(text, key, value);
  return { path: e.path, text };
}

/**
 * Writes one doc with no rules checked: the daemon side's writer (test fixtures and benchmarks write the daemon's
 * docs with it). Callers acting for a person or an agent go through `core/actions.ts` and `applyPlan` instead.
 */
export async function writeDoc(ws: Workspace, git: Git, input: NewDoc, opts: WriteOptions = {}): Promise<Written> {
  const planned = plannedOf(input, opts.now ?? new Date(), cryptoRandom);
  const edits: DocEdit[] = (opts.edits ?? []).map((e) => ({ id: path.basename(e.abs, '.md'), path: rel(ws, e.abs), set: { [e.key]: e.value } }));
  const change = { actor: opts.actor ?? input.from, doc: planned.id, create: [planned], edits, subject: { verb: input.type, worker: input.worker, title: planned.title } };
  const applied = await git.withWriteLock(() => applyLocked(ws, git, change, cryptoRandom), `${input.type} ${input.worker}`);
  return applied.written[0];
}

/** The commit request for a batch of new docs: the first one's subject with "(+N more)", a trailer for each. */
export function batchCommit(written: readonly Written[], actor: string): CommitRequest {
  const first = written[0].doc;
  const more = written.length > 1 ? ` (+${written.length - 1} more)` : '';
  return {
    paths: written.map((w) => w.path),
    subject: subjectOf(first.type, first.worker, `${first.title.slice(0, 120)}${more}`),
    doc: first.id,
    moreDocs: written.slice(1).map((w) => w.id),
    actor,
    authorName: authorFor(actor),
  };
}
