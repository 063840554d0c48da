/** One daemon per workspace: a lock file with the pid in `.orchestra/state/daemon.pid` (a stale lock is taken over). */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { OrchestraError } from '../errors.js';
import { lockHolder, readLock, tryAcquireLock } from '../store/lock.js';
import type { Workspace } from '../store/workspace.js';

export function pidLockPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'daemon.pid');
}

/** Takes the workspace's daemon lock and returns its release; throws when another daemon holds it. */
export function acquireDaemonLock(ws: Workspace): () => void {
  mkdirSync(ws.stateDir, { recursive: true });
  const lock = pidLockPath(ws);
  const release = tryAcquireLock(lock, { purpose: 'daemon' });
  if (!release) {
    const holder = readLock(lock);
    throw new OrchestraError(`another daemon${holder ? ` (pid ${holder.pid})` : ''} is already running in this workspace (\`orchestra up\` runs one too): stop it first with Ctrl-C in its terminal${holder ? ` or \`kill ${holder.pid}\`` : ''}; a lock left by a dead daemon is taken over by itself`);
  }
  return release;
}

/** Is a daemon running on this workspace? (For `status`/`doctor`: the lock's holder, if it still runs.) */
export function runningDaemon(ws: Workspace): { pid: number } | undefined {
  const file = pidLockPath(ws);
  if (!existsSync(file)) return undefined;
  const info = readLock(file);
  if (!info) return undefined;
  return lockHolder(info) === 'alive' ? { pid: info.pid } : undefined;
}
