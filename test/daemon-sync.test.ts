/**
 * `sync:` in orchestra.yaml: a doc arriving through `git pull` from another clone is handled, the reaction is
 * pushed back, and the person's uncommitted changes in the daemon's clone are never touched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
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
