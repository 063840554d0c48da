/**
 * Commits on a branch nobody has checked out, with git's plumbing only: blobs written with `hash-object -w`, a tree
 * built in a temporary index of our own (`GIT_INDEX_FILE` inside the git dir, removed afterwards), `commit-tree`,
 * and `update-ref <ref> <new> <old>` as a compare-and-swap. No working tree, no user's index, no hooks, no lock
 * but the ref's own: what review mode needs to keep proposals off every checkout.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { GIT_CONFIG, cleanEnv, execGit, type ExecOptions } from './exec.js';

/** What plumbing needs of a repository: where git runs, and the git dir for the temporary index. */
export interface PlumbingRepo {
  readonly root: string;
  readonly gitDir: string;
}

const run = (repo: PlumbingRepo, args: string[], opts?: ExecOptions) => execGit(repo.root, args, opts);

/** The commit a ref points at, or undefined when the ref does not exist (a branch not made yet). */
export async function resolveCommit(repo: PlumbingRepo, ref: string): Promise<string | undefined> {
  try {
    return (await run(repo, ['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether `a` is an ancestor of (or equal to) `b`. */
export async function isAncestor(repo: PlumbingRepo, a: string, b: string): Promise<boolean> {
  try {
    await run(repo, ['merge-base', '--is-ancestor', '--end-of-options', a, b]);
    return true;
  } catch {
    return false;
  }
}

/** Paths of the files under `prefixes` in a commit's tree (`/`-separated). */
export async function listTree(repo: PlumbingRepo, commit: string, prefixes: readonly string[]): Promise<string[]> {
  const out = await run(repo, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', commit, '--', ...prefixes]);
  return out.split('\0').filter(Boolean);
}

/** git's stdout as bytes (blob sizes count bytes, so the batch output must not be decoded first). */
function gitBytes(repo: PlumbingRepo, args: string[], input: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', [...GIT_CONFIG.flatMap((c) => ['-c', c]), ...args], { cwd: repo.root, env: cleanEnv(), maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stderr.toString('utf8') || err.message}`.trim()));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

/** The bytes of `<commit>:<path>` for each path, in one `cat-file --batch` (a missing one is left out). */
export async function readFiles(repo: PlumbingRepo, commit: string, paths: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (!paths.length) return out;
  // Paths come from ls-tree of the same commit; a newline in one would break the batch protocol, so it is skipped.
  const asked = paths.filter((p) => !p.includes('\n'));
  const buf = await gitBytes(repo, ['cat-file', '--batch'], asked.map((p) => `${commit}:${p}\n`).join(''));
  let at = 0;
  for (const p of asked) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString('utf8');
    at = nl + 1;
    const m = /^[0-9a-f]+ blob (\d+)$/.exec(header);
    if (!m) continue; // `<object> missing`
    const size = Number(m[1]);
    out.set(p, Buffer.from(buf.subarray(at, at + size)));
    at += size + 1;
  }
  return out;
}

/** Writes each text as a blob; returns their ids in the same order. */
export async function writeBlobs(repo: PlumbingRepo, texts: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  // One process per blob: `hash-object --stdin` reads one object; proposals come a handful at a time.
  for (const t of texts) ids.push((await run(repo, ['hash-object', '-w', '--stdin'], { input: t })).trim());
  return ids;
}

export interface TreeChange {
  /** Path in the tree, `/`-separated. */
  path: string;
  /** The blob to put there, or undefined to remove the path. */
  blob: string | undefined;
}

/**
 * The tree of `base` (a commit, or none: empty) with `changes` applied, built in a temporary index file inside the
 * git dir: the user's index is never read or written.
 */
export async function treeWith(repo: PlumbingRepo, base: string | undefined, changes: readonly TreeChange[]): Promise<string> {
  const index = path.join(repo.gitDir, `orchestra-plumbing-${process.pid}-${randomBytes(4).toString('hex')}.index`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await run(repo, base ? ['read-tree', '--end-of-options', base] : ['read-tree', '--empty'], { env });
    const adds = changes.filter((c) => c.blob).map((c) => `100644 ${c.blob}\t${c.path}\n`).join('');
    if (adds) await run(repo, ['update-index', '--add', '-z', '--index-info'], { env, input: adds.replace(/\n/g, '\0') });
    const removes = changes.filter((c) => !c.blob).map((c) => c.path);
    if (removes.length) await run(repo, ['update-index', '--force-remove', '-z', '--stdin'], { env, input: removes.map((p) => `${p}\0`).join('') });
    return (await run(repo, ['write-tree'], { env })).trim();
  } finally {
    rmSync(index, { force: true });
    rmSync(`${index}.lock`, { force: true });
  }
}

/**
 * The three-way merge of two commits' trees when it needs no content merge (each path changed on one side only,
 * or the same way on both: what adding and removing whole files gives), in a temporary index as `treeWith`;
 * undefined when a path was changed differently on both sides.
 */
export async function mergeTrees(repo: PlumbingRepo, ours: string, theirs: string): Promise<string | undefined> {
  // Unrelated histories merge from the empty tree (asked of git: its id depends on the object format).
  const base = (await run(repo, ['merge-base', '--end-of-options', ours, theirs]).catch(() => '')).trim() || (await run(repo, ['hash-object', '-t', 'tree', '--stdin'], { input: '' })).trim();
  const index = path.join(repo.gitDir, `orchestra-plumbing-${process.pid}-${randomBytes(4).toString('hex')}.index`);
  const env = { GIT_INDEX_FILE: index };
  try {
    // --aggressive also settles a path removed on one side and unchanged on the other, or removed on both.
    await run(repo, ['read-tree', '-m', '-i', '--aggressive', '--end-of-options', base, ours, theirs], { env });
    return (await run(repo, ['write-tree'], { env })).trim();
  } catch {
    return undefined; // unmerged paths: write-tree refuses
  } finally {
    rmSync(index, { force: true });
    rmSync(`${index}.lock`, { force: true });
  }
}

/** The tree of a commit. */
export async function treeOf(repo: PlumbingRepo, commit: string): Promise<string> {
  return (await run(repo, ['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`])).trim();
}

/**
 * A commit of `tree` with `parents` and `message`; `author` names the author (its email `<name>@orchestra.invalid`,
 * as the porcelain writer does), else git's configured identity.
 */
export async function commitTree(repo: PlumbingRepo, tree: string, parents: readonly string[], message: string, author?: string): Promise<string> {
  const env = author ? { GIT_AUTHOR_NAME: author, GIT_AUTHOR_EMAIL: `${author}@orchestra.invalid` } : undefined;
  const args = ['commit-tree', ...parents.flatMap((p) => ['-p', p]), '-F', '-', '--end-of-options', tree];
  return (await run(repo, args, { env, input: message })).trim();
}

/** Moves `ref` to `next` only if it still points at `old` (undefined: only if it does not exist). False when it moved. */
export async function swapRef(repo: PlumbingRepo, ref: string, next: string, old: string | undefined, reason: string): Promise<boolean> {
  try {
    await run(repo, ['update-ref', '-m', reason, '--end-of-options', ref, next, old ?? '']);
    return true;
  } catch (e) {
    if (/cannot lock ref|but expected|already exists|is at .* but expected|reference already exists/i.test((e as Error).message)) return false;
    throw e;
  }
}
