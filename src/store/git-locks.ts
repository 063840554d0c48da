/**
 * Waiting out git's own locks (`index.lock`, ref locks) that another git process holds. Only contention is
 * waited for: on a full disk or a permission error git also names index.lock ("unable to write new index file",
 * "index.lock write error"), and waiting a minute on those helps nobody, so they fail at once.
 */
import type { Backoff } from '../core/backoff.js';
import { retry } from './retry.js';

// `could not lock config file`: two `git config` writes at once (two `orchestra launch` in one repository).
const LOCK_ERRORS = /index\.lock|cannot lock ref|Unable to create .*\.lock|another git process|could not lock config file/i;
// git names index.lock in these too ("sha1 file '.git/index.lock' write error. Out of diskspace"): a failed write
// of our own lock, not someone else holding it.
const NOT_CONTENTION = /No space left on device|Out of diskspace|write error|Disk quota exceeded|Permission denied|Read-only file system|Operation not permitted/i;

/** A git lock is usually held for milliseconds: start fast, never wait more than 400 ms between tries. */
export const GIT_LOCK_BACKOFF: Backoff = { baseMs: 10, capMs: 400, jitter: 0.5 };
export const GIT_LOCK_DEADLINE_MS = 60_000;
/** Waits longer than this are said (once), so a person knows what the command waits on. */
export const GIT_LOCK_NOTICE_MS = 500;

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Whether a failed git command failed only because another process holds one of git's locks. */
export function isGitLockContention(e: unknown): boolean {
  const m = messageOf(e);
  return LOCK_ERRORS.test(m) && !NOT_CONTENTION.test(m);
}

/** The lock file git names in its error (`Unable to create '/repo/.git/index.lock': File exists.`). */
export function lockFileOf(e: unknown): string | undefined {
  return /'([^']+\.lock)'/.exec(messageOf(e))?.[1];
}

export function lockWaitNotice(e: unknown): string {
  const lock = lockFileOf(e);
  return `waiting on ${lock ?? "one of git's lock files"}: another git process holds it (if no git command is running, delete that file); giving up after ${GIT_LOCK_DEADLINE_MS / 1000} s`;
}

/** Runs a git write, retrying with jittered backoff (up to a minute) while another git process holds one of git's locks. */
export function retryOnGitLocks<T>(fn: () => Promise<T>, opts: { notice?: (line: string) => void } = {}): Promise<T> {
  let said = false;
  return retry(fn, {
    policy: GIT_LOCK_BACKOFF,
    retryable: isGitLockContention,
    deadlineMs: GIT_LOCK_DEADLINE_MS,
    onRetry: ({ error, elapsedMs }) => {
      if (said || !opts.notice || elapsedMs < GIT_LOCK_NOTICE_MS) return;
      said = true;
      opts.notice(lockWaitNotice(error));
    },
  });
}
