/**
 * The async side of `core/backoff.ts`: run an operation again, after a growing jittered delay, while its failure
 * is one worth waiting out (a held lock, a moving remote), up to a deadline or a number of attempts.
 */
import { backoffMs, type Backoff } from '../core/backoff.js';

export interface RetryWait {
  error: unknown;
  /** The retry about to happen (1 = the first retry). */
  attempt: number;
  delayMs: number;
  /** Time spent since the first try began. */
  elapsedMs: number;
}

export interface RetryOptions {
  policy: Backoff;
  /** Whether this failure is worth waiting out; any other is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** Give up (throwing the last error) once this much time has passed since the first try. */
  deadlineMs?: number;
  /** Give up after this many tries in all. */
  attempts?: number;
  /** Called before each wait (say what is being waited on). */
  onRetry?: (wait: RetryWait) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const elapsedMs = now() - started;
      if (!opts.retryable(error)) throw error;
      if (opts.attempts !== undefined && attempt >= opts.attempts) throw error;
      if (opts.deadlineMs !== undefined && elapsedMs >= opts.deadlineMs) throw error;
      const delayMs = backoffMs(opts.policy, attempt, opts.random ?? Math.random);
      opts.onRetry?.({ error, attempt, delayMs, elapsedMs });
      await (opts.sleep ?? sleep)(delayMs);
    }
  }
}
