/**
 * `created` of docs that do not say (DESIGN.md: from the file's first commit, read for all files in one pass over
 * the log; before it is committed, its mtime). Read once when the model is first loaded; a reader that shows
 * dates as they become known (the dashboard) also has docs dated by mtime fixed soon after their first commit,
 * one git call per batch.
 */
import type { Doc } from '../core/doc.js';
import type { Git } from './git.js';

const FIX_AFTER_MS = 1000;

export class CreatedDates {
  private readonly git: Git;
  private times: ReadonlyMap<string, string> = new Map();
  private read = false;
  /** Paths of docs dated by mtime, while following; undefined when not following. */
  private pending: Set<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Asked again while a look-up was pending. */
  private again = false;
  private closed = false;

  constructor(git: Git) {
    this.git = git;
  }

  /** The first-commit time of `id`, when known. */
  of(id: string): string | undefined {
    return this.times.get(id);
  }

  /** Reads the log once, the first time some doc needs it; returns whether any date changed. */
  async readOnce(docs: Iterable<Doc>): Promise<boolean> {
    const inferred = [...docs].filter((d) => d.createdInferred);
    if (this.read || !inferred.length) return false;
    this.times = await this.git.firstCommitTimes().catch(() => new Map<string, string>());
    this.read = true;
    let touched = false;
    for (const d of inferred) {
      const t = this.times.get(d.id);
      if (t && d.created !== t) {
        d.created = t;
        touched = true;
      }
    }
    return touched;
  }

  /** From now on, docs dated by mtime are re-dated after their first commit. */
  follow(entries: Iterable<{ rel: string; doc?: Doc }>): void {
    if (this.pending) return;
    this.pending = new Set();
    for (const e of entries) this.track(e.rel, e.doc);
  }

  track(relPath: string, doc: Doc | undefined): void {
    if (doc?.createdInferred && !this.times.has(doc.id)) this.pending?.add(relPath);
  }

  forget(relPath: string): void {
    this.pending?.delete(relPath);
  }

  /** Soon, asks git once for every pending doc; `changed` is told when some date moved. */
  schedule(docAt: (relPath: string) => Doc | undefined, changed: () => void): void {
    if (this.closed || !this.pending?.size) return;
    // A commit that lands while a look-up waits or runs may be missed by it: look again once that one is done.
    if (this.timer) {
      this.again = true;
      return;
    }
    this.again = false;
    this.timer = setTimeout(async () => {
      const times = await this.git.firstCommitTimes().catch(() => undefined);
      this.timer = undefined;
      if (this.again) this.schedule(docAt, changed);
      if (!times || this.closed || !this.pending) return;
      let moved = false;
      for (const p of [...this.pending]) {
        const doc = docAt(p);
        const t = doc && times.get(doc.id);
        if (!doc) this.pending.delete(p);
        else if (t) {
          this.pending.delete(p);
          if (t !== doc.created) {
            doc.created = t;
            moved = true;
          }
        }
      }
      if (moved) changed();
    }, FIX_AFTER_MS);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
