import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError, OrchestraError } from '../errors.js';
import { CONFIG_FILE } from '../core/workers.js';

/**
 * How the orchestration files are stored (DESIGN.md "Files"): `branch`, on a branch of their own checked out as a
 * linked worktree mounted at `.orchestra/`; `inline`, on the checked-out branch of the main checkout.
 */
export type StorageMode = 'branch' | 'inline';

/** The folder, under the main root, that holds every orchestration file (the mount point in branch mode). */
export const ORCHESTRA_DIR = '.orchestra';

/** Where everything of one workspace lives. Every I/O function takes one of these (or a cwd to find it). */
export interface Workspace {
  mode: StorageMode;
  /**
   * The worktree where orchestration files are committed: `root` in inline mode, `<root>/.orchestra` in branch
   * mode. Paths stay relative to `root` everywhere (`.orchestra/docs/...`); only the git layer translates.
   */
  docsRepo: string;
  /** The per-worktree git dir of `docsRepo` (its HEAD and reflog); `gitDir` in inline mode. */
  docsGitDir: string;
  /** The main worktree's root, where orchestra.yaml is. */
  root: string;
  /** The repository's common git dir (shared by linked worktrees). */
  gitDir: string;
  /** The folder the command was run from, when it is a linked worktree of `root`. */
  worktree?: string;
  configPath: string;
  docsDir: string;
  archiveDir: string;
  promptsDir: string;
  stateDir: string;
}

export function workspaceAt(root: string, gitDir = path.join(root, '.git'), worktree?: string, mode?: StorageMode): Workspace {
  const mounted = mountedGitDir(root);
  const m = mode ?? (mounted || declaresBranchMode(root) ? 'branch' : 'inline');
  const docsRepo = m === 'branch' ? path.join(root, ORCHESTRA_DIR) : root;
  return {
    mode: m,
    docsRepo,
    docsGitDir: m === 'branch' ? (mounted ?? path.join(gitDir, 'worktrees', ORCHESTRA_DIR)) : gitDir,
    root,
    gitDir,
    worktree,
    configPath: path.join(root, CONFIG_FILE),
    docsDir: path.join(root, '.orchestra', 'docs'),
    archiveDir: path.join(root, '.orchestra', 'archive'),
    promptsDir: path.join(root, '.orchestra', 'prompts'),
    stateDir: path.join(root, '.orchestra', 'state'),
  };
}

/**
 * The git dir of the orchestration worktree mounted at `<root>/.orchestra` (its `.git` file points there), or
 * undefined when `.orchestra/` is not a linked worktree.
 */
export function mountedGitDir(root: string): string | undefined {
  const dotGit = path.join(root, ORCHESTRA_DIR, '.git');
  try {
    if (!statSync(dotGit).isFile()) return undefined;
    const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    return m ? path.resolve(path.dirname(dotGit), m[1].trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether orchestra.yaml asks for branch mode (a top-level `orchestration:` key), read without parsing YAML. */
export function declaresBranchMode(root: string): boolean {
  try {
    return /^orchestration:/m.test(readFileSync(path.join(root, CONFIG_FILE), 'utf8'));
  } catch {
    return false;
  }
}

export interface GitRoot {
  /** Top of the worktree containing cwd. */
  top: string;
  /** Main worktree root (equal to `top` unless cwd is in a linked worktree). */
  main: string;
  /** Common git dir. */
  gitDir: string;
}

/**
 * Finds the git repository around `cwd` by reading `.git` entries (no git process: this runs on every command).
 * A linked worktree's `.git` file points at `<common>/worktrees/<name>`, whose `commondir` leads to the main one.
 */
export function findGitRoot(cwd: string): GitRoot | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    let st;
    try {
      st = statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return { top: dir, main: dir, gitDir: dotGit };
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (m) {
        const wtGitDir = path.resolve(dir, m[1].trim());
        let common = wtGitDir;
        const commondirFile = path.join(wtGitDir, 'commondir');
        if (existsSync(commondirFile)) common = path.resolve(wtGitDir, readFileSync(commondirFile, 'utf8').trim());
        const main = path.basename(common) === '.git' ? path.dirname(common) : dir;
        return { top: dir, main, gitDir: common };
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The workspace around `cwd`, or a clear error saying how to make one. */
export function locateWorkspace(cwd: string): Workspace {
  const git = findGitRoot(cwd);
  if (!git) {
    throw new NotFoundError(`${path.resolve(cwd)} is not inside a git repository: run \`orchestra init\` there first`);
  }
  const ws = workspaceAt(git.main, git.gitDir, git.top !== git.main ? git.top : undefined);
  if (!existsSync(ws.configPath)) {
    throw new NotFoundError(`no ${CONFIG_FILE} at ${git.main}: run \`orchestra init\` to make this repository a workspace`);
  }
  refuseLinkedState(ws);
  return ws;
}

/**
 * `.orchestra/state/` must be a real folder: a symbolic link there (committed by anyone with push access) would
 * send every state write (cursor, alerts, logs, locks) to wherever it points, outside the repository.
 */
export function refuseLinkedState(ws: Workspace): void {
  let st;
  try {
    st = lstatSync(ws.stateDir);
  } catch {
    return; // not made yet: it is created as a folder
  }
  if (!st.isSymbolicLink()) return;
  let target = '?';
  try {
    target = readlinkSync(ws.stateDir);
  } catch {
    /* unreadable link: still refused */
  }
  throw new OrchestraError(
    `${rel(ws, ws.stateDir)} is a symbolic link (to ${JSON.stringify(target).slice(1, -1).slice(0, 200)}): orchestra's local state must stay inside the repository; remove the link (\`git rm .orchestra/state\` if it is committed), then run the command again`,
  );
}

/** `/`-separated path relative to the workspace root, as git and docs show it. */
export function rel(ws: Workspace, abs: string): string {
  return path.relative(ws.root, abs).split(path.sep).join('/');
}
