import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { OrchestraError } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  at: number;
  purpose?: string;
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** A lock whose holder died (same host, pid gone), or an unreadable lock older than `staleMs`. */
export function isStale(file: string, staleMs: number): boolean {
  const info = readLock(file);
  if (info && info.host === hostname()) return !isAlive(info.pid);
  try {
    return Date.now() - statSync(file).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

function tryCreate(file: string, purpose?: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now(), purpose } satisfies LockInfo));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Removes a stale lock without racing other breakers: only the holder of `<file>.break` may remove it, and it
 * checks again that the lock is still the stale one it saw.
 */
function breakStale(file: string, staleMs: number): void {
  const breaker = `${file}.break`;
  if (!tryCreate(breaker, 'break')) {
    if (isStale(breaker, 5000)) {
      try {
        unlinkSync(breaker);
      } catch {
        /* someone else removed it */
      }
    }
    return;
  }
  try {
    if (isStale(file, staleMs)) unlinkSync(file);
  } catch {
    /* already gone */
  } finally {
    try {
      unlinkSync(breaker);
    } catch {
      /* ignore */
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock file older than this whose holder cannot be checked is stale. */
  staleMs?: number;
  purpose?: string;
}

/** Takes an exclusive file lock, waiting with jittered backoff; returns its release function. */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<() => void> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const staleMs = opts.staleMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    if (tryCreate(file, opts.purpose)) {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    }
    if (isStale(file, staleMs)) {
      breakStale(file, staleMs);
      continue;
    }
    if (Date.now() > deadline) {
      const holder = readLock(file);
      throw new OrchestraError(
        `timed out waiting for ${file}${holder ? ` (held by pid ${holder.pid}${holder.purpose ? `, ${holder.purpose}` : ''})` : ''}: if no orchestra process is running, delete that file`,
      );
    }
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
}

/** Takes a lock only if it is free (or stale); undefined when someone live holds it. */
export function tryAcquireLock(file: string, opts: LockOptions = {}): (() => void) | undefined {
  for (let i = 0; i < 2; i++) {
    if (tryCreate(file, opts.purpose)) {
      return () => {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    }
    if (!isStale(file, opts.staleMs ?? 60_000)) return undefined;
    breakStale(file, opts.staleMs ?? 60_000);
  }
  return undefined;
}
