import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, run } from './helpers.js';

afterAll(cleanupTemp);

describe('many writers at once', () => {
  it('4 processes x 50 CLI writes: all committed, none failed, fsck clean, the user\'s staged and unstaged changes untouched', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra,worker-nlp,worker-ui' });
    // The user is in the middle of their own work: one staged change, one unstaged edit, one untracked file.
    writeFileSync(path.join(dir, 'README.md'), 'v1\n');
    git(dir, ['add', 'README.md']);
    git(dir, ['commit', '-q', '-m', 'user readme']);
    writeFileSync(path.join(dir, 'staged.txt'), 'staged by the user\n');
    git(dir, ['add', 'staged.txt']);
    writeFileSync(path.join(dir, 'README.md'), 'v2, not staged\n');
    writeFileSync(path.join(dir, 'untracked.txt'), 'mine\n');
    const headBefore = git(dir, ['rev-parse', 'HEAD']).trim();

    const workers = ['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui'];
    const writer = async (w: string, k: number) => {
      const results = [];
      for (let i = 0; i < 50; i++) {
        // a mix of writes: orders from the lead, and doubts from the worker itself
        const args = i % 2 === 0 ? ['order', w, `Task ${k}-${i}`, '--body', `body ${i}`] : ['--as', w, 'doubt', w, `Question ${k}-${i}`];
        results.push(await run(dir, args, { timeoutMs: 180_000 }));
      }
      return results;
    };
    const all = (await Promise.all(workers.map((w, k) => writer(w, k)))).flat();

    const failed = all.filter((r) => r.exitCode !== 0);
    expect(failed.map((r) => r.stderr)).toEqual([]);
    const ids = all.map((r) => r.stdout.trim());
    expect(new Set(ids).size).toBe(200);

    const tracked = git(dir, ['ls-files', '.orchestra/docs']).trim().split('\n').filter((f) => f.endsWith('.md'));
    expect(tracked).toHaveLength(200);
    for (const id of ids) expect(tracked.some((f) => f.endsWith(`/${id}.md`))).toBe(true);
    // one commit per write, each with its trailers
    expect(Number(git(dir, ['rev-list', '--count', `${headBefore}..HEAD`]).trim())).toBe(200);
    const docTrailers = git(dir, ['log', `${headBefore}..HEAD`, '--format=%(trailers:key=Orchestra-Doc,valueonly)']).trim().split('\n').filter(Boolean);
    expect(new Set(docTrailers)).toEqual(new Set(ids));

    // dangling trees are normal (the index's cache-tree with the user's staged file); errors are not
    expect(git(dir, ['fsck', '--no-progress', '--no-dangling', '--strict']).trim()).toBe('');
    // the user's work: still staged, still uncommitted, the edit untouched
    const diag = () => `dir: ${dir}\nstatus:\n${git(dir, ['status', '--porcelain'])}\nlog of staged.txt:\n${git(dir, ['log', '--format=%h %s', '--', 'staged.txt'])}`;
    expect(git(dir, ['diff', '--cached', '--name-only']).trim(), diag()).toBe('staged.txt');
    expect(git(dir, ['log', '--format=%H', '--', 'staged.txt']).trim()).toBe('');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('v2, not staged\n');
    expect(git(dir, ['diff', '--name-only']).trim()).toBe('README.md');
    expect(git(dir, ['status', '--porcelain', '--', '.orchestra']).trim()).toBe('');
    expect(readFileSync(path.join(dir, 'untracked.txt'), 'utf8')).toBe('mine\n');
  }, 600_000);
});
