/**
 * The daemon's periodic work: full re-scans (start, every `rescanMs`, after a pull) so no doc is missed whatever
 * wrote it, the archive run and the health scan on each period. Each runs one at a
 * time; none starts once the daemon is stopping. The sync with the remote is sync-role.ts.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { planArchive } from '../core/archive.js';
import { derive } from '../core/state.js';
import { archiveSettled } from '../store/archive.js';
import { runMaintenance } from '../store/git/exec.js';
import type { DaemonContext } from './context.js';
import { errorLine } from './log.js';
import type { DaemonOptions } from './options.js';

const WATCHER_READY_MS = 20_000;
/** How often the daemon lets git check whether the repository needs housekeeping (`git maintenance run --auto`). */
const MAINTENANCE_MS = 10 * 60_000;

export class PeriodicWork {
  private readonly timers: NodeJS.Timeout[] = [];
  private scanning: Promise<void> | undefined;
  private maintaining: Promise<void> | undefined;
  /** The first run waits a period too: start-up is busy enough. */
  private maintainedAt = Date.now() - MAINTENANCE_MS + 60_000;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly opts: Pick<DaemonOptions, 'rescanMs' | 'onPeriodicScan'>,
  ) {}

  /** Waits for the file watcher (for a while), re-scans what it may have missed, then starts the timers. */
  async start(): Promise<void> {
    // chokidar's `ready` can be late (or, after a file vanished mid-scan, never come): the re-scans below cover
    // anything it has not reported, so start-up does not wait on it forever.
    let late: NodeJS.Timeout | undefined;
    const ready = await Promise.race([
      this.ctx.live.watch().then(() => true),
      new Promise<boolean>((r) => (late = setTimeout(() => r(false), WATCHER_READY_MS))),
    ]);
    clearTimeout(late);
    // Stopped while the watcher was getting ready: no timer may outlive the stop (it would keep the process alive).
    if (this.ctx.stopping) return;
    if (!ready) this.ctx.emit({ kind: 'warning', message: `the file watcher is not ready after ${WATCHER_READY_MS / 1000} s; going on with re-scans` });
    // Anything written between the first scan and the watcher going live.
    this.rescan('watcher ready');
    const every = this.opts.rescanMs ?? 60_000;
    this.timers.push(setInterval(() => void this.periodic(), every));
  }

  /** Full reconcile with the disk (start, every period, after a pull). */
  rescan(reason: string): void {
    const t0 = performance.now();
    const before = this.ctx.queue.size;
    // Considered through the subscription as they are found (orchestra.yaml is re-checked first).
    const changes = this.ctx.live.rescan();
    if (changes.length || reason !== 'periodic') {
      this.ctx.emit({ kind: 'rescan', reason, changed: changes.length, queued: this.ctx.queue.size - before, ms: performance.now() - t0 });
    }
    this.ctx.wake();
  }

  private async periodic(): Promise<void> {
    if (this.ctx.stopping || this.scanning) return;
    this.scanning = (async () => {
      this.rescan('periodic');
      await this.archive();
      this.maintain();
      const docs = this.ctx.live.docs();
      const derived = derive(docs, this.ctx.config);
      // Health (conflicts, stalled workers, unanswered escalations...) is checked here, so its alerts appear
      // without anyone running `status`. Live docs suffice: the archive holds only settled, older threads.
      try {
        const { refreshHealth } = await import('../store/health.js');
        await refreshHealth({ ws: this.ctx.ws, config: this.ctx.config, git: this.ctx.git, docs: [...docs], derived, problems: [] }, this.ctx.now());
        this.ctx.state.faults.recovered('health');
      } catch (e) {
        this.ctx.state.faults.failed('health', `health scan failed: ${errorLine(e)} (said once; the scan runs again every period)`);
      }
      if (this.opts.onPeriodicScan) {
        try {
          await this.opts.onPeriodicScan({
            ws: this.ctx.ws,
            config: this.ctx.config,
            git: this.ctx.git,
            docs,
            derived,
            now: this.ctx.now(),
            log: (message) => this.ctx.emit({ kind: 'warning', message }),
          });
        } catch (e) {
          this.ctx.emit({ kind: 'error', message: `periodic scan hook failed: ${errorLine(e)}` });
        }
      }
    })().finally(() => (this.scanning = undefined));
    await this.scanning;
  }

  /**
   * git's housekeeping, which orchestra's own commits do not start (GIT_CONFIG): at most every MAINTENANCE_MS, in
   * the background, never waited for (a gc of a big repository can take a while, and nothing here needs it done).
   */
  private maintain(): void {
    const now = Date.now();
    if (this.maintaining || now - this.maintainedAt < MAINTENANCE_MS) return;
    this.maintainedAt = now;
    this.maintaining = runMaintenance(this.ctx.git.root).finally(() => (this.maintaining = undefined));
  }

  private async archive(): Promise<void> {
    const { ws, live, config } = this.ctx;
    const docs = live.docs();
    // Planned on memory first, so the disk is read only when something is due.
    if (!planArchive(docs, derive(docs, config), config, this.ctx.now()).docs.length) return;
    try {
      const r = await archiveSettled(ws, this.ctx.git, config, { now: this.ctx.now(), actor: 'daemon' });
      if (r.moves.length) {
        this.ctx.emit({ kind: 'archive', moved: r.moves.length, threads: r.threads, commit: r.commit });
        for (const m of r.moves) live.refresh(path.join(ws.root, m.from));
      }
    } catch (e) {
      this.ctx.emit({ kind: 'error', message: `archive failed: ${errorLine(e)}` });
    }
  }

  /** Clears the timers: nothing new starts. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /** Resolves when the scan in hand (if any) is done. */
  async drain(): Promise<void> {
    await this.scanning;
  }
}
