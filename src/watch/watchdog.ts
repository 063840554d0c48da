/**
 * The watchdog: one worker's live inbox. chokidar events on `.orchestra/docs` are hints: after a short settle
 * the changed files alone are re-read and the in-memory state reconciled, so a burst costs one pass and nothing
 * is re-read in full per event. A full re-scan now and then catches any event the watcher missed. Conflicts are
 * refreshed on a timer and shortly after doc changes, never in a tight poll.
 */
import { isoTime } from '../core/time.js';
import { watch, type FSWatcher } from 'chokidar';
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.js';
import { workerNames } from '../core/config.js';
import { conflictsOf, detectConflicts, type Conflict } from '../core/conflicts.js';
import type { Doc } from '../core/doc.js';
import { isValidId } from '../core/ids.js';
import { derive, type Derived } from '../core/state.js';
import { collectChanges } from '../store/changes.js';
import { compareDocs, readDocFile, readDocs } from '../store/docs.js';
import type { Git } from '../store/git.js';
import { rel, type Workspace } from '../store/workspace.js';
import { shownIds } from '../store/receipts.js';
import { diffConflicts, diffSnapshots, snapshotOf, summaryOf, type Snapshot, type WatchEvent } from './events.js';

export interface WatchdogOptions {
  ws: Workspace;
  config: Config;
  git: Git;
  worker: string;
  onEvent: (ev: WatchEvent) => void;
  /** Reported, never thrown: a watchdog keeps watching. */
  onError?: (message: string) => void;
  clock?: () => Date;
  /** Quiet time after an event before re-reading (coalesces bursts). */
  settleMs?: number;
  conflictIntervalMs?: number;
  rescanIntervalMs?: number;
}

function isoNow(clock: () => Date): string {
  return isoTime(clock());
}

export class Watchdog {
  private readonly o: Required<Omit<WatchdogOptions, 'onError'>> & Pick<WatchdogOptions, 'onError'>;
  private readonly workers: ReadonlySet<string>;
  private docs = new Map<string, Doc>();
  private derived!: Derived;
  private snapshot!: Snapshot;
  private conflicts = new Map<string, Conflict>();
  private watcher?: FSWatcher;
  private pending = new Set<string>();
  private settleTimer?: NodeJS.Timeout;
  private conflictTimer?: NodeJS.Timeout;
  private conflictSoon?: NodeJS.Timeout;
  private rescanTimer?: NodeJS.Timeout;
  private conflictRun?: Promise<void>;
  private started = false;
  private stopped = false;

  constructor(opts: WatchdogOptions) {
    this.o = { clock: () => new Date(), settleMs: 5, conflictIntervalMs: 10_000, rescanIntervalMs: 60_000, ...opts };
    this.workers = workerNames(opts.config);
  }

