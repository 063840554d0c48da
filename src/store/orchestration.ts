/**
 * Branch mode's one place that knows the orchestration branch and where it is checked out (DESIGN.md "Files"):
 * making the branch, mounting it as a linked worktree at `<main checkout>/.orchestra/`, attaching a clone whose
 * remote has it, keeping `.orchestra/` ignored in the main checkout, and checking all of that for `doctor`.
 * Synchronous: the first command in a fresh clone attaches before it does anything else.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { branchNameProblem, BRANCH_HINT } from '../core/refname.js';
import { CONFIG_FILE, DEFAULT_ORCHESTRATION_BRANCH } from '../core/workers.js';
import { GitFailure, NotFoundError, Refusal, UsageError } from '../errors.js';
import { execGitSync, oneLine } from './git/exec.js';
import { explainCommitFailure } from './git/commit.js';
import { declaresBranchMode, mountedGitDir, ORCHESTRA_DIR, workspaceAt, type Workspace } from './workspace.js';

/** The ignore rule that keeps the mounted worktree out of the main checkout. */
export const IGNORE_RULE = `/${ORCHESTRA_DIR}/`;

function git(cwd: string, args: string[]): string {
  try {
    return execGitSync(cwd, args);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new GitFailure(`git ${args[0]} failed: ${oneLine(String(err.stderr || err.message)).slice(0, 300)}`);
  }
}

function succeeds(cwd: string, args: string[]): boolean {
  try {
    execGitSync(cwd, args);
    return true;
  } catch {
    return false;
  }
}

/** The branch name, or a clear refusal: it reaches git, so it must be a branch name and never an option. */
export function checkedBranch(branch: string, where = `${CONFIG_FILE} orchestration.branch`): string {
  const problem = branchNameProblem(branch);
  if (problem) throw new UsageError(`${where} "${branch.slice(0, 100)}" ${problem}: ${BRANCH_HINT}`);
  return branch;
}

