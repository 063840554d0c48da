/**
 * The live docs (`.orchestra/docs/`, never the archive) kept in memory and updated one path at a time, so an
 * event costs one stat and at most one read, not a read of every doc. A re-scan compares each file's stat
 * signature, and re-reads only files whose signature changed; a content hash then tells a real change from a
 * touch. Invalid files are kept too (with their problems and hash), so each is reported once per content.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { normaliseDoc, type Doc } from '../core/doc.js';
import { isoTime } from '../core/time.js';
import { compareDocs, entryProblem } from '../store/docs.js';
import { parseDocFile } from '../store/frontmatter.js';
import { rel, type Workspace } from '../store/workspace.js';
import type { Problem } from '../errors.js';

export interface LiveEntry {
  rel: string;
  sig: string;
  hash: string;
  /** ms since epoch of the file's last change. */
  mtimeMs: number;
  doc?: Doc;
  problems?: Problem[];
}

export type Change =
  | { kind: 'added' | 'changed'; entry: LiveEntry }
  | { kind: 'invalid'; entry: LiveEntry }
  | { kind: 'removed'; rel: string; doc?: Doc }
  | { kind: 'same' };

function sigOf(st: Stats): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}


export class LiveDocs {
  private readonly ws: Workspace;
  private workers: ReadonlySet<string>;
  private readonly byPath = new Map<string, LiveEntry>();
  private readonly idPath = new Map<string, string>();
  private sorted: Doc[] | undefined;
  /** `created` of docs that do not say, from their first commit (looked up once at start). */
  private firstCommits: ReadonlyMap<string, string> = new Map();

  constructor(ws: Workspace, workers: ReadonlySet<string>) {
    this.ws = ws;
    this.workers = workers;
  }

  setWorkers(workers: ReadonlySet<string>): void {
    this.workers = workers;
  }

  setFirstCommits(times: ReadonlyMap<string, string>): void {
    this.firstCommits = times;
    let touched = false;
    for (const e of this.byPath.values()) {
      const t = e.doc?.createdInferred ? times.get(e.doc.id) : undefined;
      if (t && e.doc) {
        e.doc.created = t;
        touched = true;
      }
    }
    if (touched) this.sorted = undefined;
  }

  get size(): number {
    return this.idPath.size;
  }

  /** Valid live docs, oldest first (cached until something changes). */
  docs(): Doc[] {
    if (!this.sorted) {
      const out: Doc[] = [];
      for (const e of this.byPath.values()) if (e.doc) out.push(e.doc);
      this.sorted = out.sort(compareDocs);
    }
    return this.sorted;
  }

  byId(id: string): Doc | undefined {
    const p = this.idPath.get(id);
    return p ? this.byPath.get(p)?.doc : undefined;
  }

  entry(relPath: string): LiveEntry | undefined {
    return this.byPath.get(relPath);
  }

  entries(): IterableIterator<LiveEntry> {
    return this.byPath.values();
  }

  /** Files with problems (invalid docs), as entries. */
  invalid(): LiveEntry[] {
    return [...this.byPath.values()].filter((e) => e.problems);
  }

  private drop(relPath: string): Doc | undefined {
    const old = this.byPath.get(relPath);
    if (!old) return undefined;
    this.byPath.delete(relPath);
    if (old.doc && this.idPath.get(old.doc.id) === relPath) this.idPath.delete(old.doc.id);
    this.sorted = undefined;
    return old.doc;
  }

  /** Problems a path has by where it is (folder, name, kind of file), before its content is read. */
  private placeProblem(relPath: string, st: Stats | undefined): string | undefined {
    const parts = relPath.split('/');
    // .orchestra/docs/<worker>/<id>.md
    if (parts.length !== 4) return 'is not in a worker folder: move it to .orchestra/docs/<worker>/';
    const worker = parts[2];
    if (!this.workers.has(worker)) return `is in the folder of unknown worker "${worker}": declare the worker in orchestra.yaml or move the doc`;
    return entryProblem(relPath, parts[3], !!st?.isSymbolicLink())?.message;
  }

