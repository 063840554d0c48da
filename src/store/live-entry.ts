/**
 * One path of the live doc model read into an entry: where it is (folder, name, kind of file) is checked before
 * its content, its size before a byte is read, and what it says is parsed and normalised like every other reader
 * does. Invalid files are entries too (with their problems and a content hash), so each is reported once per
 * content; an unreadable file is a problem that is read again on the next scan.
 */
import { createHash } from 'node:crypto';
import { readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.js';
import { normaliseDoc, type Doc } from '../core/doc.js';
import type { Derived } from '../core/state.js';
import type { Problem } from '../errors.js';
import { entryProblem, readDocBytes } from './docs.js';
import { MAX_DOC_BYTES, oversizeMessage, parseDocFile } from './frontmatter.js';

export interface LiveEntry {
  rel: string;
  /** Stat signature (mtime, size, inode); '' when the path must be read again whatever its stat says. */
  sig: string;
  /** Content hash, or a stand-in naming why the content was not read. */
  hash: string;
  /** ms since epoch of the file's last change. */
  mtimeMs: number;
  doc?: Doc;
  problems?: Problem[];
  /** Could not be read (other than gone): read again on every scan until it can. */
  unreadable?: boolean;
}

/** A live doc (under docs/) that came, changed, turned invalid or went; the daemon reacts to these. */
export type Change =
  | { kind: 'added' | 'changed'; entry: LiveEntry }
  | { kind: 'invalid'; entry: LiveEntry }
  | { kind: 'removed'; rel: string; doc?: Doc }
  | { kind: 'same' };

export type LiveEvent =
  /** `changes`: live docs (what the daemon reacts to); `archived`: archive entries. Either may be empty (dates fixed). */
  | { kind: 'docs'; version: number; changes: Change[]; archived: Change[] }
  | { kind: 'config'; version: number; config: Config }
  /** Said once per distinct problem; the previous config stays. */
  | { kind: 'config_invalid'; message: string }
  /** The names-only scan found paths the watcher did not report (they are being read). */
  | { kind: 'missed'; paths: number }
  | { kind: 'alerts' }
  | { kind: 'timeline' }
  | { kind: 'watch_error'; message: string }
  /** A batch of watcher hints was applied (whether or not it changed anything). */
  | { kind: 'settled' };

/** Docs (oldest first), their derived state and the problems of invalid files, shared until the next change. */
export interface LiveView {
  version: number;
  config: Config;
  docs: Doc[];
  derived: Derived;
  problems: Problem[];
}

/** Reads a doc's bytes (the default reads at most the size limit plus one byte). Throws errno errors. */
export type ReadBytes = (abs: string) => Buffer | { tooBig: number };

export interface EntryContext {
  workers: ReadonlySet<string>;
  /** `created` of a doc that does not say: its first commit's time, else its mtime. */
  fallbackCreated: (id: string, mtimeMs: number) => string;
  readBytes?: ReadBytes;
}

export function statSignature(st: Stats): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

/** Problems a path has by where it is (folder, name, kind of file), before its content is read. */
function placeProblem(relPath: string, st: Stats, workers: ReadonlySet<string>): string | undefined {
  const parts = relPath.split('/');
  // .orchestra/docs/<worker>/<id>.md (or .orchestra/archive/...)
  if (parts.length !== 4) return 'is not in a worker folder: move it to .orchestra/docs/<worker>/';
  const worker = parts[2];
  if (!workers.has(worker)) return `is in the folder of unknown worker "${worker}": declare the worker in orchestra.yaml or move the doc`;
  return entryProblem(relPath, parts[3], st.isSymbolicLink())?.message;
}

const problem = (file: string, message: string, field = '-'): Problem[] => [{ file, field, message }];

/**
 * The entry for `relPath` as it is on disk now (`sig`: its stat signature); `undefined` when the file went away
 * meanwhile. Entries are built whole, never spread: object spread made this the hottest function of a 10,000-doc scan.
 */
export function readEntry(abs: string, relPath: string, st: Stats, sig: string, ctx: EntryContext): LiveEntry | undefined {
  const entry = (hash: string, doc: Doc | undefined, problems: Problem[] | undefined): LiveEntry => ({ rel: relPath, sig, hash, mtimeMs: st.mtimeMs, doc, problems });
  const place = placeProblem(relPath, st, ctx.workers);
  if (place) return entry(`place:${place}`, undefined, problem(relPath, place));
  if (!st.isFile()) return entry('not-a-file', undefined, problem(relPath, 'is not a regular file'));
  if (st.size > MAX_DOC_BYTES) return entry(`size:${st.size}`, undefined, problem(relPath, oversizeMessage(st.size)));
  let bytes: Buffer | { tooBig: number };
  try {
    bytes = (ctx.readBytes ?? readDocBytes)(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT') return undefined;
    const failed = entry(`unreadable:${code}`, undefined, problem(relPath, `cannot be read (${code}): give the daemon's user read access to the file (it is retried on every scan)`));
    failed.sig = '';
    failed.unreadable = true;
    return failed;
  }
  if (!Buffer.isBuffer(bytes)) return entry(`size:${bytes.tooBig}`, undefined, problem(relPath, oversizeMessage(bytes.tooBig)));
  const hash = createHash('sha1').update(bytes).digest('hex');
  const parsed = parseDocFile(bytes);
  if (!parsed.ok) return entry(hash, undefined, problem(relPath, parsed.message));
  const parts = relPath.split('/');
  const id = parts[3].slice(0, -3);
  const r = normaliseDoc(parsed.data, parsed.body, {
    path: relPath,
    worker: parts[2],
    id,
    archived: parts[1] === 'archive',
    workers: ctx.workers,
    fallbackCreated: () => ctx.fallbackCreated(id, st.mtimeMs),
  });
  return r.ok ? entry(hash, r.doc, undefined) : entry(hash, undefined, r.problems);
}

/** Same outcome from the same content: a re-check (after the workers changed) that changes nothing. */
export function sameOutcome(a: LiveEntry, b: LiveEntry): boolean {
  if (a.hash !== b.hash) return false;
  if (a.doc || b.doc) return !!a.doc && !!b.doc;
  return JSON.stringify(a.problems) === JSON.stringify(b.problems);
}

/** Every `.md` path under `base` (docs/ or archive/), hidden files and temp files skipped. */
export function listDocPaths(base: string): string[] {
  const out: string[] = [];
  let top;
  try {
    top = readdirSync(base, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const f of top) {
    if (f.name.startsWith('.')) continue;
    const abs = path.join(base, f.name);
    if (!f.isDirectory()) {
      if (f.name.endsWith('.md')) out.push(abs);
      continue;
    }
    let files;
    try {
      files = readdirSync(abs);
    } catch {
      continue;
    }
    for (const name of files) if (!name.startsWith('.') && name.endsWith('.md')) out.push(path.join(abs, name));
  }
  return out;
}
