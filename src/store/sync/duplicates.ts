/**
 * Exactly once across clones, where the lease cannot promise it: a daemon that reacted to a trigger and could not
 * push (the remote went away, or it was killed between its commit and its push) loses the lease, and the daemon
 * that takes it over reacts to the same trigger, since no reaction reached the remote. When the first clone syncs
 * again, its own unpushed reaction and the one coming in would both land: two answers to one doubt.
 *
 * So before a round integrates, the daemon docs this clone added and has not pushed are compared with the daemon
 * docs coming in; each of ours whose trigger already has a reaction coming in is taken out again, in a commit of
 * its own, before anything is pushed. The remote, and every other clone, never see it. Only what is new on either
 * side is read (the docs added since the two histories parted), never the whole tree.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { docsTreePrefix } from '../docs-branch.js';
import { parseDocFile } from '../frontmatter.js';
import type { Git } from '../git.js';
import { subjectOf } from '../git/commit.js';
import { execGit } from '../git/exec.js';
import { readFiles, treeOf, treeWith } from '../git/plumbing.js';
import type { Workspace } from '../workspace.js';

export interface DuplicateReaction {
  /** Path in the docs' branch tree (relative to the worktree the sync runs in). */
  treePath: string;
  id: string;
  worker: string;
  /** The trigger both reactions answer. */
  re: string;
}

interface Added {
  treePath: string;
  re: string;
}

/** Daemon docs added on `from`'s side since it parted from `other` (`git diff other...from`), with their trigger. */
async function addedReactions(ws: Workspace, git: Git, other: string, from: string): Promise<Added[]> {
  const prefix = `${docsTreePrefix(ws)}docs/`;
  const out = await git.exec(['diff', '--name-only', '-z', '--no-renames', '--diff-filter=A', '--end-of-options', `${other}...${from}`, '--', prefix]);
  const paths = out.split('\0').filter((p) => p.endsWith('.md'));
  if (!paths.length) return [];
  const files = await readFiles({ root: git.cwd, gitDir: git.gitDir }, from, paths);
  const added: Added[] = [];
  for (const treePath of paths) {
    const bytes = files.get(treePath);
    if (!bytes) continue;
    const parsed = parseDocFile(bytes);
    // The daemon writes its docs in the canonical form: `from: daemon` and `re: <id>` as they are.
    if (parsed.ok && parsed.data.from === 'daemon' && typeof parsed.data.re === 'string') added.push({ treePath, re: parsed.data.re });
  }
  return added;
}

/**
 * Before integrating `upstream`: this clone's unpushed daemon reactions whose trigger has a daemon reaction coming
 * in from `upstream` (none when either side added no daemon doc).
 */
export async function findDuplicateReactions(ws: Workspace, git: Git, upstream: string): Promise<DuplicateReaction[]> {
  const ours = await addedReactions(ws, git, upstream, 'HEAD');
  if (!ours.length) return [];
  const theirs = new Set((await addedReactions(ws, git, 'HEAD', upstream)).map((a) => a.re));
  return ours
    .filter((a) => theirs.has(a.re))
    .map((a) => {
      const m = /(?:^|\/)docs\/([^/]+)\/([^/]+)\.md$/.exec(a.treePath)!;
      return { treePath: a.treePath, worker: m[1], id: m[2], re: a.re };
    });
}

/**
 * After integrating: takes the duplicates out of this clone's unpushed commits (the caller holds the write lock).
 * When those commits sit in a straight line on `upstream` (a rebase or a fast-forward integrated them), they are
 * rewritten without the duplicates (same messages less the dropped `Orchestra-Doc` trailers, same authors and
 * dates; a commit left empty goes), and the branch and the worktree move to the result with `reset --keep`, which
 * never touches anything else: so not even the history that is pushed holds them. Otherwise (a merge kept the
 * person's uncommitted work), one commit removes them. Those no longer in HEAD are skipped. Returns their ids.
 */
