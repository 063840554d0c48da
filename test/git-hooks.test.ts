/**
 * Issue 11 item 5: users' git hooks. orchestra's own commits, rebases and merges run without the user's hooks (a
 * `prepare-commit-msg` runs even with `--no-verify`), and whatever reads orchestra's history keys on its trailers,
 * so a subject some hook did prefix still reads as orchestra's. Where a hook orchestra cannot switch off still runs
 * (the remote's own), a failure is one line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, gitdir, ok, okJson, tempDir, waitFor } from './helpers.js';
import { isCommitted, reactionOf, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

/** A repository whose hooks prefix every subject, refuse every pre-commit, and leave a mark after each commit. */
function hookedRepo(dir = tempDir('orchestra-hooked-')): { dir: string; mark: string } {
  gitdir(dir);
  // gitdir() turns hooks off; this repository has the user's own.
  git(dir, ['config', '--unset', 'core.hooksPath']);
  const hooks = path.join(dir, '.git', 'hooks');
  const mark = path.join(dir, '.git', 'hook-ran');
  const write = (name: string, body: string) => {
    writeFileSync(path.join(hooks, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(hooks, name), 0o755);
  };
  write('prepare-commit-msg', `echo prepare-commit-msg >> "${mark}"\nsed -i '1s/^/[PROJ-1] /' "$1"`);
  write('pre-commit', `echo pre-commit >> "${mark}"\necho "pre-commit: refused by policy" >&2\nexit 1`);
  write('commit-msg', `echo commit-msg >> "${mark}"\nexit 1`);
  write('post-commit', `echo post-commit >> "${mark}"`);
  write('pre-rebase', `echo pre-rebase >> "${mark}"\nexit 1`);
  write('post-merge', `echo post-merge >> "${mark}"`);
  // The hooks do work for the user's own commits:
  writeFileSync(path.join(dir, 'probe.txt'), 'x\n');
  git(dir, ['add', 'probe.txt']);
  git(dir, ['commit', '-q', '--no-verify', '-m', 'probe']);
  if (!git(dir, ['log', '-1', '--format=%s']).startsWith('[PROJ-1] probe')) throw new Error('the test hooks did not run');
  writeFileSync(mark, '');
  return { dir, mark };
}

describe("orchestra's commits with the user's hooks installed", () => {
  it('order, start, report and the daemon reaction all commit unprefixed; orchestra log shows them; no hook ran', async () => {
    const { dir, mark } = hookedRepo();
    await ok(dir, ['init', '--inline', '--workers', 'worker-core']);
    const d = await startDaemonCli(dir);
    try {
      const order = await ok(dir, ['order', 'worker-core', 'Optimize propagation']);
      await ok(dir, ['--as', 'worker-core', 'start', order]);
      const report = await ok(dir, ['--as', 'worker-core', 'report', order, '--body', 'done']);
      const reaction = await reactionOf(dir, report, 60_000);
      expect(reaction.fm.type).toBe('escalation');
      await waitFor(() => isCommitted(dir, reaction.path), { timeoutMs: 60_000, message: 'the reaction committed' });
    } finally {
      expect(await d.stop()).toBe(0);
    }
    const subjects = git(dir, ['log', '--format=%s']).trim().split('\n');
    expect(subjects.filter((s) => s.startsWith('orchestra: '))).toHaveLength(subjects.length - 1);
    expect(subjects.filter((s) => s.includes('[PROJ-1]'))).toEqual(['[PROJ-1] probe']);
    const log = await okJson<{ type: string; actor: string }[]>(dir, ['log']);
    expect(log.map((e) => `${e.type} ${e.actor}`)).toEqual(expect.arrayContaining(['init lead', 'order lead', 'start worker-core', 'report worker-core', 'escalation daemon']));
    expect(readFileSync(mark, 'utf8')).toBe('');
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
  });

  it('reads history a hook did prefix: orchestra log shows it, sync publishes it as orchestra\'s own', async () => {
    const { syncOnce } = await import('../src/daemon/sync.js');
    const { Git } = await import('../src/store/git.js');
    const remote = tempDir('orchestra-remote-');
    git(remote, ['init', '-q', '--bare', '-b', 'main']);
    const { dir } = hookedRepo();
    await ok(dir, ['init', '--inline', '--workers', 'worker-core']);
    git(dir, ['remote', 'add', 'origin', remote]);
    git(dir, ['push', '-q', '-u', 'origin', 'main']);
    // An orchestra commit whose subject some other tool's hook prefixed (as an older orchestra let happen).
    const id = await ok(dir, ['order', 'worker-core', 'Written before the upgrade']);
    const msg = git(dir, ['log', '-1', '--format=%B']);
    git(dir, ['commit', '-q', '--amend', '--no-verify', '-m', msg]);
    expect(git(dir, ['log', '-1', '--format=%s']).trim()).toBe('[PROJ-1] orchestra: order worker-core: Written before the upgrade');
    await ok(dir, ['order', 'worker-core', 'After the upgrade']);

    const log = await okJson<{ doc: string; type: string; worker: string; title: string }[]>(dir, ['log', '--type', 'order']);
    expect(log.find((e) => e.doc === id)).toMatchObject({ type: 'order', worker: 'worker-core', title: 'Written before the upgrade' });
    expect(log).toHaveLength(2);

    const r = await syncOnce(new Git(dir), { remote: 'origin', branch: 'main' });
    expect(r.warning).toBeUndefined();
    expect(r.pushed).toBe(1);
    expect(git(remote, ['log', '-1', '--format=%s', 'main']).trim()).toBe('orchestra: order worker-core: After the upgrade');

    // The user's own commit is still theirs to publish, whatever its subject says.
    writeFileSync(path.join(dir, 'mine.txt'), 'mine\n');
    git(dir, ['add', 'mine.txt']);
    git(dir, ['commit', '-q', '--no-verify', '-m', 'orchestra: order worker-core: looks like one']);
    const waited = await syncOnce(new Git(dir), { remote: 'origin', branch: 'main' });
    expect(waited.warning).toMatch(/commits of your own not yet on origin/);
  });

  it('rebases and merges onto the remote without the user\'s hooks; a remote hook\'s refusal is one line', async () => {
    const { syncOnce } = await import('../src/daemon/sync.js');
    const { Git } = await import('../src/store/git.js');
    const remote = tempDir('orchestra-remote-');
    git(remote, ['init', '-q', '--bare', '-b', 'main']);
    const { dir, mark } = hookedRepo();
    await ok(dir, ['init', '--inline', '--workers', 'worker-core']);
    git(dir, ['remote', 'add', 'origin', remote]);
    git(dir, ['push', '-q', '-u', 'origin', 'main']);
    const other = gitdir(tempDir('orchestra-clone-'));
    git(other, ['remote', 'add', 'origin', remote]);
    git(other, ['pull', '-q', 'origin', 'main']);
    const cfg = { remote: 'origin', branch: 'main' };

    // Clean tree, both sides moved: a rebase (pre-rebase would refuse it, prepare-commit-msg would prefix).
    await ok(other, ['order', 'worker-core', 'From the other clone']);
    git(other, ['push', '-q', 'origin', 'main']);
    await ok(dir, ['order', 'worker-core', 'Rebased here']);
    expect(await syncOnce(new Git(dir), cfg)).toMatchObject({ pulled: 1, pushed: 1 });

    // Uncommitted work, both sides moved: a merge.
    await ok(other, ['--as', 'worker-core', 'doubt', 'worker-core', 'A question']);
    git(other, ['pull', '-q', '--rebase', 'origin', 'main']);
    git(other, ['push', '-q', 'origin', 'main']);
    await ok(dir, ['order', 'worker-core', 'Merged here']);
    writeFileSync(path.join(dir, 'probe.txt'), 'unsaved\n');
    const merged = await syncOnce(new Git(dir), cfg);
    expect(merged.warning).toBeUndefined();
    expect(merged.pushed).toBe(1);
    const subjects = git(remote, ['log', '--format=%s', 'main']).trim().split('\n');
    expect(subjects.filter((s) => s.includes('[PROJ-1]'))).toEqual(['[PROJ-1] probe']);
    expect(subjects).toEqual(expect.arrayContaining(['orchestra: order worker-core: Rebased here', 'orchestra: order worker-core: Merged here', 'orchestra: sync origin: merge main']));
    expect(readFileSync(mark, 'utf8')).toBe('');

    // The remote's hooks are the remote's: a refusal there comes back as one line, without git's command line.
    const hook = path.join(remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "policy: pushes are closed today" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    await ok(dir, ['order', 'worker-core', 'Refused by the remote']);
    const refused = await syncOnce(new Git(dir), cfg);
    expect(refused.pushed).toBe(0);
    expect(refused.warning).toBe('push to origin failed: the remote refused it: policy: pushes are closed today');
    expect(refused.warning).not.toContain('\n');
    expect(refused.warning).not.toMatch(/git push|--quiet|--end-of-options/);
    expect(existsSync(path.join(dir, '.git', 'rebase-merge'))).toBe(false);
  });
});
