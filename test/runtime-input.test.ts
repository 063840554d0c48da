/**
 * Unbounded or hostile input around the CLI (issue 11 item 6): an endless `--file`, a committed symbolic link at
 * `.orchestra/state`, a daemon lock whose pid now belongs to another process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok, run, spawnCli, tempDir, waitFor } from './helpers.js';

afterAll(cleanupTemp);

const docsOf = (dir: string, worker: string) => readdirSync(path.join(dir, '.orchestra/docs', worker));

describe('bounded --file', () => {
  it('--file /dev/zero stops at the 1 MB limit with one clear line (no abort), and nothing is written', async () => {
    const dir = await makeWorkspace();
    const r = await run(dir, ['order', 'worker-core', 'Endless', '--file', '/dev/zero']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: --file /dev/zero is over the 1 MB limit for a doc: link to large content instead']);
    expect(docsOf(dir, 'worker-core')).toEqual([]);
  });

  it('a file over the limit is refused from its size, one just under it is taken, stdin is bounded too', async () => {
    const dir = await makeWorkspace();
    const big = path.join(tempDir(), 'big.md');
    writeFileSync(big, 'a'.repeat(1024 * 1024 + 1));
    const r = await run(dir, ['order', 'worker-core', 'Big', '--file', big]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/over the 1 MB limit/);
    const piped = await run(dir, ['order', 'worker-core', 'Piped', '--file', '-'], { input: 'b'.repeat(1024 * 1024 + 10) });
    expect(piped.exitCode).toBe(2);
    expect(piped.stderr).toMatch(/--file - is over the 1 MB limit/);
    const small = path.join(tempDir(), 'small.md');
    writeFileSync(small, 'Done when the tests pass.\n');
    const id = await ok(dir, ['order', 'worker-core', 'Small', '--file', small]);
    expect(readFileSync(path.join(dir, '.orchestra/docs/worker-core', `${id}.md`), 'utf8')).toContain('Done when the tests pass.');
  });
});

describe('.orchestra/state as a symbolic link', () => {
  it('is refused with one clear line by writers, the daemon and doctor; nothing lands where it points', async () => {
    const dir = await makeWorkspace();
    const outside = tempDir();
    rmSync(path.join(dir, '.orchestra/state'), { recursive: true, force: true });
    symlinkSync(outside, path.join(dir, '.orchestra/state'));
    git(dir, ['add', '-f', '.orchestra/state']);
    git(dir, ['commit', '-q', '-m', 'a link']);

    for (const args of [['daemon', '--once'], ['order', 'worker-core', 'Through the link'], ['status']]) {
      const r = await run(dir, args);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: \.orchestra\/state is a symbolic link \(to .+\): .*remove the link/);
    }
    const doctor = await run(dir, ['doctor', '--json']);
    const checks = JSON.parse(doctor.stdout).checks as { name: string; ok: boolean; message: string }[];
    expect(checks.find((c) => c.name === 'state')).toMatchObject({ ok: false, message: expect.stringMatching(/symbolic link/) });
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('a daemon lock whose pid belongs to another process now', () => {
  it('doctor says the daemon died and a new daemon takes the lock over, for a recorded start time and for an old lock without one', async () => {
    const dir = await makeWorkspace();
    const pidFile = path.join(dir, '.orchestra/state/daemon.pid');
    const d = spawnCli(dir, ['daemon']);
    await d.waitForOutput(/daemon started/);
    const lock = JSON.parse(readFileSync(pidFile, 'utf8'));
    expect(lock).toMatchObject({ pid: d.child.pid, start: expect.any(String) });
    d.child.kill('SIGKILL');
    await d.exited;
    expect(existsSync(pidFile)).toBe(true);

    // Any live process that is not that daemon stands in for the one the pid went to.
    const other = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      await waitFor(() => other.pid !== undefined && existsSync(`/proc/${other.pid}`));
      for (const stale of [
        { ...lock, pid: other.pid }, // the dead daemon's start time, someone else's pid
        { pid: other.pid, host: hostname(), at: Date.now(), purpose: 'daemon' }, // a lock from before start times
      ]) {
        mkdirSync(path.dirname(pidFile), { recursive: true });
        writeFileSync(pidFile, JSON.stringify(stale));
        const doctor = await run(dir, ['doctor', '--json']);
        const check = (JSON.parse(doctor.stdout).checks as { name: string; ok: boolean; level?: string; message: string }[]).find((c) => c.name === 'daemon');
        // Not running is a warning (issue 12): the reused pid is named, and the stale lock explained and cleared.
        expect(check).toMatchObject({ ok: true, level: 'warning', message: expect.stringContaining(`the last one died: pid ${other.pid} now belongs to another process; its stale lock was cleared`) });
        const again = await run(dir, ['daemon', '--once']);
        expect(again.exitCode, again.stderr).toBe(0);
        expect(again.stderr).toMatch(/daemon started/);
        expect(existsSync(pidFile)).toBe(false);
      }
      expect(other.exitCode).toBeNull(); // the other process was left alone
    } finally {
      other.kill('SIGKILL');
    }
  });
});
