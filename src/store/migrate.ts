/**
 * `orchestra migrate --to-branch`: an inline workspace (docs committed on the code branch) moved to branch mode in
 * two commits, losing nothing. First, one commit on the new orchestration branch holding every doc, archive and
 * prompt as HEAD has them (built on a temporary index: the user's index is never touched); a doc that relied on
 * its first commit for its creation date gets that date written as `created:`, so every date stays. Then one
 * commit on the user's branch removing `.orchestra/` and adding the `orchestration:` block and the ignore rule.
 * Whatever was not committed under `.orchestra/` (local state, the daemon's cursor, hand-written docs, edits)
 * is carried into the mounted worktree as it was.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { orchestrationBlock } from '../core/templates.js';
import { CONFIG_FILE } from '../core/workers.js';
import { GitFailure, Refusal } from '../errors.js';
import { setFrontmatterKey } from './frontmatter.js';
import { docsGit, messageOf } from './git.js';
import { cleanEnv, oneLine } from './git/exec.js';
import { explainCommitFailure } from './git/commit.js';
import { checkedBranch, findBranch, mountOrchestration, rootIgnoreText } from './orchestration.js';
import { ORCHESTRA_DIR, workspaceAt, type Workspace } from './workspace.js';

export interface Migrated {
  ws: Workspace;
  branch: string;
  /** The commit on the orchestration branch, and how many files it holds. */
  commit: string;
  files: number;
  /** Docs whose first-commit date was written into them as `created:`. */
  dated: number;
  /** The commit on the user's branch, and that branch. */
  codeCommit: string;
  userBranch: string;
  /** Paths carried over uncommitted (local state counts as one). */
  carried: number;
}

/** git with its own index file (and input), for building a tree without touching the user's index. */
function plumbing(root: string, index: string, args: string[], input?: string): string {
  try {
    return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd: root, env: { ...cleanEnv(), GIT_INDEX_FILE: index }, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  } catch (e) {
    throw explainCommitFailure(new GitFailure(`git ${args[0]} failed: ${oneLine(String((e as { stderr?: string }).stderr || (e as Error).message)).slice(0, 300)}`));
  }
}

const hasCreated = (text: string): boolean => /^---\r?\n(?:(?!---\r?\n)[\s\S])*?^created:/m.test(text);

