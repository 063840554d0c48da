/**
 * Retry delays, one schedule for every waiting loop (file locks, git's locks, sync rounds, the Messages API, the
 * daemon's commit retry). Pure: randomness is passed in, so a test can pin the schedule.
 */

export interface Backoff {
  /** Delay before the first retry (ms), before jitter. */
  baseMs: number;
  /** No delay grows past this (ms), before jitter. */
  capMs: number;
  /**
   * How much of each delay is random: 0 = none, 0.5 = between half and all of it. Jitter keeps writers that
   * collided once from colliding again on the same beat.
   */
  jitter: number;
}

/** The delay before retry number `attempt` (1-based): base × 2^(attempt−1), capped, with `jitter` of it random. */
export function backoffMs(policy: Backoff, attempt: number, random: () => number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const j = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(exp * (1 - j) + exp * j * random());
}
