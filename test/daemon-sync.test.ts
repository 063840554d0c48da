/**
 * `sync:` in orchestra.yaml: a doc arriving through `git pull` from another clone is handled, the reaction is
 * pushed back, and the person's uncommitted changes in the daemon's clone are never touched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, gitdir, makeWorkspace, ok, tempDir, waitFor } from './helpers.js';
import { configure, docsOnDisk, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

describe('daemon sync through a git remote', () => {
  it('handles a doubt pushed from another clone and pushes its answer back', async () => {
    const remote = tempDir('orchestra-remote-');
    git(remote, ['init', '-q', '--bare', '-b', 'main']);
    const a = await makeWorkspace();
    configure(a, 'faq:\n  - match: "framework"\n    answer: "Use vitest."\nsync:\n  remote: origin\n  branch: main\n  interval: 1s');
    writeFileSync(path.join(a, 'notes.txt'), 'committed\n');
    git(a, ['add', 'notes.txt']);
    git(a, ['commit', '-q', '-m', 'notes']);
    git(a, ['remote', 'add', 'origin', remote]);
    git(a, ['push', '-q', '-u', 'origin', 'main']);
    // The person's unfinished edit in the daemon's clone.
    writeFileSync(path.join(a, 'notes.txt'), 'my unsaved thoughts\n');

    const b = gitdir(tempDir('orchestra-clone-'));
    git(b, ['remote', 'add', 'origin', remote]);
    git(b, ['pull', '-q', 'origin', 'main']);

    const d = await startDaemonCli(a);
    try {
      const q = await ok(b, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework?']);
      git(b, ['push', '-q', 'origin', 'main']);
      await d.waitForOutput(new RegExp(`doubt ${q} .*answered`), 60_000);
      const answer = await waitFor(
        () => {
          git(b, ['pull', '-q', '--ff-only', 'origin', 'main']);
          return docsOnDisk(b).find((x) => x.fm.from === 'daemon' && x.fm.re === q);
        },
        { timeoutMs: 60_000, intervalMs: 300, message: 'the answer pushed back to the remote' },
      );
      expect(answer.fm.type).toBe('answer');
      expect(readFileSync(path.join(a, 'notes.txt'), 'utf8')).toBe('my unsaved thoughts\n');
      expect(git(a, ['status', '--porcelain']).trim()).toBe('M notes.txt');
      expect(git(a, ['rev-parse', 'HEAD']).trim()).toBe(git(b, ['rev-parse', 'HEAD']).trim());
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });
});

describe('syncOnce', () => {
  it('never publishes the person\'s own unpushed commits, and merges instead of rebasing over uncommitted work', async () => {
    const { syncOnce } = await import('../src/daemon/sync.js');
    const { Git } = await import('../src/store/git.js');
    const remote = tempDir('orchestra-remote-');
    git(remote, ['init', '-q', '--bare', '-b', 'main']);
    const a = await makeWorkspace({ workers: 'worker-core' });
    git(a, ['remote', 'add', 'origin', remote]);
    git(a, ['push', '-q', '-u', 'origin', 'main']);
    const cfg = { remote: 'origin', branch: 'main', intervalMs: 1000 };

    // A commit of the person's own, not pushed: sync waits and says why.
    writeFileSync(path.join(a, 'mine.txt'), 'mine\n');
    git(a, ['add', 'mine.txt']);
    git(a, ['commit', '-q', '-m', 'my own work']);
    await ok(a, ['order', 'worker-core', 'After my work']);
    const waited = await syncOnce(new Git(a), cfg);
    expect(waited.pushed).toBe(0);
    expect(waited.warning).toMatch(/commits of your own not yet on origin: sync waits/);
    expect(git(remote, ['log', '--format=%s', 'main']).trim().split('\n')).not.toContain('my own work');

    // Once the person pushed theirs, orchestra's commits go; with uncommitted work and the remote ahead, a merge.
    git(a, ['push', '-q', 'origin', 'main']);
    const b = gitdir(tempDir('orchestra-clone-'));
    git(b, ['remote', 'add', 'origin', remote]);
    git(b, ['pull', '-q', 'origin', 'main']);
    await ok(b, ['order', 'worker-core', 'From the other clone']);
    git(b, ['push', '-q', 'origin', 'main']);
    // Each write pushes at once; with the remote away, A's write stays here (the write still succeeds).
    renameSync(remote, `${remote}.away`);
    await ok(a, ['order', 'worker-core', 'From this clone']);
    renameSync(`${remote}.away`, remote);
    writeFileSync(path.join(a, 'mine.txt'), 'unsaved\n');
    const merged = await syncOnce(new Git(a), cfg);
    expect(merged.warning).toBeUndefined();
    expect(merged).toMatchObject({ pulled: 1, pushed: 1 });
    expect(readFileSync(path.join(a, 'mine.txt'), 'utf8')).toBe('unsaved\n');
    expect(git(remote, ['log', '--format=%s', 'main']).trim().split('\n')).toEqual(expect.arrayContaining(['orchestra: order worker-core: From this clone', 'orchestra: order worker-core: From the other clone']));
  });
});