export async function migrateToBranch(ws: Workspace, branch: string): Promise<Migrated> {
  checkedBranch(branch, '--branch');
  if (ws.mode === 'branch') throw new Refusal(`${ws.root} is already in branch mode (docs on branch ${branch}): nothing to migrate`);
  const git = docsGit(ws);
  const where = findBranch(ws.root, branch);
  if (where.local || where.remote) {
    throw new Refusal(`branch "${branch}" already exists${where.remote ? ` (${where.remote.replace(/^refs\/remotes\//, '')})` : ''}: migrate to another with --branch <name>, or attach it with \`orchestra attach\` after removing .orchestra/ from this branch yourself`);
  }
  return git.withWriteLock(async () => {
    const userBranch = (await git.exec(['symbolic-ref', '--short', '-q', 'HEAD']).catch(() => '')).trim();
    if (!userBranch) throw new Refusal('HEAD is detached: check out the branch that holds the workspace first, then migrate');
    const tracked = (await git.exec(['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', ORCHESTRA_DIR])).split('\0').filter(Boolean);
    if (!tracked.length) throw new Refusal(`HEAD has nothing committed under ${ORCHESTRA_DIR}/: nothing to migrate (\`orchestra init --force\` sets branch mode up)`);
    // Paths under .orchestra/ that differ from HEAD or are new: carried over as they are, never committed here.
    const changed = new Set((await git.changedFiles()).filter((p) => p.startsWith(`${ORCHESTRA_DIR}/`)));

    // 1. The orchestration branch: HEAD's `.orchestra/` subtree, plus `created:` for docs dated by their first commit.
    const firsts = await git.firstCommitTimes();
    const index = path.join(ws.gitDir, `orchestra-migrate-${process.pid}.index`);
    let commit: string;
    let dated = 0;
    try {
      const subtree = (await git.exec(['rev-parse', '--verify', '-q', `HEAD:${ORCHESTRA_DIR}`])).trim();
      plumbing(ws.root, index, ['read-tree', subtree]);
      for (const rel of tracked) {
        if (!/^\.orchestra\/(?:docs|archive)\/[^/]+\/[^/]+\.md$/.test(rel)) continue;
        const at = firsts.get(path.basename(rel, '.md'));
        const text = await git.exec(['show', `HEAD:${rel}`]);
        if (!at || hasCreated(text) || !text.startsWith('---')) continue;
        const blob = plumbing(ws.root, index, ['hash-object', '-w', '--stdin'], setFrontmatterKey(text, 'created', at)).trim();
        plumbing(ws.root, index, ['update-index', '--cacheinfo', `100644,${blob},${rel.slice(ORCHESTRA_DIR.length + 1)}`]);
        dated++;
      }
      const tree = plumbing(ws.root, index, ['write-tree']).trim();
      const message = messageOf({ subject: `orchestra: migrate lead: ${tracked.length} files from ${userBranch.slice(0, 100)}`, doc: 'migrate', actor: 'lead' });
      commit = plumbing(ws.root, index, ['commit-tree', '-m', message, '--end-of-options', tree]).trim();
      plumbing(ws.root, index, ['update-ref', '--end-of-options', `refs/heads/${branch}`, commit, '']);
    } finally {
      rmSync(index, { force: true });
    }

    // 2. The user's branch: `.orchestra/` out (set aside meanwhile), the config block and the ignore rule in.
    const mount = path.join(ws.root, ORCHESTRA_DIR);
    const aside = `${mount}.migrate-${process.pid}`;
    const configBefore = readFileSync(ws.configPath, 'utf8');
    const ignorePath = path.join(ws.root, '.gitignore');
    const ignoreBefore = existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : undefined;
    renameSync(mount, aside);
    let codeCommit: string;
    try {
      writeFileSync(ws.configPath, `${configBefore.trimEnd()}\n${orchestrationBlock(branch)}`);
      const ignore = rootIgnoreText(ws.root);
      if (ignore !== undefined) writeFileSync(ignorePath, ignore);
      codeCommit = await git.commitPaths({
        paths: [ORCHESTRA_DIR, CONFIG_FILE, '.gitignore'],
        subject: `orchestra: migrate lead: docs moved to branch ${branch}`,
        doc: 'migrate',
        actor: 'lead',
      });
    } catch (e) {
      writeFileSync(ws.configPath, configBefore);
      if (ignoreBefore === undefined) rmSync(ignorePath, { force: true });
      else writeFileSync(ignorePath, ignoreBefore);
      renameSync(aside, mount);
      await git.exec(['update-ref', '-d', '--end-of-options', `refs/heads/${branch}`, commit]).catch(() => undefined);
      throw e;
    }

    // 3. The worktree at .orchestra/, and everything not committed carried into it as it was.
    const base = workspaceAt(ws.root, ws.gitDir, ws.worktree, 'inline');
    const mounted = mountOrchestration(base, branch, { create: false, ignore: true });
    const committedAsIs = new Set(tracked.filter((p) => !changed.has(p)).map((p) => p.slice(ORCHESTRA_DIR.length + 1)));
    const carried = carry(aside, mount, '', committedAsIs);
    rmSync(aside, { recursive: true, force: true });
    return { ws: mounted.ws, branch, commit: commit.slice(0, 7), files: tracked.length, dated, codeCommit, userBranch, carried };
  });
}

/** Moves what `from` holds into `to`, except files committed as they are (the checkout has them). */
function carry(from: string, to: string, rel: string, committedAsIs: Set<string>): number {
  let n = 0;
  for (const name of readdirSync(path.join(from, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const src = path.join(from, r);
    const dst = path.join(to, r);
    if (statSync(src).isDirectory()) {
      if (!existsSync(dst)) {
        renameSync(src, dst);
        n++;
      } else n += carry(from, to, r, committedAsIs);
      continue;
    }
    if (committedAsIs.has(r)) continue;
    mkdirSync(path.dirname(dst), { recursive: true });
    if (existsSync(dst)) unlinkSync(dst);
    renameSync(src, dst);
    n++;
  }
  return n;
}
