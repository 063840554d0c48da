import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { acquireLock, isStale, readLock, tryAcquireLock } from '../src/store/lock.js';
import { cleanupTemp, tempDir } from './helpers.js';

afterAll(cleanupTemp);

const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max: never a live process

describe('file locks', () => {
  it('takes over a lock whose holder died, and is never seen empty', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.lock');
    writeFileSync(file, JSON.stringify({ pid: DEAD_PID, host: hostname(), at: Date.now(), token: 'old' }));
    expect(isStale(file, 60_000)).toBe(true);
    const release = tryAcquireLock(file);
    expect(release).toBeDefined();
    expect(readLock(file)).toMatchObject({ pid: process.pid });
    expect(tryAcquireLock(file)).toBeUndefined(); // held by a live process: us
    release!();
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]); // no temp or aside files left
  });

  it('a holder whose lock was broken and retaken does not release the new holder\'s lock', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.lock');
    const releaseOld = await acquireLock(file);
    // Pretend the first holder died: its lock now names a dead pid; a second acquirer breaks it.
    const info = readLock(file)!;
    writeFileSync(file, JSON.stringify({ ...info, pid: DEAD_PID }));
    const releaseNew = await acquireLock(file, { timeoutMs: 2000 });
    const mine = readLock(file)!.token;
    releaseOld();
    expect(readLock(file)?.token).toBe(mine);
    releaseNew();
    expect(existsSync(file)).toBe(false);
  });

  it('serialises many concurrent acquirers', async () => {
    const file = path.join(tempDir(), 'x.lock');
    let inside = 0;
    let overlap = false;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await acquireLock(file, { timeoutMs: 20_000 });
        inside++;
        if (inside > 1) overlap = true;
        await new Promise((r) => setTimeout(r, 2));
        inside--;
        release();
      }),
    );
    expect(overlap).toBe(false);
  });
});
