/**
 * What sync works on: the worktree where the docs' branch is checked out, that branch, and the remote. Every sync
 * path (the daemon's loop and lease, `orchestra sync`, the push after each write, the follower of `watch`, `wait`
 * and the dashboard) asks `syncTargetOf` and nothing else, so a storage mode changes the target in one place.
 */
import type { Config } from '../../core/config.js';
import { Git, docsGit } from '../git.js';
import type { Workspace } from '../workspace.js';

export interface SyncTarget {
  /** The worktree where `branch` is checked out (inline mode: the main checkout). */
  dir: string;
  /** The branch fetched, rebased and pushed; no other branch is ever touched. */
  branch: string;
  /** A remote name or URL, validated when the config loads (core/refname.ts). */
  remote: string;
  /** The daemon's full-round period (`sync.interval`). */
  intervalMs: number;
}

/**
 * THE choice of sync target (branch mode re-points this one function). Inline mode: the docs live on the branch
 * checked out in the main checkout, so the target is (workspace root, `sync.branch`, `sync.remote`). Branch mode:
 * (`<root>/.orchestra`, `orchestration.branch`, `sync.remote`).
 */
export function syncTargetOf(ws: Workspace, config: Config): SyncTarget | undefined {
  if (!config.sync) return undefined;
  if (ws.mode === 'branch') {
    // Only the orchestration branch is shared: the user's branches are never fetched into, rebased or pushed.
    return { dir: ws.docsRepo, branch: config.orchestration?.branch ?? ownBranchOf(ws), remote: config.sync.remote, intervalMs: config.sync.intervalMs };
  }
  return { dir: ws.root, branch: config.sync.branch, remote: config.sync.remote, intervalMs: config.sync.intervalMs };
}

/** The git of the target's worktree: the caller's own when it is the same folder (one write lock either way). */
export function targetGit(ws: Workspace, target: SyncTarget, git?: Git): Git {
  if (ws.mode === 'branch') return git && git.cwd === target.dir ? git : docsGit(ws);
  if (git && git.root === target.dir) return git;
  return new Git(target.dir, ws.gitDir);
}

/** The branch checked out in the orchestration worktree, for a config that names none (it then uses the default). */
function ownBranchOf(ws: Workspace): string {
  return docsGit(ws).ownBranch() ?? 'orchestra';
}
