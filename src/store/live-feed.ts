/**
 * Watcher hints → batches for the live doc model: a burst of events becomes one pass (on the next turn of the
 * event loop, so a valid doc is read at once), a names-only scan every few seconds bounds the delay of an event
 * the watcher missed, and a full re-scan runs when nobody has asked for one for a while.
 */
import { watchWorkspace, type PathHint, type Watcher, type WatchTargets } from './watcher.js';

export interface FeedSink {
  /** `paths` named by events; `folders`: a worker folder came or went, so every name must be listed. */
  apply(paths: Set<string>, folders: boolean): void;
  quickScan(): void;
  rescan(): void;
  error(message: string): void;
}

export class LiveFeed {
  readonly ready: Promise<void>;
  private readonly sink: FeedSink;
  private readonly rescanMs: number;
  private readonly watcher: Watcher;
  private readonly quickTimer: NodeJS.Timeout;
  private rescanTimer: NodeJS.Timeout | undefined;
  private pending = new Set<string>();
  private folders = false;
  private scheduled = false;
  private closed = false;

  constructor(targets: WatchTargets, sink: FeedSink, opts: { quickScanMs: number; rescanMs: number }) {
    this.sink = sink;
    this.rescanMs = opts.rescanMs;
    this.watcher = watchWorkspace(targets, (h) => this.hint(h), (e) => sink.error(e.message));
    this.ready = this.watcher.ready;
    // Unreferenced: the model never keeps a process alive on its own (its owner's server or loop does).
    this.quickTimer = setInterval(() => sink.quickScan(), opts.quickScanMs);
    this.quickTimer.unref();
    this.armRescan();
  }

  /** No hint is waiting. */
  get settled(): boolean {
    return !this.scheduled;
  }

  hint(h: PathHint): void {
    if (this.closed) return;
    if (h.kind === 'folder') this.folders = true;
    else this.pending.add(h.abs);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      const paths = this.pending;
      const folders = this.folders;
      this.pending = new Set();
      this.folders = false;
      // Cleared first: subscribers asking "anything waiting?" while the batch is applied must hear no.
      this.scheduled = false;
      if (!this.closed) this.sink.apply(paths, folders);
    });
  }

  /** The next full re-scan, counted from now (called after every re-scan, whoever asked). */
  armRescan(): void {
    clearTimeout(this.rescanTimer);
    if (this.closed || this.rescanMs <= 0) return;
    this.rescanTimer = setTimeout(() => this.sink.rescan(), this.rescanMs);
    this.rescanTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.quickTimer);
    clearTimeout(this.rescanTimer);
    await this.watcher.close();
  }
}
