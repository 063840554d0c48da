/**
 * Ordinary faults (issue 11 item 3): a full disk, state files made by another user, another process's
 * `index.lock`. The daemon stays up through each, says what failed once, and loses no trigger.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chownSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { BIN, cleanupTemp, git, gitdir, ogit, makeWorkspace, ok, spawnCli, tempDir, waitFor, type LongRunning } from './helpers.js';

const mounts: string[] = [];
const daemons: LongRunning[] = [];

afterAll(async () => {
  for (const d of daemons) await d.stop('SIGKILL');
  for (const m of mounts) {
    try {
      execFileSync('umount', [m], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  cleanupTemp();
});

/** A fresh 2 MB tmpfs, or undefined when this machine does not allow mounting one. */
function smallDisk(): string | undefined {
  const dir = tempDir('orchestra-disk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  mounts.push(dir);
  return dir;
}
const probeDisk = smallDisk();
if (!probeDisk) console.warn('runtime-faults: SKIPPED the full-disk test: mounting a tmpfs is not permitted here');

const isRoot = process.getuid?.() === 0;
const NOBODY = (() => {
  try {
    return { uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) };
  } catch {
    return undefined;
  }
})();
/** Whether `nobody` can read this checkout's CLI at all (a clone inside a private temp folder is out of its reach). */
const NOBODY_REACHES_CLI = (() => {
  if (!isRoot || !NOBODY) return false;
  try {
    execFileSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(BIN)}, require('fs').constants.R_OK)`], { ...NOBODY, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!isRoot || !NOBODY) console.warn('runtime-faults: SKIPPED the permission test: it needs root and a `nobody` user (root bypasses file modes, so the daemon runs as nobody)');
else if (!NOBODY_REACHES_CLI) console.warn(`runtime-faults: SKIPPED the permission test: user nobody cannot read ${BIN} (the checkout sits in a folder only its owner may enter)`);

/** Fills the disk under `dir` until the kernel says ENOSPC; returns the filler file. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'a');
  try {
    for (const size of [64 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 120);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

function doubtText(title: string): string {
  return `---\ntype: doubt\ntitle: ${title}\n---\nWhich one, and why?\n`;
}

/** Daemon docs on disk answering `id`. */
function reactionsTo(dir: string, id: string): string[] {
  const out: string[] = [];
  const docs = path.join(dir, '.orchestra/docs');
  for (const w of readdirSync(docs, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
    for (const f of readdirSync(path.join(docs, w))) {
      const text = readFileSync(path.join(docs, w, f), 'utf8');
      if (/^from: daemon$/m.test(text) && new RegExp(`^re: ${id}$`, 'm').test(text)) out.push(path.join(w, f));
    }
  }
  return out;
}

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

describe('ordinary faults', () => {
  it.skipIf(!probeDisk)('a full disk: the daemon stays up, says each failing file once, retries the commit and handles the trigger once space is back', async () => {
    mkdirSync(path.join(probeDisk!, 'ws'));
    const dir = gitdir(path.join(probeDisk!, 'ws'));
    await ok(dir, ['init', '--workers', 'worker-core']);
    const d = spawnCli(dir, ['daemon']);
    daemons.push(d);
    await d.waitForOutput(/daemon started/);

    // The doubt is written while there is room, then moved in (a rename needs no space) once the disk is full.
    const id = '20261201-120000-doubt-which-disk-k3f9';
    const pending = path.join(dir, 'pending.md');
    writeFileSync(pending, doubtText('Which disk?'));
    const filler = fill(probeDisk!);
    renameSync(pending, path.join(dir, '.orchestra/docs/worker-core', `${id}.md`));

    await d.waitForOutput(/COMMIT FAILED/);
    // A second failure, a retry: the full disk was not waited on as if it were a lock.
    await waitFor(() => count(d.stderr(), /COMMIT FAILED/) >= 2, { message: 'a second commit attempt' });
    expect(d.stderr()).toMatch(/no space left on device|the disk is full/i);
    expect(count(d.stderr(), /could not write .*alerts\.jsonl: the disk is full \(ENOSPC\)/)).toBe(1);
    expect(count(d.stderr(), /could not write .*daemon\.jsonl: the disk is full \(ENOSPC\)/)).toBeLessThanOrEqual(1);
    expect(d.child.exitCode).toBeNull();

    unlinkSync(filler);
    await waitFor(() => reactionsTo(dir, id).length === 1, { timeoutMs: 60_000, message: 'the reaction once space is back' });
    await waitFor(() => ogit(dir, ['status', '--porcelain', '--', '.orchestra/docs']) === '', { message: 'doubt and reaction committed' });
    expect(ogit(dir, ['log', '--format=%B']).match(new RegExp(`Orchestra-Doc: ${id}`, 'g'))?.length).toBe(1); // the doubt, as its author
    expect(reactionsTo(dir, id)).toHaveLength(1);
    expect(await d.stop('SIGTERM')).toBe(0);
  });

  it.skipIf(!NOBODY_REACHES_CLI)('state files made by another user: the daemon (as nobody) keeps running, says so once, and still reacts', async () => {
    const made = await makeWorkspace({ workers: 'worker-core' });
    // A folder nobody may enter, holding a copy of the workspace that nobody owns, except two root-made state files.
    const base = tempDir('orchestra-nobody-');
    execFileSync('chmod', ['0755', base]);
    const dir = path.join(base, 'ws');
    cpSync(made, dir, { recursive: true });
    execFileSync('chown', ['-R', `${NOBODY!.uid}:${NOBODY!.gid}`, dir]);
    const state = path.join(dir, '.orchestra/state');
    mkdirSync(path.join(state, 'logs'), { recursive: true });
    chownSync(state, NOBODY!.uid, NOBODY!.gid);
    chownSync(path.join(state, 'logs'), NOBODY!.uid, NOBODY!.gid);
    for (const f of ['alerts.jsonl', 'logs/daemon.jsonl']) writeFileSync(path.join(state, f), '', { mode: 0o644 });

    const d = spawnCli(dir, ['daemon'], { user: NOBODY!, env: { HOME: dir } });
    daemons.push(d);
    await d.waitForOutput(/daemon started/);
    const docs = path.join(dir, '.orchestra/docs/worker-core');
    const put = (name: string, text: string) => {
      writeFileSync(path.join(docs, name), text);
      chownSync(path.join(docs, name), NOBODY!.uid, NOBODY!.gid);
    };
    // Two invalid docs: each raises an alert the daemon cannot record.
    put('broken-one.md', '---\ntype: memo\ntitle: Not a type\n---\n');
    put('broken-two.md', '---\ntype: memo\ntitle: Not one either\n---\n');
    await waitFor(() => count(d.stderr(), /invalid doc/) >= 2, { message: 'both invalid docs seen' });
    const id = '20261201-120000-doubt-who-owns-it-m2p8';
    put(`${id}.md`, doubtText('Who owns it?'));
    await waitFor(() => reactionsTo(dir, id).length === 1, { message: 'the reaction to the doubt' });
    await waitFor(() => git(dir, ['-c', 'safe.directory=*', 'status', '--porcelain', '--', `.orchestra/docs/worker-core/${id}.md`]) === '', { message: 'the doubt committed' });

    expect(count(d.stderr(), /could not write .*alerts\.jsonl: permission denied/)).toBe(1);
    expect(count(d.stderr(), /could not write .*daemon\.jsonl: permission denied/)).toBe(1);
    expect(d.child.exitCode).toBeNull();
    expect(readFileSync(path.join(state, 'alerts.jsonl'), 'utf8')).toBe('');
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(existsSync(path.join(state, 'daemon.pid'))).toBe(false);
  });

  it("a write that waits on another process's index.lock says so while it waits, and succeeds once the lock goes", async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const lock = path.join(dir, '.git/index.lock');
    writeFileSync(lock, '');
    const w = spawnCli(dir, ['order', 'worker-core', 'Behind a lock']);
    const line = await w.waitForOutput(/index\.lock/);
    expect(line).toBe(`waiting on ${lock}: another git process holds it (if no git command is running, delete that file); giving up after 60 s`);
    // Said while waiting: nothing is committed yet and the command has not finished.
    expect(w.child.exitCode).toBeNull();
    expect(git(dir, ['log', '--format=%s'])).not.toMatch(/Behind a lock/);
    unlinkSync(lock);
    expect(await w.exited).toBe(0);
    const id = w.stdout().trim();
    expect(git(dir, ['log', '-1', '--format=%B'])).toContain(`Orchestra-Doc: ${id}`);
    expect(count(w.stderr(), /index\.lock/)).toBe(1);
  });

  it('a second signal ends a stop that hangs; the next daemon loses nothing and doubles nothing', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const d = spawnCli(dir, ['daemon']);
    daemons.push(d);
    await d.waitForOutput(/daemon started/);
    // The daemon's commit waits on this lock, so its graceful stop (finish the reaction in hand) cannot end.
    const lock = path.join(dir, '.git/index.lock');
    writeFileSync(lock, '');
    const id = '20261201-120000-doubt-stuck-behind-a-lock-q7r2';
    writeFileSync(path.join(dir, '.orchestra/docs/worker-core', `${id}.md`), doubtText('Stuck behind a lock?'));
    await d.waitForOutput(/warning: waiting on .*index\.lock/);
    d.child.kill('SIGINT');
    await d.waitForOutput(/SIGINT: stopping \(send it again to exit at once\)/);
    expect(d.child.exitCode).toBeNull();
    d.child.kill('SIGINT');
    await waitFor(() => d.child.exitCode !== null, { message: `the forced exit\nstderr: ${d.stderr().slice(-800)}` });
    expect(d.child.exitCode).toBe(130);

    unlinkSync(lock);
    const again = spawnCli(dir, ['daemon']);
    daemons.push(again);
    await again.waitForOutput(/daemon started/);
    await waitFor(() => reactionsTo(dir, id).length === 1 && git(dir, ['status', '--porcelain', '--', '.orchestra/docs']) === '', { message: 'the doubt and one reaction, committed' });
    expect(await again.stop('SIGTERM')).toBe(0);
    expect(reactionsTo(dir, id)).toHaveLength(1);
  });
});

// The temp folders hold mounts: unmount before cleanup removes them (afterAll above), and never leave one behind.
process.on('exit', () => {
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      rmSync(m, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
});