/** `orchestration.branch` from orchestra.yaml as written (read without the full config: this runs before it loads). */
export function configuredBranch(root: string): string {
  let text = '';
  try {
    text = readFileSync(path.join(root, CONFIG_FILE), 'utf8');
  } catch {
    return DEFAULT_ORCHESTRATION_BRANCH;
  }
  const block = /^orchestration:[ \t]*(?:#.*)?\n((?:[ \t]+.*\n?|[ \t]*(?:#.*)?\n)*)/m.exec(text)?.[1] ?? '';
  const inline = /^orchestration:\s*\{[^}]*\bbranch:\s*["']?([^"',}\s]+)/m.exec(text)?.[1];
  const value = inline ?? /^[ \t]+branch:[ \t]*["']?([^"'\s#]+)/m.exec(block)?.[1];
  return value ?? DEFAULT_ORCHESTRATION_BRANCH;
}

/** Where the branch is to be found: locally, or as a remote-tracking branch (origin first). */
export function findBranch(root: string, branch: string): { local: boolean; remote?: string } {
  if (succeeds(root, ['rev-parse', '--verify', '-q', '--end-of-options', `refs/heads/${branch}^{commit}`])) return { local: true };
  const remotes = git(root, ['for-each-ref', '--format=%(refname)', 'refs/remotes/'])
    .split('\n')
    .filter((r) => r.endsWith(`/${branch}`) && r.split('/').length === 4 + branch.split('/').length - 1);
  const remote = remotes.find((r) => r.startsWith('refs/remotes/origin/')) ?? remotes[0];
  return { local: false, remote };
}

export type MountHow = 'created' | 'local' | 'tracking';

export interface Mounted {
  ws: Workspace;
  branch: string;
  how: MountHow;
  /** The remote-tracking branch it now tracks (`how: tracking`). */
  from?: string;
  /** Whether the ignore rule had to be added to `.git/info/exclude`. */
  ignoreAdded: boolean;
}

/**
 * Checks out `branch` as the worktree at `<root>/.orchestra`: from the local branch, else from a remote's (a
 * local branch tracking it), else, when `create`, as a new branch with no history of the code's. A `.orchestra/`
 * already there with untracked local files (state/) keeps them; one with committed inline files is refused.
 */
export function mountOrchestration(ws: Workspace, branch: string, opts: { create: boolean; message?: string; ignore?: boolean }): Mounted {
  checkedBranch(branch);
  const mountPath = path.join(ws.root, ORCHESTRA_DIR);
  if (mountedGitDir(ws.root)) throw new Refusal(`${mountPath} is already the orchestration worktree: nothing to attach`);
  const found = findBranch(ws.root, branch);
  let how: MountHow;
  let from: string | undefined;
  if (found.local) how = 'local';
  else if (found.remote) {
    from = found.remote.replace(/^refs\/remotes\//, '');
    git(ws.root, ['branch', '--quiet', '--track', '--end-of-options', branch, found.remote]);
    how = 'tracking';
  } else if (opts.create) {
    const tree = git(ws.root, ['mktree']).trim();
    let commit: string;
    try {
      commit = git(ws.root, ['commit-tree', '-m', opts.message ?? `orchestra: the orchestration branch ${branch}`, '--end-of-options', tree]).trim();
    } catch (e) {
      throw explainCommitFailure(e);
    }
    // An empty old value: the ref must not exist yet (two inits at once cannot both make it).
    git(ws.root, ['update-ref', '--end-of-options', `refs/heads/${branch}`, commit, '']);
    how = 'created';
  } else {
    throw new NotFoundError(
      `${CONFIG_FILE} keeps the orchestration on branch "${branch}", but neither this repository nor its remotes have it: fetch it (\`git fetch origin ${branch}\`) and run \`orchestra attach\`, or make a new one with \`orchestra init --force\``,
    );
  }
  withMountFree(mountPath, () => git(ws.root, ['worktree', 'add', '--quiet', '--end-of-options', mountPath, branch]));
  // `init` commits the rule in the root .gitignore itself; attaching a clone adds it locally when missing.
  const ignoreAdded = opts.ignore === false ? false : ensureIgnored(ws);
  return { ws: workspaceAt(ws.root, ws.gitDir, ws.worktree, 'branch'), branch, how, from, ignoreAdded };
}

/** `git worktree add` wants an empty folder: local files already under `.orchestra/` (state/) wait aside meanwhile. */
function withMountFree(mountPath: string, add: () => void): void {
  const entries = existsSync(mountPath) ? readdirSync(mountPath) : [];
  if (!entries.length) {
    add();
    return;
  }
  const aside = `${mountPath}.attach-${process.pid}`;
  renameSync(mountPath, aside);
  try {
    add();
  } catch (e) {
    rmSync(mountPath, { recursive: true, force: true });
    renameSync(aside, mountPath);
    throw e;
  }
  for (const name of readdirSync(aside)) {
    const target = path.join(mountPath, name);
    if (existsSync(target)) continue; // the branch's own copy wins (committed files)
    renameSync(path.join(aside, name), target);
  }
  rmSync(aside, { recursive: true, force: true });
}

/** The root `.gitignore` with the mount's rule added, or undefined when it has one already (init and migrate commit it). */
export function rootIgnoreText(root: string): string | undefined {
  const abs = path.join(root, '.gitignore');
  const before = existsSync(abs) ? readFileSync(abs, 'utf8') : '';
  if (before.split('\n').some((l) => [IGNORE_RULE, `/${ORCHESTRA_DIR}`, `${ORCHESTRA_DIR}/`, ORCHESTRA_DIR].includes(l.trim()))) return undefined;
  return `${before}${before && !before.endsWith('\n') ? '\n' : ''}# orchestra: the orchestration worktree (branch mode: see orchestration in orchestra.yaml)\n${IGNORE_RULE}\n`;
}

/** Makes sure the main checkout ignores `.orchestra/`: the committed .gitignore usually does; else `.git/info/exclude`. */
export function ensureIgnored(ws: Workspace): boolean {
  if (succeeds(ws.root, ['check-ignore', '-q', '--', `${ORCHESTRA_DIR}/`])) return false;
  const info = path.join(ws.gitDir, 'info');
  mkdirSync(info, { recursive: true });
  const exclude = path.join(info, 'exclude');
  const before = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  appendFileSync(exclude, `${before && !before.endsWith('\n') ? '\n' : ''}# orchestra: the orchestration worktree (branch mode)\n${IGNORE_RULE}\n`);
  return true;
}

/** The line saying what `attach` (or the first command in a fresh clone) did. */
export function mountedLine(m: Mounted): string {
  const what =
    m.how === 'tracking' ? `branch ${m.branch}, tracking ${m.from}` : m.how === 'created' ? `new branch ${m.branch}` : `branch ${m.branch}`;
  return `orchestra: attached ${ORCHESTRA_DIR}/ to the orchestration ${what} (a worktree, ignored in this checkout${m.ignoreAdded ? ' through .git/info/exclude' : ''})`;
}

/**
 * A branch-mode workspace whose `.orchestra/` is not mounted (a fresh clone): mounts it, saying so through
 * `say`. Anything else is returned as it is.
 */
export function autoAttach(ws: Workspace, say: (line: string) => void): Workspace {
  if (ws.mode !== 'branch' || mountedGitDir(ws.root) || !declaresBranchMode(ws.root)) return ws;
  const m = mountOrchestration(ws, checkedBranch(configuredBranch(ws.root)), { create: false });
  say(mountedLine(m));
  return m.ws;
}

export interface MountProblem {
  problem: string;
  fix: string;
}

/** What is wrong with the orchestration worktree of a branch-mode workspace, if anything (for `doctor`). */
export function mountProblem(ws: Workspace): MountProblem | undefined {
  if (ws.mode !== 'branch') return undefined;
  const branch = configuredBranch(ws.root);
  if (!mountedGitDir(ws.root)) {
    return { problem: `${ORCHESTRA_DIR}/ is not the orchestration worktree (branch ${branch})`, fix: '`orchestra attach`' };
  }
  let head = '';
  try {
    head = execGitSync(ws.docsRepo, ['symbolic-ref', '-q', 'HEAD']).trim();
  } catch {
    head = '';
  }
  if (head !== `refs/heads/${branch}`) {
    return {
      problem: `${ORCHESTRA_DIR}/ has ${head ? head.replace(/^refs\/heads\//, 'branch ') : 'a detached HEAD'} checked out, not the orchestration branch ${branch}`,
      fix: `\`git -C ${ORCHESTRA_DIR} checkout ${branch}\``,
    };
  }
  if (!succeeds(ws.root, ['check-ignore', '-q', '--', `${ORCHESTRA_DIR}/`])) {
    return { problem: `${ORCHESTRA_DIR}/ is not ignored in the main checkout`, fix: `add ${IGNORE_RULE} to .gitignore` };
  }
  return undefined;
}
