import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError, OrchestraError } from '../errors.js';
import { CONFIG_FILE } from '../core/workers.js';

/** Where everything of one workspace lives. Every I/O function takes one of these (or a cwd to find it). */
export interface Workspace {
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

export function workspaceAt(root: string, gitDir = path.join(root, '.git'), worktree?: string): Workspace {
  return {
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