  /** Brings one path up to date with the disk. `abs` is inside `.orchestra/docs/`. */
  refresh(abs: string): Change {
    const relPath = rel(this.ws, abs);
    if (!relPath.endsWith('.md') || path.basename(relPath).startsWith('.')) return { kind: 'same' };
    let st: Stats;
    try {
      st = lstatSync(abs);
    } catch {
      if (!this.byPath.has(relPath)) return { kind: 'same' };
      return { kind: 'removed', rel: relPath, doc: this.drop(relPath) };
    }
    if (st.isDirectory()) return { kind: 'same' };
    const sig = sigOf(st);
    const old = this.byPath.get(relPath);
    if (old && old.sig === sig) return { kind: 'same' };

    const place = this.placeProblem(relPath, st);
    let bytes: Buffer = Buffer.alloc(0);
    if (!place && st.isFile()) {
      try {
        bytes = readFileSync(abs);
      } catch {
        const doc = this.drop(relPath);
        return { kind: 'removed', rel: relPath, doc };
      }
    }
    const hash = place ? `place:${place}` : createHash('sha1').update(bytes).digest('hex');
    if (old && old.hash === hash) {
      old.sig = sig;
      old.mtimeMs = st.mtimeMs;
      return { kind: 'same' };
    }
    const entry: LiveEntry = { rel: relPath, sig, hash, mtimeMs: st.mtimeMs };
    if (place) entry.problems = [{ file: relPath, field: '-', message: place }];
    else if (!st.isFile()) entry.problems = [{ file: relPath, field: '-', message: 'is not a regular file' }];
    else {
      const parsed = parseDocFile(bytes);
      const parts = relPath.split('/');
      const id = parts[3].slice(0, -3);
      if (!parsed.ok) entry.problems = [{ file: relPath, field: '-', message: parsed.message }];
      else {
        const r = normaliseDoc(parsed.data, parsed.body, {
          path: relPath,
          worker: parts[2],
          id,
          archived: false,
          workers: this.workers,
          fallbackCreated: this.firstCommits.get(id) ?? isoTime(st.mtimeMs),
        });
        if (!r.ok) entry.problems = r.problems;
        else {
          const other = this.idPath.get(id);
          if (other && other !== relPath && this.byPath.has(other)) {
            entry.problems = [{ file: relPath, field: 'id', message: `duplicate id "${id}" (also ${other}): rename one of the files` }];
          } else entry.doc = r.doc;
        }
      }
    }
    this.drop(relPath);
    this.byPath.set(relPath, entry);
    if (entry.doc) this.idPath.set(entry.doc.id, relPath);
    this.sorted = undefined;
    if (entry.problems) return { kind: 'invalid', entry };
    return { kind: old?.doc ? 'changed' : 'added', entry };
  }

  /** Every `.md` path under `.orchestra/docs/` now on disk (hidden files and temp files skipped). */
  listPaths(): string[] {
    const out: string[] = [];
    let top;
    try {
      top = readdirSync(this.ws.docsDir, { withFileTypes: true });
    } catch {
      return out;
    }
    for (const f of top) {
      if (f.name.startsWith('.')) continue;
      const abs = path.join(this.ws.docsDir, f.name);
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

  /**
   * Paths on disk that memory does not know, and known paths no longer on disk: names only (one readdir per
   * folder, no stat), cheap enough to run every few seconds as a safety net for events the watcher missed.
   */
  unknownPaths(): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const abs of this.listPaths()) {
      const r = rel(this.ws, abs);
      seen.add(r);
      if (!this.byPath.has(r)) out.push(abs);
    }
    for (const p of this.byPath.keys()) if (!seen.has(p)) out.push(path.join(this.ws.root, p));
    return out;
  }

  /** Reconciles memory with the disk: every path re-checked by signature, vanished paths dropped. */
  rescan(): Change[] {
    const changes: Change[] = [];
    const seen = new Set<string>();
    for (const abs of this.listPaths()) {
      seen.add(rel(this.ws, abs));
      const c = this.refresh(abs);
      if (c.kind !== 'same') changes.push(c);
    }
    for (const p of [...this.byPath.keys()]) {
      if (!seen.has(p)) changes.push({ kind: 'removed', rel: p, doc: this.drop(p) });
    }
    return changes;
  }

  /** Re-reads entries that were invalid (after the config changed, say). */
  recheckInvalid(): Change[] {
    const changes: Change[] = [];
    for (const e of this.invalid()) {
      const entry = this.byPath.get(e.rel);
      if (!entry) continue;
      entry.sig = '';
      entry.hash = '';
      const c = this.refresh(path.join(this.ws.root, e.rel));
      if (c.kind !== 'same') changes.push(c);
    }
    return changes;
  }
}
