/**
 * Exclusive file locks between processes (orchestra's writers, the one daemon per workspace). A lock file is
 * created complete (written to a temp file, then hard-linked into place, so it is never seen empty) and carries
 * a random token: only its holder's token releases it, and a stale lock (its holder's pid is gone) is broken by
 * renaming it aside and checking it was the stale one, so a fresh lock taken meanwhile is never removed.
 * The holder's start time is recorded too, so a lock whose pid now belongs to another process counts as stale.
 */
import { linkSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { backoffMs, type Backoff } from '../core/backoff.js';
import { OrchestraError } from '../errors.js';
import { createFileExclusive } from './atomic.js';
import { holderState, isAlive, processStart, type Holder } from './process.js';
import { sleep } from './retry.js';

export { isAlive };

export interface LockInfo {
  pid: number;
  host: string;
  at: number;
  purpose?: string;
  token?: string;
  /** The holder's start time (see `processStart`): tells it from a later process given the same pid. */
  start?: string;
}

export function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Whether the lock's holder still runs on this host: 'gone', 'reused' (its pid is another process's now), or 'alive'. */
export function lockHolder(info: LockInfo): Holder {
  return holderState(info.pid, info.start);
}

function staleInfo(file: string, info: LockInfo | undefined, staleMs: number): boolean {
  if (info && info.host === hostname()) return lockHolder(info) !== 'alive';
  try {
    // Another machine's lock (a shared folder), or one we cannot read: only its age can tell.
    return Date.now() - statSync(file).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/** A lock whose holder died (same host, pid gone), or another host's or unreadable lock older than `staleMs`. */
export function isStale(file: string, staleMs: number): boolean {
  return staleInfo(file, readLock(file), staleMs);
}

/** Creates the lock complete, or returns undefined when it exists. */
function tryCreate(file: string, purpose?: string): string | undefined {
  const token = `${process.pid}-${randomBytes(8).toString('hex')}`;
  const info: LockInfo = { pid: process.pid, host: hostname(), at: Date.now(), purpose, token, start: processStart(process.pid) };
  return createFileExclusive(file, JSON.stringify(info)) ? token : undefined;
}

/** Breaks a stale lock: renamed aside (one breaker wins the rename), removed only if it is the stale one seen. */
function breakStale(file: string, staleMs: number): void {
  const seen = readLock(file);
  if (!staleInfo(file, seen, staleMs)) return;
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = readLock(aside);
  if (seen && moved && moved.token !== seen.token) {
    // A fresh lock was taken between our read and our rename: give it back if its place is still free.
    try {
      linkSync(aside, file);
    } catch {
      /* a third process holds it now; the fresh one's holder will find its lock gone and its release a no-op */
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    /* ignore */
  }
}

function releaser(file: string, token: string): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // Only our own lock: never one a breaker replaced.
    if (readLock(file)?.token !== token) return;
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}

/** Orchestra's own writers hold a lock for milliseconds: poll often, at most about 100 ms apart. */
const LOCK_BACKOFF: Backoff = { baseMs: 4, capMs: 100, jitter: 0.5 };

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
  for (let attempt = 1; ; attempt++) {
    const token = tryCreate(file, opts.purpose);
    if (token) return releaser(file, token);
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
    await sleep(backoffMs(LOCK_BACKOFF, attempt, Math.random));
  }
}

/** Takes a lock only if it is free (or stale); undefined when someone live holds it. */
export function tryAcquireLock(file: string, opts: LockOptions = {}): (() => void) | undefined {
  const staleMs = opts.staleMs ?? 60_000;
  // A few rounds: a stale lock may need breaking first, and another starter may race us for it.
  for (let i = 0; i < 8; i++) {
    const token = tryCreate(file, opts.purpose);
    if (token) return releaser(file, token);
    if (!isStale(file, staleMs)) return undefined;
    breakStale(file, staleMs);
  }
  return undefined;
}