  /** Starts watching, then reads the state and emits the summary. Events that arrive meanwhile are not lost. */
  async start(opts: { live?: boolean } = {}): Promise<void> {
    const live = opts.live ?? true;
    const docsDir = this.o.ws.docsDir;
    if (live) {
      const watcher = watch(docsDir, {
        ignoreInitial: true,
        depth: 1,
        // Our writers' temp files and editors' swap files start with a dot.
        ignored: (p: string) => p !== docsDir && path.basename(p).startsWith('.'),
      });
      this.watcher = watcher;
      watcher.on('all', (event, p) => {
        if (event === 'addDir') this.rescanSoon();
        else if (p.endsWith('.md')) this.hint(p);
      });
      // The raw fs.watch event comes several ms before chokidar's own `add` (which stats the file first): it is
      // only a hint too, so take it for latency and let the `add`/`change` that follows confirm.
      watcher.on('raw', (_event, p, details) => {
        const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
        if (!watched || !p) return;
        const abs = watched.endsWith('.md') ? watched : path.join(watched, p);
        if (abs.endsWith('.md') && path.dirname(path.dirname(abs)) === docsDir) this.hint(abs);
      });
      watcher.on('error', (e) => this.o.onError?.(`watcher: ${(e as Error).message}`));
      await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    }
    await this.rescan(false);
    this.snapshot = snapshotOf(this.o.worker, this.sortedDocs(), this.derived);
    await this.refreshConflicts(false);
    this.o.onEvent(summaryOf(this.o.worker, this.sortedDocs(), this.derived, [...this.conflicts.values()], isoNow(this.o.clock), shownIds(this.o.ws, this.o.worker)));
    this.started = true;
    if (!live) return;
    if (this.pending.size) this.scheduleSettle();
    this.conflictTimer = setInterval(() => void this.refreshConflicts(true), this.o.conflictIntervalMs);
    this.rescanTimer = setInterval(() => void this.rescan(true), this.o.rescanIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.settleTimer, this.conflictSoon]) if (t) clearTimeout(t);
    for (const t of [this.conflictTimer, this.rescanTimer]) if (t) clearInterval(t);
    await this.watcher?.close();
    await this.conflictRun;
  }

  private sortedDocs(): Doc[] {
    return [...this.docs.values()].sort(compareDocs);
  }

  private hint(abs: string): void {
    this.pending.add(abs);
    if (this.started) this.scheduleSettle();
  }

  /** A fixed window from the first hint (not reset by later ones): a burst is read once, and chokidar's own
   * `add`, which follows the raw event by several ms, does not push the first read back. */
  private scheduleSettle(): void {
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.reconcile();
    }, this.o.settleMs);
  }

  private rescanSoon(): void {
    if (this.started) setTimeout(() => void this.rescan(true), this.o.settleMs);
  }

  /** Paths re-read while a full re-scan was reading: newer than what that scan saw. */
  private readonly touchedDuringRescan = new Set<string>();
  private rescanning = false;

  /** Re-reads only the hinted files and updates the in-memory state. */
  private reconcile(): void {
    if (this.stopped) return;
    const paths = [...this.pending];
    this.pending.clear();
    for (const abs of paths) {
      const relPath = rel(this.o.ws, abs);
      if (this.rescanning) this.touchedDuringRescan.add(relPath);
      const parts = relPath.split('/');
      // .orchestra/docs/<worker>/<id>.md
      const worker = parts[2];
      const id = path.basename(abs, '.md');
      if (parts.length !== 4 || !this.workers.has(worker) || !isValidId(id)) continue;
      let isFile = false;
      let mtime = 0;
      try {
        const st = lstatSync(abs);
        isFile = st.isFile();
        mtime = st.mtimeMs;
      } catch {
        /* gone */
      }
      if (!isFile) {
        this.docs.delete(relPath);
        continue;
      }
      const r = readDocFile({ abs, relPath, worker, id, archived: false }, this.workers, isoTime(mtime));
      // A half-written hand edit is invalid for now; its next `change` event brings it back.
      if (r.doc) this.docs.set(relPath, r.doc);
      else this.docs.delete(relPath);
    }
    this.apply();
  }

  /** Re-derives, emits what changed for this worker, and refreshes conflicts soon after. */
  private apply(): void {
    const docs = this.sortedDocs();
    this.derived = derive(docs, this.o.config);
    const next = snapshotOf(this.o.worker, docs, this.derived);
    const events = diffSnapshots(this.o.worker, this.snapshot, next, this.derived, isoNow(this.o.clock));
    this.snapshot = next;
    for (const ev of events) this.o.onEvent(ev);
    // A started or finished order changes which commits count as current changes.
    if (!this.conflictSoon) {
      this.conflictSoon = setTimeout(() => {
        this.conflictSoon = undefined;
        void this.refreshConflicts(true);
      }, 500);
    }
  }

  /** A full read of the live docs: the safety net for events the watcher missed. */
  private async rescan(emit: boolean): Promise<void> {
    if (this.stopped) return;
    if (!existsSync(this.o.ws.docsDir)) {
      this.docs.clear();
    } else {
      this.rescanning = true;
      this.touchedDuringRescan.clear();
      let docs;
      try {
        ({ docs } = await readDocs(this.o.ws, { workers: this.workers, liveOnly: true, firstCommitTimes: () => this.o.git.firstCommitTimes() }));
      } finally {
        this.rescanning = false;
      }
      const next = new Map(docs.map((d) => [d.path, d]));
      // A doc re-read from its own event while the scan was reading is newer than the scan's copy (or its absence):
      // keep it, or the next event would announce it a second time.
      for (const p of this.touchedDuringRescan) {
        const cur = this.docs.get(p);
        if (cur) next.set(p, cur);
        else next.delete(p);
      }
      this.touchedDuringRescan.clear();
      this.docs = next;
    }
    if (emit) this.apply();
    else this.derived = derive(this.sortedDocs(), this.o.config);
  }

  private async refreshConflicts(emit: boolean): Promise<void> {
    if (this.stopped) return;
    if (this.conflictRun) return this.conflictRun;
    this.conflictRun = (async () => {
      try {
        const docs = this.sortedDocs();
        const { changes } = await collectChanges({ git: this.o.git, config: this.o.config, docs, derived: this.derived });
        const mine = conflictsOf(this.o.worker, detectConflicts(changes, this.o.config));
        const next = new Map(mine.map((c) => [c.key, c]));
        if (emit && !this.stopped) for (const ev of diffConflicts(this.o.worker, this.conflicts, next, isoNow(this.o.clock))) this.o.onEvent(ev);
        this.conflicts = next;
      } catch (e) {
        this.o.onError?.(`conflict check failed: ${(e as Error).message}`);
      } finally {
        this.conflictRun = undefined;
      }
    })();
    return this.conflictRun;
  }
}
