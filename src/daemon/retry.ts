/**
 * Commit failures: after a batch fails to commit the queue is pumped again, after a delay that grows with each
 * failure in a row, and a critical alert stays open until a batch commits.
 */
import { backoffMs, type Backoff } from '../core/backoff.js';
import type { DaemonContext } from './context.js';

/** A failed commit is tried again soon (most causes pass: a lock, a moment of full disk), then less often. */
const COMMIT_RETRY: Backoff = { baseMs: 1000, capMs: 30_000, jitter: 0.2 };

export class CommitRetry {
  private timer: NodeJS.Timeout | undefined;
  /** Failed batches in a row (the commit retry's attempt number). */
  private failures = 0;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly pump: () => void,
  ) {}

  /** A retry is due: the queue waits for it. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** Pumps the queue again after the commit retry's next delay; returns that delay. */
  schedule(): number {
    if (this.timer) return 0;
    this.failures++;
    const delay = backoffMs(COMMIT_RETRY, this.failures, Math.random);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delay);
    return delay;
  }

  /** A batch could not be committed: retried later (unless `once`), said in the log and by an alert. */
  failed(triggers: string[], error: string, once: boolean): void {
    // The retry is set before anything else that could fail (the alert, the log), so it always happens.
    const retryInMs = once ? 0 : this.schedule();
    this.ctx.emit({ kind: 'commit_failure', triggers, error, retryInMs });
    this.ctx.state.alert({ level: 'critical', kind: 'commit_failure', message: `the daemon could not commit its reactions: ${error}`, key: 'commit_failure' });
  }

  /** A batch was committed: the failures' alert, if any, is resolved. */
  succeeded(): void {
    if (this.failures > 0) this.ctx.state.resolve('commit_failure');
    this.failures = 0;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