export async function dropDuplicateReactions(ws: Workspace, git: Git, dups: readonly DuplicateReaction[], upstream: string): Promise<string[]> {
  const held = new Set((await git.exec(['ls-tree', '-r', '-z', '--name-only', '--end-of-options', 'HEAD', '--', ...dups.map((d) => d.treePath)])).split('\0').filter(Boolean));
  const gone = dups.filter((d) => held.has(d.treePath));
  if (!gone.length) return [];
  if (await rewriteWithout(git, gone, upstream)) return gone.map((d) => d.id);
  const first = gone[0];
  // Removed, then exactly those paths committed as deletions; on failure each file is put back as it was.
  const files = gone.map((d) => ({ rel: path.relative(ws.root, path.join(git.cwd, d.treePath)).split(path.sep).join('/'), abs: path.join(git.cwd, d.treePath) }));
  const kept = files.map((f) => ({ ...f, bytes: existsSync(f.abs) ? readFileSync(f.abs) : undefined }));
  for (const f of files) rmSync(f.abs, { force: true });
  try {
    await git.commitPaths({
      paths: files.map((f) => f.rel),
      subject: subjectOf('drop', first.worker, `duplicate reaction to ${first.re}${gone.length > 1 ? ` (+${gone.length - 1} more)` : ''}`),
      doc: first.id,
      moreDocs: gone.slice(1).map((d) => d.id),
      actor: 'daemon',
      authorName: 'daemon',
    });
  } catch (e) {
    for (const f of kept) if (f.bytes) writeFileSync(f.abs, f.bytes);
    throw e;
  }
  return gone.map((d) => d.id);
}

/** `upstream..HEAD` rebuilt without the duplicates; false (nothing changed) when that range holds a merge. */
async function rewriteWithout(git: Git, gone: readonly DuplicateReaction[], upstream: string): Promise<boolean> {
  const repo = { root: git.cwd, gitDir: git.gitDir };
  const head = (await git.exec(['rev-parse', '--verify', 'HEAD'])).trim();
  const lines = (await git.exec(['rev-list', '--reverse', '--parents', '--end-of-options', `${upstream}..${head}`])).trim().split('\n').filter(Boolean);
  if (!lines.length || lines.some((l) => l.split(' ').length !== 2)) return false;
  const ids = new Set(gone.map((d) => d.id));
  let parent = (await git.exec(['rev-parse', '--verify', '--end-of-options', `${upstream}^{commit}`])).trim();
  for (const line of lines) {
    const commit = line.split(' ')[0];
    const tree = await treeWith(repo, commit, gone.map((d) => ({ path: d.treePath, blob: undefined })));
    // Nothing of its own left once the duplicates are out: the commit goes.
    if (tree === (await treeOf(repo, parent))) continue;
    const info = (await git.exec(['show', '-s', '--format=%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B', '--end-of-options', commit])).split('\0');
    const [an, ae, ad, cn, ce, cd] = info;
    const message = info.slice(6).join('\0').split('\n').filter((l) => !(/^Orchestra-Doc: /.test(l) && ids.has(l.slice(15).trim()))).join('\n');
    parent = (await execGit(git.cwd, ['commit-tree', '-p', parent, '-F', '-', '--end-of-options', tree], {
      input: message,
      env: { GIT_AUTHOR_NAME: an, GIT_AUTHOR_EMAIL: ae, GIT_AUTHOR_DATE: ad, GIT_COMMITTER_NAME: cn, GIT_COMMITTER_EMAIL: ce, GIT_COMMITTER_DATE: cd },
    })).trim();
  }
  // Moves the branch, its index and its files from HEAD to the rewrite: only the dropped files differ.
  // (`reset` takes no --end-of-options in git 2.39; `parent` is a commit id commit-tree printed.)
  if (!/^[0-9a-f]{40,64}$/.test(parent)) throw new Error(`commit-tree printed "${parent.slice(0, 80)}", not a commit id`);
  await git.exec(['reset', '-q', '--keep', parent]);
  return true;
}
