import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, linkSync, unlinkSync, renameSync } from 'node:fs';
import path from 'node:path';
import { normaliseDoc, type Doc } from '../core/doc.js';
import { isValidId } from '../core/ids.js';
import { isoTime } from '../core/time.js';
import type { Problem } from '../errors.js';
import { MAX_DOC_BYTES, oversizeMessage, parseDocFile, serializeDoc, setFrontmatterKey } from './frontmatter.js';
import { DocCache, statKey } from './doc-cache.js';
import { rel, type Workspace } from './workspace.js';

export interface ReadResult {
  docs: Doc[];
  problems: Problem[];
}

export interface ReadOptions {
  /** Declared worker names. */
  workers: ReadonlySet<string>;
  /** First-commit times by id, asked for only when some doc has no `created`. */
  firstCommitTimes?: () => Promise<Map<string, string>>;
  /** Skip `.orchestra/archive` (the daemon's hot path only needs live docs). */
  liveOnly?: boolean;
  /** Use the parsed-doc cache in `.orchestra/state` (default true). */
  cache?: boolean;
}

interface RawEntry {
  abs: string;
  relPath: string;
  worker: string;
  id: string;
  archived: boolean;
}

function listFolder(ws: Workspace, base: string, archived: boolean, workers: ReadonlySet<string>, problems: Problem[]): RawEntry[] {
  const relBase = rel(ws, base);
  let folders;
  try {
    folders = readdirSync(base, { withFileTypes: true });
  } catch {
    return [];
  }
  const entries: RawEntry[] = [];
  for (const folder of folders) {
    if (folder.name.startsWith('.')) continue;
    const dir = path.join(base, folder.name);
    if (!folder.isDirectory()) {
      if (folder.name.endsWith('.md')) {
        problems.push({ file: rel(ws, dir), field: '-', message: 'is not in a worker folder: move it to .orchestra/docs/<worker>/' });
      }
      continue;
    }
    let files;
    try {
      files = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    const known = workers.has(folder.name);
    for (const f of files) {
      if (f.name.startsWith('.') || !f.name.endsWith('.md')) continue;
      const abs = path.join(dir, f.name);
      const relPath = `${relBase}/${folder.name}/${f.name}`;
      if (!known) {
        problems.push({ file: relPath, field: '-', message: `is in the folder of unknown worker "${folder.name}": declare the worker in orchestra.yaml or move the doc` });
        continue;
      }
      const id = f.name.slice(0, -3);
      const refused = entryProblem(relPath, f.name, f.isSymbolicLink());
      if (refused) {
        problems.push(refused);
        continue;
      }
      if (!f.isFile()) continue;
      entries.push({ abs, relPath, worker: folder.name, id, archived });
    }
  }
  return entries;
}

/** A doc's creation time before its first commit: its mtime. Asked only for docs without `created`. */
function mtimeIso(abs: string): string {
  let ms = Date.now();
  try {
    ms = lstatSync(abs).mtimeMs;
  } catch {
    /* removed meanwhile */
  }
  return isoTime(ms);
}

/**
 * What is wrong with a file in a worker folder before anything reads it: a name that is not an id, or a symbolic
 * link (never followed: it could point anywhere). Every reader (CLI, daemon, dashboard) refuses the same files.
 */
export function entryProblem(relPath: string, fileName: string, isSymlink: boolean): Problem | undefined {
  const id = fileName.replace(/\.md$/, '');
  if (!isValidId(id)) return { file: relPath, field: 'id', message: `"${id}" is not a valid doc id: rename the file using letters, digits, ".", "_" and "-" only` };
  if (isSymlink) return { file: relPath, field: '-', message: 'is a symbolic link: docs must be regular files (links are never followed)' };
  return undefined;
}

/**
 * A doc file's bytes, or its size when it is over the limit: the size is read from the open file before any byte,
 * so a 1.5 GB file in a worker folder costs a stat, not its size in memory. `readFileSync` on the descriptor reads
 * at most the size it sees, as fast as reading by name (measured on 10,000 docs; a read loop probing one byte past
 * the limit was measurably slower).
 */
export function readDocBytes(abs: string): Buffer | { tooBig: number } {
  // Non-blocking: a FIFO swapped in after the caller's lstat fails the read instead of hanging the process.
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_DOC_BYTES) return { tooBig: size };
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Parses one doc file into a Doc or its problems. */
export function readDocFile(
  entry: { abs: string; relPath: string; worker: string; id: string; archived: boolean },
  workers: ReadonlySet<string>,
  fallbackCreated: string | (() => string),
): { doc?: Doc; problems: Problem[]; needsCreated?: boolean } {
  let bytes: Buffer | { tooBig: number };
  try {
    bytes = readDocBytes(entry.abs);
  } catch (e) {
    return { problems: [{ file: entry.relPath, field: '-', message: `cannot be read (${(e as NodeJS.ErrnoException).code})` }] };
  }
  if (!Buffer.isBuffer(bytes)) return { problems: [{ file: entry.relPath, field: '-', message: oversizeMessage(bytes.tooBig) }] };
  return parseDocBytes(entry, bytes, workers, fallbackCreated);
}

/** Parses a doc's bytes (read from its file, or from git's index for a staged doc) into a Doc or its problems. */
export function parseDocBytes(
  entry: { relPath: string; worker: string; id: string; archived: boolean },
  bytes: Buffer,
  workers: ReadonlySet<string>,
  fallbackCreated: string | (() => string),
): { doc?: Doc; problems: Problem[]; needsCreated?: boolean } {
  if (bytes.length > MAX_DOC_BYTES) return { problems: [{ file: entry.relPath, field: '-', message: oversizeMessage(bytes.length) }] };
  const parsed = parseDocFile(bytes);
  if (!parsed.ok) return { problems: [{ file: entry.relPath, field: '-', message: parsed.message }] };
  const result = normaliseDoc(parsed.data, parsed.body, {
    path: entry.relPath,
    worker: entry.worker,
    id: entry.id,
    archived: entry.archived,
    workers,
    fallbackCreated,
  });
  if (!result.ok) return { problems: result.problems };
  return { doc: result.doc, problems: [], needsCreated: result.doc.createdInferred };
}

/**
 * Reads every doc of the workspace (`docs/` and `archive/`), sorted by creation time then id. Invalid files are
 * returned as problems, never thrown: one bad file never hides the others.
 */
export async function readDocs(ws: Workspace, opts: ReadOptions): Promise<ReadResult> {
  const problems: Problem[] = [];
  const entries = listFolder(ws, ws.docsDir, false, opts.workers, problems);
  if (!opts.liveOnly) entries.push(...listFolder(ws, ws.archiveDir, true, opts.workers, problems));

  const docs: Doc[] = [];
  const seen = new Map<string, string>();
  const inferred: Doc[] = [];
  const cache = opts.cache === false ? undefined : DocCache.open(ws, opts.workers);
  for (const entry of entries) {
    let r: { doc?: Doc; problems: Problem[]; needsCreated?: boolean } | undefined;
    let key: string | undefined;
    if (cache) {
      try {
        key = statKey(lstatSync(entry.abs));
      } catch {
        continue; // removed while we were reading
      }
      r = cache.get(entry.relPath, key);
    }
    if (!r) {
      r = readDocFile(entry, opts.workers, () => mtimeIso(entry.abs));
      // A date from git or the file's mtime may change without the file changing: never cache those.
      if (cache && key && !r.needsCreated) cache.set(entry.relPath, key, { doc: r.doc, problems: r.problems });
    }
    problems.push(...r.problems);
    if (!r.doc) continue;
    const other = seen.get(r.doc.id);
    if (other) {
      problems.push({ file: entry.relPath, field: 'id', message: `duplicate id "${r.doc.id}" (also ${other}): rename one of the files` });
      continue;
    }
    seen.set(r.doc.id, entry.relPath);
    docs.push(r.doc);
    if (r.needsCreated) inferred.push(r.doc);
  }
  cache?.save((p) => !opts.liveOnly || !p.startsWith('.orchestra/archive/'));
  if (inferred.length && opts.firstCommitTimes) {
    const times = await opts.firstCommitTimes().catch(() => new Map<string, string>());
    for (const d of inferred) {
      const t = times.get(d.id);
      if (t) d.created = t;
    }
  }
  docs.sort(compareDocs);
  return { docs, problems };
}

export function compareDocs(a: Doc, b: Doc): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function docPath(ws: Workspace, worker: string, id: string, archived = false): string {
  return path.join(archived ? ws.archiveDir : ws.docsDir, worker, `${id}.md`);
}

/**
 * Creates a doc file exclusively and atomically: written to a hidden temp file, then hard-linked to its name
 * (which fails if the name exists), so a reader never sees half a doc and two writers never share an id.
 * Returns false when the id is taken.
 */
export function createDocFile(ws: Workspace, worker: string, id: string, frontmatter: Record<string, unknown>, body: string): string | false {
  const dir = path.join(ws.docsDir, worker);
  mkdirSync(dir, { recursive: true });
  const final = path.join(dir, `${id}.md`);
  const tmp = path.join(dir, `.${id}.${process.pid}.tmp`);
  writeFileSync(tmp, serializeDoc(frontmatter, body));
  try {
    linkSync(tmp, final);
    return final;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* ignore */
    }
  }
}

/** Rewrites one frontmatter key of an existing doc, atomically (temp file + rename). */
export function updateDocKey(absPath: string, key: string, value: string): void {
  const text = readFileSync(absPath, 'utf8');
  const next = setFrontmatterKey(text, key, value);
  const tmp = path.join(path.dirname(absPath), `.${path.basename(absPath)}.${process.pid}.tmp`);
  writeFileSync(tmp, next);
  renameSync(tmp, absPath);
}

/** Finds a doc file by id without reading every doc: one readdir per worker folder. */
export function locateDoc(ws: Workspace, id: string, workers: Iterable<string>): { abs: string; worker: string; archived: boolean } | undefined {
  for (const archived of [false, true]) {
    for (const w of workers) {
      const abs = docPath(ws, w, id, archived);
      try {
        if (lstatSync(abs).isFile()) return { abs, worker: w, archived };
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}
