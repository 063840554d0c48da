import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run, tempDir, waitFor } from './helpers.js';
import { spawn } from 'node:child_process';
import { BIN, baseEnv } from './helpers.js';

afterAll(cleanupTemp);

describe('the git layer', () => {
  it('waits while another process holds .git/index.lock, then commits', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const lock = path.join(dir, '.git', 'index.lock');
    writeFileSync(lock, '');
    const child = spawn(process.execPath, [BIN, 'order', 'worker-core', 'Blocked by a lock'], { cwd: dir, env: baseEnv() });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    // the doc is written but cannot be committed while the lock is there
    await waitFor(() => readdirSync(path.join(dir, '.orchestra/docs/worker-core')).some((f) => f.endsWith('.md')), { message: 'the doc file' });
    expect(child.exitCode).toBeNull();
    unlinkSync(lock);
    expect(await exited).toBe(0);
    expect(err).toBe('');
    expect(git(dir, ['log', '-1', '--format=%s']).trim()).toBe('orchestra: order worker-core: Blocked by a lock');
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    expect(out.trim()).toMatch(/-order-blocked-by-a-lock-/);
  });

  it('a commit that fails leaves nothing staged and no doc behind, with one line saying how to fix it', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    writeFileSync(path.join(dir, 'mine.txt'), 'staged\n');
    git(dir, ['add', 'mine.txt']);
    // no identity anywhere: git refuses to commit
    git(dir, ['config', '--unset', 'user.name']);
    git(dir, ['config', '--unset', 'user.email']);
    const home = tempDir('home-');
    const r = await run(dir, ['order', 'worker-core', 'Will fail'], { env: { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', EMAIL: '', GIT_AUTHOR_NAME: '', GIT_COMMITTER_NAME: '' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('error: git does not know who you are: run `git config user.name "Your Name"` and `git config user.email you@example.com` in this repository');
    expect(readdirSync(path.join(dir, '.orchestra/docs/worker-core')).filter((f) => f.endsWith('.md'))).toEqual([]);
    expect(git(dir, ['diff', '--cached', '--name-only']).trim()).toBe('mine.txt');
    expect(git(dir, ['status', '--porcelain', '--', '.orchestra']).trim()).toBe('');
  });

  it('a command run inside a linked worktree writes to the main worktree and commits on its branch', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    const wt = path.join(tempDir('wt-'), 'nlp');
    git(dir, ['worktree', 'add', '-q', '-b', 'worker/nlp', wt]);
    const id = await ok(wt, ['order', 'worker-nlp', 'From the worktree'], { env: { ORCHESTRA_AS: 'worker-nlp' } });
    expect(existsSync(path.join(dir, '.orchestra/docs/worker-nlp', `${id}.md`))).toBe(true);
    expect(existsSync(path.join(wt, '.orchestra/docs/worker-nlp', `${id}.md`))).toBe(false);
    expect(git(dir, ['log', '-1', '--format=%s', 'main']).trim()).toBe('orchestra: order worker-nlp: From the worktree');
    expect(git(wt, ['log', '-1', '--format=%s']).trim()).not.toContain('From the worktree');
    expect((await okJson(wt, ['pending', 'worker-nlp'])).ready.map((d: { id: string }) => d.id)).toEqual([id]);
    expect(git(wt, ['status', '--porcelain']).trim()).toBe('');
  });

  it('a hand-written doc without created takes the time of its first commit', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const f = path.join(dir, '.orchestra/docs/worker-core/hand-written.md');
    writeFileSync(f, '---\ntype: order\ntitle: By hand\n---\n');
    git(dir, ['add', '.']);
    git(dir, ['commit', '-q', '-m', 'by hand'], { GIT_AUTHOR_DATE: '2026-01-02T03:04:05Z', GIT_COMMITTER_DATE: '2026-01-02T03:04:05Z' });
    const doc = await okJson(dir, ['show', 'hand-written']);
    expect(doc).toMatchObject({ created: '2026-01-02T03:04:05.000Z', from: 'lead', to: 'worker-core', state: 'pending' });
  });
});

describe('the timeline', () => {
  it('gives each doc of a batch commit its own entry, with its type, worker and title', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    await ok(dir, ['daemon', '--once']);
    const q1 = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'First question?']);
    const q2 = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Second question?']);
    const q3 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework?']);
    await ok(dir, ['daemon', '--once']);
    const reactions = git(dir, ['log', '-1', '--format=%(trailers:key=Orchestra-Doc,valueonly)']).trim().split('\n');
    expect(reactions).toHaveLength(3); // one commit for the three reactions
    const log = await okJson(dir, ['log', '--limit', '3']);
    expect(log.map((e: { doc: string }) => e.doc).sort()).toEqual([...reactions].sort());
    const byRe = new Map<string, { type: string; worker: string; title: string; actor: string }>();
    for (const e of log) byRe.set((await okJson(dir, ['show', e.doc])).re, e);
    expect(byRe.get(q1)).toMatchObject({ type: 'escalation', worker: 'worker-core', actor: 'daemon', title: 'Needs the lead: First question?' });
    expect(byRe.get(q2)).toMatchObject({ type: 'escalation', worker: 'worker-core', title: 'Needs the lead: Second question?' });
    expect(byRe.get(q3)).toMatchObject({ type: 'answer', worker: 'worker-infra', title: 'Re: Which test framework?' });
  });
});

describe('commits in odd places', () => {
  it('works on a branch whose name has brackets, and leaves a user\'s plain commit free of its files', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    git(dir, ['checkout', '-q', '-b', 'feat]x']);
    const id = await ok(dir, ['order', 'worker-core', 'On an odd branch']);
    expect(git(dir, ['log', '-1', '--format=%s']).trim()).toBe('orchestra: order worker-core: On an odd branch');
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    // Intent-to-add, as orchestra stages a new doc before its own commit: a plain commit does not take it.
    const f = path.join(dir, '.orchestra/docs/worker-core/hand.md');
    writeFileSync(f, '---\ntype: order\ntitle: Hand\n---\n');
    git(dir, ['add', '--intent-to-add', '--', '.orchestra/docs/worker-core/hand.md']);
    writeFileSync(path.join(dir, 'user.txt'), 'u\n');
    git(dir, ['add', 'user.txt']);
    git(dir, ['commit', '-q', '-m', 'user work']);
    expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim()).toBe('user.txt');
    expect(id).toMatch(/-order-on-an-odd-branch-/);
  });
});
