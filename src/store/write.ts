/**
 * Every doc orchestra writes goes through here, whoever asks (CLI, HTTP API, daemon): the file is created
 * exclusively, any edits to other docs applied, and all of it committed as one commit of exactly those paths,
 * under the write lock, so the daemon never sees it uncommitted.
 */
import { unlinkSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Doc, DocType, OrderStatus, Outcome, Priority } from '../core/doc.js';
import { frontmatterOf } from '../core/doc.js';
import { generateId } from '../core/ids.js';
import { isoTime } from '../core/time.js';
import { createDocFile, updateDocKey } from './docs.js';
import { subjectOf, type CommitRequest, type Git } from './git.js';
import { rel, type Workspace } from './workspace.js';
import { commitThatTook, withSignalsHeld } from './write-guard.js';

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
  /** Frontmatter edits to other docs, committed with the new one (e.g. the order a report settles). */
  edits?: { abs: string; key: string; value: string }[];
  /** Commit verb when it is not the doc's type (`start`, `cancel`). */
  verb?: string;
}

export interface Written {
  id: string;
  path: string;
  commit: string;
  doc: Omit<Doc, 'path' | 'archived' | 'body' | 'createdInferred'> & { path: string };
}

function authorFor(actor: string): string | undefined {
  return actor === 'lead' ? undefined : actor;
}

/** Writes a new doc (and optional edits to others) and commits exactly those files. */
export async function writeDoc(ws: Workspace, git: Git, input: NewDoc, opts: WriteOptions = {}): Promise<Written> {
  const now = opts.now ?? new Date();
  const actor = opts.actor ?? input.from;
  return withSignalsHeld(() => git.withWriteLock(async () => {
    const [written] = createDocFiles(ws, [input], now);
    const { id, doc } = written;
    const docAbs = path.join(ws.root, written.path);

    const backups: { abs: string; text: string }[] = [];
    try {
      for (const e of opts.edits ?? []) {
        backups.push({ abs: e.abs, text: readFileSync(e.abs, 'utf8') });
        updateDocKey(e.abs, e.key, e.value);
      }
      const paths = [written.path, ...(opts.edits ?? []).map((e) => rel(ws, e.abs))];
      const commit = await git.commitPaths({
        paths,
        subject: subjectOf(opts.verb ?? input.type, input.worker, doc.title),
        doc: id,
        actor,
        authorName: authorFor(actor),
      });
      return { ...written, commit };
    } catch (e) {
      // Nothing half-done: the new file goes, edited files get their old text back; unless another process's
      // commit took the doc meanwhile (`git commit -a`): it is committed, as asked, so that is a success.
      const took = await commitThatTook(git, written.path);
      if (took) return { ...written, commit: took };
      try {
        unlinkSync(docAbs);
      } catch {
        /* ignore */
      }
      for (const b of backups.reverse()) writeFileSync(b.abs, b.text);
      throw e;
    }
  }, `${input.type} ${input.worker}`));
}

/** Changes an existing doc's frontmatter key and commits that file alone. */
export async function editDoc(
  ws: Workspace,
  git: Git,
  target: { abs: string; id: string; worker: string; title: string },
  key: string,
  value: string,
  opts: { actor: string; verb: string; also?: Record<string, string> },
): Promise<string> {
  return git.withWriteLock(async () => {
    const before = readFileSync(target.abs, 'utf8');
    updateDocKey(target.abs, key, value);
    for (const [k, v] of Object.entries(opts.also ?? {})) updateDocKey(target.abs, k, v);
    try {
      return await git.commitPaths({
        paths: [rel(ws, target.abs)],
        subject: subjectOf(opts.verb, target.worker, target.id),
        doc: target.id,
        actor: opts.actor,
        authorName: authorFor(opts.actor),
      });
    } catch (e) {
      writeFileSync(target.abs, before);
      throw e;
    }
  }, `${opts.verb} ${target.id}`);
}

/**
 * Creates new doc files (each exclusively and atomically), without committing them. The caller holds the write
 * lock and commits them, or removes them with `removeDocFiles` when that fails.
 */
export function createDocFiles(ws: Workspace, inputs: readonly NewDoc[], now: Date): Written[] {
  const created = isoTime(now);
  const written: Written[] = [];
  try {
    for (const input of inputs) {
      const base = {
        type: input.type,
        title: input.title.trim(),
        from: input.from,
        to: input.to,
        priority: input.priority ?? 'medium',
        status: input.type === 'order' ? (input.status ?? 'pending') : undefined,
        re: input.re,
        after: input.after ?? [],
        outcome: input.type === 'report' ? (input.outcome ?? 'completed') : undefined,
        tags: input.tags ?? [],
        created,
        worker: input.worker,
      };
      let id = '';
      let abs: string | false = false;
      for (let attempt = 0; attempt < 20 && !abs; attempt++) {
        id = generateId(input.type, base.title, now);
        abs = createDocFile(ws, input.worker, id, frontmatterOf({ ...base, id }), input.body ?? '');
      }
      if (!abs) throw new Error('could not find a free doc id after 20 attempts');
      written.push({ id, path: rel(ws, abs), commit: '', doc: { ...base, id, path: rel(ws, abs) } });
    }
  } catch (e) {
    removeDocFiles(ws, written);
    throw e;
  }
  return written;
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

/**
 * Writes several new docs and commits them all in one commit (the daemon's batches: a burst of reports gets its
 * reactions in one commit, not one each). The caller must hold the write lock (`git.withWriteLock`); on failure
 * every file written here is removed and nothing stays staged.
 */
export async function writeDocsLocked(ws: Workspace, git: Git, inputs: readonly NewDoc[], opts: { actor: string; now?: Date }): Promise<Written[]> {
  if (!inputs.length) return [];
  const written = createDocFiles(ws, inputs, opts.now ?? new Date());
  try {
    const commit = await git.commitPaths(batchCommit(written, opts.actor));
    for (const w of written) w.commit = commit;
    return written;
  } catch (e) {
    const kept = await git.inHead(written.map((w) => w.path));
    removeDocFiles(ws, written.filter((w) => !kept.has(w.path)));
    throw e;
  }
}

/** `writeDocsLocked` under the write lock. */
export async function writeDocs(ws: Workspace, git: Git, inputs: readonly NewDoc[], opts: { actor: string; now?: Date }): Promise<Written[]> {
  return git.withWriteLock(() => writeDocsLocked(ws, git, inputs, opts), `${inputs.length} docs`);
}
