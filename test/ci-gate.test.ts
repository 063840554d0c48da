/**
 * The CI gate: `validate --changed <base>` checks only the docs changed since <base> (plus orchestra.yaml), prints
 * GitHub annotations under GitHub Actions; `hook install` adds a pre-commit hook that refuses invalid staged docs.
 * Real repositories, the spawned CLI, real `git commit` running the hook.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorAnnotation, problemLine } from '../src/core/annotations.js';
import { writeDocFile } from './factories.js';
import { baseEnv, cleanupTemp, git, makeWorkspace, ok, run } from './helpers.js';

afterAll(cleanupTemp);

const GOOD = { type: 'order', title: 'A good order' };

function commitAll(dir: string, message: string): void {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', message]);
}

/** A workspace whose main branch already holds an invalid doc, and a feature branch off it. */
async function withOldBadDoc(): Promise<string> {
  const dir = await makeWorkspace();
  writeDocFile(dir, 'worker-core', 'old-bad', { type: 'order', title: 'Old', priority: 'urgent' });
  commitAll(dir, 'an invalid doc from long ago');
  git(dir, ['switch', '-q', '-c', 'feature']);
  return dir;
}

describe('validate --changed <base>', () => {
  it('checks only the docs changed since the base: exit 0 while the bad doc is unchanged, 3 on a bad changed doc', async () => {
    const dir = await withOldBadDoc();
    writeDocFile(dir, 'worker-core', 'new-good', GOOD);
    commitAll(dir, 'a good doc');
    expect((await run(dir, ['validate'])).exitCode).toBe(3); // the whole workspace has the old problem
    const changed = await run(dir, ['validate', '--changed', 'main']);
    expect(changed.exitCode).toBe(0);
    expect(changed.stdout.trim()).toBe('✔ orchestra.yaml and 1 changed doc are valid');

    writeDocFile(dir, 'worker-core', 'new-bad', { type: 'order', title: 'New', after: '[no-such-order]' });
    commitAll(dir, 'a bad doc');
    const bad = await run(dir, ['validate', '--changed', 'main']);
    expect(bad.exitCode).toBe(3);
    expect(bad.stdout.trim()).toBe('.orchestra/docs/worker-core/new-bad.md: after[0]: waits for "no-such-order", which is not a doc of this workspace: it would wait forever');
    const json = JSON.parse((await run(dir, ['validate', '--changed', 'main', '--json'])).stdout);
    expect(json.checked).toEqual(['.orchestra/docs/worker-core/new-bad.md', '.orchestra/docs/worker-core/new-good.md']);
    expect(json.problems).toHaveLength(1);

    // Uncommitted and untracked docs are changes too; the config is always checked.
    writeDocFile(dir, 'worker-core', 'draft', { type: 'bogus', title: 'Draft' });
    const draft = JSON.parse((await run(dir, ['validate', '--changed', 'main', '--json'])).stdout);
    expect(draft.problems.map((p: { file: string }) => p.file)).toEqual(['.orchestra/docs/worker-core/new-bad.md', '.orchestra/docs/worker-core/draft.md'].sort());
  });

  it('counts changes from where the base and HEAD meet, so docs added on the base later are not checked', async () => {
    const dir = await withOldBadDoc();
    writeDocFile(dir, 'worker-core', 'mine', GOOD);
    commitAll(dir, 'mine');
    git(dir, ['switch', '-q', 'main']);
    writeDocFile(dir, 'worker-core', 'theirs-bad', { type: 'order', title: 'Theirs', priority: 'urgent' });
    commitAll(dir, 'theirs');
    git(dir, ['switch', '-q', 'feature']);
    expect((await run(dir, ['validate', '--changed', 'main'])).exitCode).toBe(0);
  });

  it('prints GitHub annotations, escaped, under GitHub Actions', async () => {
    const dir = await withOldBadDoc();
    writeDocFile(dir, 'worker-core', 'pct', { type: 'order', title: 'Percent', priority: '100%' });
    mkdirSync(path.join(dir, '.orchestra/docs/we,ird:x'), { recursive: true });
    writeFileSync(path.join(dir, '.orchestra/docs/we,ird:x/stray.md'), '---\ntype: order\ntitle: Stray\n---\n');
    commitAll(dir, 'two bad docs');
    const r = await run(dir, ['validate', '--changed', 'main'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.exitCode).toBe(3);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toEqual([
      '::error file=.orchestra/docs/we%2Cird%3Ax/stray.md,line=1::is in the folder of unknown worker "we,ird:x": declare the worker in orchestra.yaml or move the doc',
      '::error file=.orchestra/docs/worker-core/pct.md,line=4::priority: unknown priority "100%25": use high, medium or low',
    ]);
    // Without GitHub Actions: the plain lines only.
    const plain = await run(dir, ['validate', '--changed', 'main']);
    expect(plain.stdout).not.toContain('::error');
  });

  it('refuses a base git could read as an option, or that names no commit (exit 2)', async () => {
    const dir = await withOldBadDoc();
    for (const base of ['--output=/tmp/x', 'a b', 'main..HEAD']) {
      const r = await run(dir, ['validate', `--changed=${base}`]);
      expect(r.exitCode, base).toBe(2);
      expect(r.stderr).toMatch(/^error: --changed/);
    }
    const unknown = await run(dir, ['validate', '--changed', 'origin/main']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('names no commit in this repository');
  });

  it('escapes messages and properties as GitHub says, and finds the line of a field', () => {
    expect(errorAnnotation({ file: 'a,b:c.md', field: '-', message: '50% done\r\nnext' }, 7)).toBe('::error file=a%2Cb%3Ac.md,line=7::50%25 done%0D%0Anext');
    const text = '---\ntype: order\ntitle: T\nafter:\n  - x\n---\n';
    expect(problemLine(text, { file: 'f', field: 'after[0]', message: 'm' })).toBe(4);
    expect(problemLine(text, { file: 'f', field: 'title', message: 'm' })).toBe(3);
    expect(problemLine(undefined, { file: 'f', field: '-', message: 'broken YAML at line 9: x' })).toBe(9);
  });
});

describe('hook install', () => {
  /** A workspace where git runs hooks (the test repositories turn them off by default). */
  async function hooked(): Promise<string> {
    const dir = await makeWorkspace();
    git(dir, ['config', '--unset', 'core.hooksPath']);
    return dir;
  }

  /** `git commit` as a person runs it, hooks and all; the hook's orchestra gets the test environment. */
  function commit(dir: string, args: string[]): { code: number; out: string } {
    try {
      const out = git(dir, ['commit', '-q', ...args], baseEnv());
      return { code: 0, out };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, out: `${err.stdout}${err.stderr}` };
    }
  }

  it('refuses a commit with an invalid staged doc and lets a good one through', async () => {
    const dir = await hooked();
    const installed = await ok(dir, ['hook', 'install']);
    expect(installed).toBe(`pre-commit hook installed: ${path.join(dir, '.git', 'hooks', 'pre-commit')}`);
    const head = () => git(dir, ['rev-parse', 'HEAD']).trim();

    writeDocFile(dir, 'worker-core', 'good', GOOD);
    git(dir, ['add', '.orchestra/docs/worker-core/good.md']);
    const before = head();
    expect(commit(dir, ['-m', 'good doc']).code).toBe(0);
    expect(head()).not.toBe(before);

    writeDocFile(dir, 'worker-core', 'bad', { type: 'order', title: 'Bad', priority: 'urgent' });
    git(dir, ['add', '.orchestra/docs/worker-core/bad.md']);
    const refused = commit(dir, ['-m', 'bad doc']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('.orchestra/docs/worker-core/bad.md: priority: unknown priority "urgent"');
    const stuck = head();

    // What is checked is what is staged: fixing the file without staging the fix is still refused...
    writeDocFile(dir, 'worker-core', 'bad', { type: 'order', title: 'Bad', priority: 'high' });
    expect(commit(dir, ['-m', 'bad doc']).code).not.toBe(0);
    expect(head()).toBe(stuck);
    // ...and `git commit -a` (a temporary index) is checked as it will be committed.
    expect(commit(dir, ['-a', '-m', 'fixed doc']).code).toBe(0);
    expect(git(dir, ['show', 'HEAD:.orchestra/docs/worker-core/bad.md'])).toContain('priority: high');

    // A commit that stages no doc passes; a broken doc left unstaged does not stop it.
    writeDocFile(dir, 'worker-core', 'unstaged', { type: 'nonsense', title: 'X' });
    writeFileSync(path.join(dir, 'code.txt'), 'code\n');
    git(dir, ['add', 'code.txt']);
    expect(commit(dir, ['-m', 'code only']).code).toBe(0);
  });

  it("never replaces someone else's hook: refuses, or with --chain runs it first", async () => {
    const dir = await hooked();
    const theirs = path.join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(theirs, `#!/bin/sh\necho theirs ran >> "${path.join(dir, 'ran.txt')}"\n`);
    chmodSync(theirs, 0o755);
    const refused = await run(dir, ['hook', 'install']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('already exists and is not orchestra');
    expect(readFileSync(theirs, 'utf8')).toContain('theirs ran');

    expect(await ok(dir, ['hook', 'install', '--chain'])).toBe(`pre-commit hook installed, running the existing hook first: ${theirs}`);
    expect(readFileSync(path.join(dir, '.git', 'hooks', 'pre-commit.before-orchestra'), 'utf8')).toContain('theirs ran');
    writeDocFile(dir, 'worker-core', 'bad', { type: 'order', title: 'Bad', priority: 'urgent' });
    git(dir, ['add', '-A']);
    expect(commit(dir, ['-m', 'bad']).code).not.toBe(0);
    expect(readFileSync(path.join(dir, 'ran.txt'), 'utf8')).toBe('theirs ran\n');
    // Installing again updates orchestra's hook and keeps the chain.
    expect(await ok(dir, ['hook', 'install'])).toBe(`pre-commit hook updated: ${theirs}`);
    expect(readFileSync(theirs, 'utf8')).toContain('pre-commit.before-orchestra');
  });

  it("goes where core.hooksPath points, and refuses a hooksPath that turns hooks off", async () => {
    const dir = await hooked();
    git(dir, ['config', 'core.hooksPath', '.githooks']);
    expect(await ok(dir, ['hook', 'install'])).toBe(`pre-commit hook installed: ${path.join(dir, '.githooks', 'pre-commit')}`);
    expect(existsSync(path.join(dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    writeDocFile(dir, 'worker-core', 'bad', { type: 'order', title: 'Bad', priority: 'urgent' });
    git(dir, ['add', '.orchestra']);
    expect(commit(dir, ['-m', 'bad']).code).not.toBe(0);

    git(dir, ['config', 'core.hooksPath', '/dev/null']);
    const off = await run(dir, ['hook', 'install']);
    expect(off.exitCode).toBe(1);
    expect(off.stderr).toContain('core.hooksPath is /dev/null');
  });
});
