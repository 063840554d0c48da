/**
 * Review mode's git plumbing on a real repository: commits on a branch nobody has checked out leave the user's index,
 * working tree and checked-out branch exactly as they were, even with GIT_INDEX_FILE set in the environment; the ref
 * moves only by compare-and-swap; blobs come back byte for byte.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, gitdir, tempDir } from './helpers.js';
import { commitTree, mergeTrees, readFiles, resolveCommit, swapRef, treeWith, writeBlobs, type TreeChange } from '../src/store/git/plumbing.js';

afterAll(cleanupTemp);

const saved = process.env.GIT_INDEX_FILE;
afterEach(() => {
  if (saved === undefined) delete process.env.GIT_INDEX_FILE;
  else process.env.GIT_INDEX_FILE = saved;
});

function repo(): { root: string; gitDir: string } {
  const root = gitdir();
  writeFileSync(path.join(root, 'a.txt'), 'a\n');
  git(root, ['add', 'a.txt']);
  git(root, ['commit', '-q', '-m', 'base']);
  return { root, gitDir: path.join(root, '.git') };
}

describe('git plumbing for review mode', () => {
  it("commits on another branch without touching the user's index, working tree or HEAD", async () => {
    const r = repo();
    writeFileSync(path.join(r.root, 'staged.txt'), 'mine\n');
    git(r.root, ['add', 'staged.txt']);
    writeFileSync(path.join(r.root, 'a.txt'), 'edited, not staged\n');
    const index = readFileSync(path.join(r.gitDir, 'index'));
    const head = git(r.root, ['rev-parse', 'HEAD']).trim();
    // A variable inherited from a hook or a parent git must not redirect our plumbing to some other index.
    const foreign = path.join(tempDir(), 'foreign.index');
    process.env.GIT_INDEX_FILE = foreign;

    const [blob] = await writeBlobs(r, ['---\ntype: answer\ntitle: Hi\n---\n']);
    const tree = await treeWith(r, head, [{ path: '.orchestra/docs/w/x.md', blob }]);
    const commit = await commitTree(r, tree, [head], 'orchestra: answer w: Hi\n\nOrchestra-Doc: x\nOrchestra-Actor: daemon\n', 'daemon');
    expect(await swapRef(r, 'refs/heads/orchestra/proposals', commit, undefined, 'test')).toBe(true);
    expect(existsSync(foreign)).toBe(false);
    delete process.env.GIT_INDEX_FILE; // the test's own git calls below read the real index

    expect(git(r.root, ['ls-tree', '-r', '--name-only', 'orchestra/proposals']).trim().split('\n')).toEqual(['.orchestra/docs/w/x.md', 'a.txt']);
    expect(git(r.root, ['log', '-1', '--format=%an <%ae>', 'orchestra/proposals']).trim()).toBe('daemon <daemon@orchestra.invalid>');
    expect(readFileSync(path.join(r.gitDir, 'index')).equals(index)).toBe(true);
    expect(git(r.root, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(git(r.root, ['status', '--porcelain']).trimEnd().split('\n').sort()).toEqual([' M a.txt', 'A  staged.txt']);
    expect(existsSync(path.join(r.root, '.orchestra'))).toBe(false);
    expect(readdirSync(r.gitDir).filter((f) => f.startsWith('orchestra-plumbing-'))).toEqual([]);
  });

  it('moves a ref only from the commit it was read at (compare-and-swap)', async () => {
    const r = repo();
    const head = (await resolveCommit(r, 'HEAD'))!;
    const tree = await treeWith(r, head, []);
    const one = await commitTree(r, tree, [head], 'one\n');
    const two = await commitTree(r, tree, [head], 'two\n');
    const ref = 'refs/heads/orchestra/proposals';
    expect(await swapRef(r, ref, one, undefined, 'create')).toBe(true);
    // Created already: "only if absent" fails; a stale old value fails; the right one wins.
    expect(await swapRef(r, ref, two, undefined, 'again')).toBe(false);
    expect(await swapRef(r, ref, two, head, 'stale')).toBe(false);
    expect(await resolveCommit(r, ref)).toBe(one);
    expect(await swapRef(r, ref, two, one, 'move')).toBe(true);
    expect(await resolveCommit(r, ref)).toBe(two);
    expect(await resolveCommit(r, 'refs/heads/none')).toBeUndefined();
  });

  it('reads several blobs back byte for byte in one batch, and removes paths from a tree', async () => {
    const r = repo();
    const head = (await resolveCommit(r, 'HEAD'))!;
    const texts = ['é ü — ✓\n', 'second\nfile\n', ''];
    const blobs = await writeBlobs(r, texts);
    const paths = ['d/one.md', 'd/two.md', 'd/empty.md'];
    const tree = await treeWith(r, head, paths.map((p, i) => ({ path: p, blob: blobs[i] })));
    const commit = await commitTree(r, tree, [head], 'files\n');
    const back = await readFiles(r, commit, [...paths, 'd/missing.md']);
    expect(paths.map((p) => back.get(p)?.toString('utf8'))).toEqual(texts);
    expect(back.has('d/missing.md')).toBe(false);
    const smaller = await treeWith(r, commit, [{ path: 'd/two.md', blob: undefined }]);
    const after = await commitTree(r, smaller, [commit], 'less\n');
    expect(git(r.root, ['ls-tree', '-r', '--name-only', after]).trim().split('\n')).toEqual(['a.txt', 'd/empty.md', 'd/one.md']);
  });

  it('merges two trees file by file (added on one side, removed on one or both), and refuses a path changed two ways', async () => {
    const r = repo();
    const base = git(r.root, ['rev-parse', 'HEAD']).trim();
    const [x, y, z, z2] = await writeBlobs(r, ['x\n', 'y\n', 'z\n', 'z, otherwise\n']);
    const side = async (changes: TreeChange[]) => commitTree(r, await treeWith(r, base, changes), [base], 'side');
    const ours = await side([{ path: 'docs/x.md', blob: x }, { path: 'a.txt', blob: undefined }]);
    const theirs = await side([{ path: 'docs/y.md', blob: y }, { path: 'a.txt', blob: undefined }]);
    const merged = await mergeTrees(r, ours, theirs);
    expect(merged).toBeDefined();
    const commit = await commitTree(r, merged!, [ours, theirs], 'merged');
    expect(git(r.root, ['ls-tree', '-r', '--name-only', commit]).trim().split('\n')).toEqual(['docs/x.md', 'docs/y.md']);

    const one = await side([{ path: 'docs/z.md', blob: z }]);
    const other = await side([{ path: 'docs/z.md', blob: z2 }]);
    expect(await mergeTrees(r, one, other)).toBeUndefined();
    // The user's index was never used.
    expect(git(r.root, ['status', '--porcelain']).trim()).toBe('');
  });
});
