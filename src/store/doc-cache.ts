/**
 * Parsed docs cached between runs in `.orchestra/state/docs-cache.bin`, keyed on each file's path, size, mtime,
 * ctime and inode: a short command on 10,000 docs stats each file instead of reading and parsing it. The cache
 * is local state (git-ignored); it is dropped whole when the declared workers change (they decide what is
 * valid), never holds docs whose date came from git or mtime, and a cache that cannot be read is rebuilt.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Doc } from '../core/doc.js';
import type { Problem } from '../errors.js';
import type { Workspace } from './workspace.js';

// 3: titles, tags and names with control characters became invalid; a cache from before holds them as valid.
const VERSION = 3;

export interface CachedRead {
  doc?: Doc;
  problems: Problem[];
}

interface Entry extends CachedRead {
  key: string;
}

interface CacheFile {
  version: number;
  workers: string;
  entries: Map<string, Entry>;
}

export function statKey(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

export class DocCache {
  private readonly file: string;
  private readonly workers: string;
  private entries: Map<string, Entry>;
  private readonly seen = new Set<string>();
  private dirty = false;

  private constructor(file: string, workers: string, entries: Map<string, Entry>) {
    this.file = file;
    this.workers = workers;
    this.entries = entries;
  }

  static open(ws: Workspace, workers: ReadonlySet<string>): DocCache {
    const file = path.join(ws.stateDir, 'docs-cache.bin');
    const key = [...workers].sort().join(',');
    try {
      const data = deserialize(readFileSync(file)) as CacheFile;
      if (data.version === VERSION && data.workers === key && data.entries instanceof Map) return new DocCache(file, key, data.entries);
    } catch {
      /* missing or unreadable: start empty */
    }
    return new DocCache(file, key, new Map());
  }

  get(relPath: string, key: string): CachedRead | undefined {
    this.seen.add(relPath);
    const e = this.entries.get(relPath);
    return e && e.key === key ? e : undefined;
  }

  set(relPath: string, key: string, read: CachedRead): void {
    this.seen.add(relPath);
    this.entries.set(relPath, { key, doc: read.doc, problems: read.problems });
    this.dirty = true;
  }

  /** Writes the cache when something changed; files not seen in this read (deleted, moved) are dropped. */
  save(scope: (relPath: string) => boolean = () => true): void {
    for (const p of this.entries.keys()) {
      if (scope(p) && !this.seen.has(p)) {
        this.entries.delete(p);
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize({ version: VERSION, workers: this.workers, entries: this.entries } satisfies CacheFile));
      renameSync(tmp, this.file);
      this.dirty = false;
    } catch {
      /* a read-only state folder only costs speed */
    }
  }
}
