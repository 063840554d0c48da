/**
 * The watchdog: one worker's live inbox, read from the live doc model (src/store/live-docs.ts), which watches
 * `.orchestra/docs` and re-reads only the files events name (with re-scans as the safety net). Each change of the
 * model is re-derived once after a short settle, so a burst costs one pass. Conflicts are refreshed on a timer and
 * shortly after doc changes, never in a tight poll. orchestra.yaml is followed by the model, so a worker added
 * while the watchdog runs is known to it.
 */
import { isoTime } from '../core/time.js';
import type { Config } from '../core/config.js';
import { conflictsOf, detectConflicts, type Conflict } from '../core/conflicts.js';
import type { Doc } from '../core/doc.js';
import type { Derived } from '../core/state.js';
import { collectChanges } from './changes.js';
import type { Git } from './git.js';
import { LiveDocs, type LiveEvent } from './live-docs.js';
import type { Workspace } from './workspace.js';
import { shownIds } from './receipts.js';
import { diffConflicts, diffSnapshots, snapshotOf, summaryOf, type Snapshot, type WatchEvent } from '../core/watch-events.js';

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
  private readonly live: LiveDocs;
  private docs: readonly Doc[] = [];
  private derived!: Derived;
  private snapshot!: Snapshot;
  private conflicts = new Map<string, Conflict>();
  private unsubscribe: () => void = () => {};
  private settleTimer?: NodeJS.Timeout;
  /** Docs changed since the last derivation. */
  private dirty = false;
  private conflictTimer?: NodeJS.Timeout;
  private conflictSoon?: NodeJS.Timeout;
  private conflictRun?: Promise<void>;
  private started = false;
  private changedBeforeStart = false;
  private stopped = false;

  constructor(opts: WatchdogOptions) {
    this.o = { clock: () => new Date(), settleMs: 5, conflictIntervalMs: 10_000, rescanIntervalMs: 60_000, ...opts };
    this.live = new LiveDocs(opts.ws, { config: opts.config, git: opts.git, rescanMs: this.o.rescanIntervalMs });
  }

  private get config(): Config {
    return this.live.config;
  }

  /** Starts watching, then reads the state and emits the summary. Events that arrive meanwhile are not lost. */
  async start(opts: { live?: boolean } = {}): Promise<void> {
    const live = opts.live ?? true;
    this.unsubscribe = this.live.subscribe((e) => this.onLive(e));
    if (live) await this.live.watch();
    await this.live.load();
    this.read();
    this.snapshot = snapshotOf(this.o.worker, this.docs, this.derived);
    await this.refreshConflicts(false);
    this.o.onEvent(summaryOf(this.o.worker, this.docs, this.derived, [...this.conflicts.values()], isoNow(this.o.clock), shownIds(this.o.ws, this.o.worker)));
    this.started = true;
    if (!live) return;
    if (this.changedBeforeStart) this.scheduleSettle();
    this.conflictTimer = setInterval(() => void this.refreshConflicts(true), this.o.conflictIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.settleTimer, this.conflictSoon]) if (t) clearTimeout(t);
    if (this.conflictTimer) clearInterval(this.conflictTimer);
    this.unsubscribe();
    await this.live.close();
    await this.conflictRun;
  }

  private onLive(e: LiveEvent): void {
    if (e.kind === 'watch_error') this.o.onError?.(`watcher: ${e.message}`);
    else if (e.kind === 'config_invalid') this.o.onError?.(`orchestra.yaml changed but is invalid, keeping the previous config: ${e.message.split('\n')[0]}`);
    else if (e.kind === 'docs' || e.kind === 'config') {
      if (this.started) {
        this.dirty = true;
        this.scheduleSettle();
      } else this.changedBeforeStart = true;
    } else if (e.kind === 'settled' && this.dirty && this.settleTimer) {
      // The watcher's batch is applied whole: derive it now rather than wait out the window.
      clearTimeout(this.settleTimer);
      this.settleTimer = undefined;
      this.apply();
    }
  }

  private read(): void {
    const view = this.live.view('live');
    this.docs = view.docs;
    this.derived = view.derived;
  }

  /**
   * A fixed window from the first change (not reset by later ones): a burst is derived once. Changes that a watcher
   * batch closes (its `settled` event) are derived at once; the window is for those no batch closes (a refresh).
   */
  private scheduleSettle(): void {
    if (this.settleTimer || this.stopped) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.apply();
    }, this.o.settleMs);
  }

  /** Re-derives, emits what changed for this worker, and refreshes conflicts soon after. */
  private apply(): void {
    this.dirty = false;
    if (this.stopped) return;
    this.read();
    const next = snapshotOf(this.o.worker, this.docs, this.derived);
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

  private async refreshConflicts(emit: boolean): Promise<void> {
    if (this.stopped) return;
    if (this.conflictRun) return this.conflictRun;
    this.conflictRun = (async () => {
      try {
        const { changes } = await collectChanges({ git: this.o.git, config: this.config, docs: [...this.docs], derived: this.derived });
        const mine = conflictsOf(this.o.worker, detectConflicts(changes, this.config));
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
