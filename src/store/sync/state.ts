/**
 * What this clone remembers of its sync (`.orchestra/state/sync.json`, local): when a round last reached the
 * remote, and whether the last write's push failed (so that failure is said once, not after every write).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import type { Workspace } from '../workspace.js';

export interface SyncState {
  /** ISO time of the last round that reached the remote (fetched, or found nothing new, and pushed what it had). */
  lastSyncAt?: string;
  /** Set while the remote cannot be reached or refuses: the reason, said once. */
  failing?: string;
}

function file(ws: Workspace): string {
  return path.join(ws.stateDir, 'sync.json');
}

export function readSyncState(ws: Workspace): SyncState {
  try {
    const v = JSON.parse(readFileSync(file(ws), 'utf8')) as SyncState;
    return typeof v === 'object' && v ? { lastSyncAt: typeof v.lastSyncAt === 'string' ? v.lastSyncAt : undefined, failing: typeof v.failing === 'string' ? v.failing : undefined } : {};
  } catch {
    return {};
  }
}

/**
 * Records a round's outcome; returns true when this is news (the first failure after a success, or the first
 * success after failures), so callers say it once. Best effort: a state folder that cannot be written is no reason
 * to fail a write or a round.
 */
export function recordSync(ws: Workspace, outcome: { ok: true; at: Date } | { ok: false; why: string }): boolean {
  const before = readSyncState(ws);
  const next: SyncState = outcome.ok ? { lastSyncAt: outcome.at.toISOString() } : { lastSyncAt: before.lastSyncAt, failing: outcome.why };
  const news = outcome.ok ? before.failing !== undefined : before.failing === undefined;
  try {
    mkdirSync(ws.stateDir, { recursive: true });
    writeFileAtomic(file(ws), `${JSON.stringify(next)}\n`);
  } catch {
    /* best effort */
  }
  return news;
}
