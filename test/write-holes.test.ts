/**
 * Exactly once around a write (issue 12 item 8): Ctrl-C in the middle, someone's `git commit -a` beside it, and a
 * deleted state folder. The interleavings are made real by a `git` on the CLI's PATH that runs the real git and,
 * right after orchestra's `git add --intent-to-add` and before its `git commit`, the window where the races
 * happen, a step of the test's. Not a git hook: orchestra's git runs with no hooks at all (test/git-hooks.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, makeWorkspace, ok, run, spawnCli, waitFor } from './helpers.js';
import { docsOnDisk, reactionOf, reactionsTo, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

/** The env that puts a `git` on PATH running `body` once, after orchestra's intent-to-add of a new order. */
function between(dir: string, body: string): NodeJS.ProcessEnv {
  const bin = path.join(dir, '.git', 'test-bin');
  mkdirSync(bin, { recursive: true });
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const file = path.join(bin, 'git');
  // Acts once, and only while a new order sits in the index as intent-to-add (orchestra's add, not its commit).
  writeFileSync(
    file,
    `#!/bin/sh\n"${real}" "$@" || exit $?\ncase " $* " in *" --intent-to-add "*) ;; *) exit 0 ;; esac\n` +
      `G="$("${real}" rev-parse --git-dir)"\n[ -f "$G/hook-done" ] && exit 0\n"${real}" diff --name-only -- .orchestra/docs | grep -q order || exit 0\ntouch "$G/hook-done"\n${body}\n`,
  );
  chmodSync(file, 0o755);
  return { PATH: `${bin}${path.delimiter}${process.env.PATH}` };
}

const orders = (dir: string) => docsOnDisk(dir).filter((d) => d.fm.type === 'order');

describe('a write and what happens beside it', () => {
  it('Ctrl-C between add and commit: the order is completed and its id printed, nothing left behind', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const env = between(dir, 'touch "$G/paused"\nwhile [ ! -f "$G/go" ]; do sleep 0.05; done');
    const p = spawnCli(dir, ['order', 'worker-web', 'Interrupted order'], { env });
    await waitFor(() => existsSync(path.join(dir, '.git', 'paused')), { message: 'the write to reach the hook' });
    p.child.kill('SIGINT');
    writeFileSync(path.join(dir, '.git', 'go'), '');
    const code = await p.exited;
    expect(orders(dir)).toHaveLength(1);
    const id = orders(dir)[0].id;
    expect(p.stdout().trim()).toBe(id);
    expect(code).toBe(130);
    expect(git(dir, ['status', '--porcelain', '--', '.orchestra']).trim()).toBe('');
    expect(git(dir, ['log', '--format=%s', '-1']).trim()).toBe('orchestra: order worker-web: Interrupted order');
  });

  it("someone's `git commit -a` takes the doc first: success, the id printed once", async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const env = between(dir, 'git commit -q -a -m "my own work in progress" >/dev/null 2>&1');
    const r = await run(dir, ['order', 'worker-web', 'Taken by a user commit'], { env });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(orders(dir)).toHaveLength(1);
    expect(r.stdout.trim()).toBe(orders(dir)[0].id);
    expect(git(dir, ['log', '--format=%s', '-1']).trim()).toBe('my own work in progress');
    expect(git(dir, ['status', '--porcelain', '--', '.orchestra']).trim()).toBe('');
  });

  it("someone's `git commit -a` takes an edit first (start): success, the id printed, the tree clean", async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const order = await ok(dir, ['order', 'worker-web', 'Started under a user commit']);
    const env = between(dir, 'git commit -q -a -m "my own work in progress" >/dev/null 2>&1');
    const r = await run(dir, ['--as', 'worker-web', 'start', order], { env });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(order);
    expect(git(dir, ['log', '--format=%s', '-1']).trim()).toBe('my own work in progress');
    expect(orders(dir)[0].fm.status).toBe('in_progress');
    expect(git(dir, ['status', '--porcelain', '--', '.orchestra']).trim()).toBe('');
  });
});

describe('a deleted state folder', () => {
  it('is not a first start when the daemon has committed before: what came since is handled, nothing twice', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    let daemon = await startDaemonCli(dir);
    const first = await ok(dir, ['--as', 'worker-web', 'doubt', 'worker-web', 'First question']);
    await reactionOf(dir, first);
    await daemon.stop();
    const second = await ok(dir, ['--as', 'worker-web', 'doubt', 'worker-web', 'Asked while the daemon was down']);
    rmSync(path.join(dir, '.orchestra', 'state'), { recursive: true, force: true }); // git clean -xfd
    daemon = await startDaemonCli(dir);
    try {
      await reactionOf(dir, second);
      expect(reactionsTo(dir, first)).toHaveLength(1);
      expect(reactionsTo(dir, second)).toHaveLength(1);
    } finally {
      await daemon.stop();
    }
  });
});
