/**
 * Which branch holds the docs, as git sees it: the one place review mode (and anything else that reads or writes
 * the docs' history with plumbing) asks. Inline mode (0.1's layout): the checked-out branch, so `HEAD`, with the
 * docs under `.orchestra/` in its tree. Branch mode: the orchestration branch checked out at `.orchestra/`
 * (`refs/heads/orchestra` by default), with `docs/` and `archive/` at the top of its tree.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ORCHESTRATION_BRANCH } from '../core/workers.js';
import type { Workspace } from './workspace.js';

/** The ref whose commit holds the committed docs; `git update-ref` on it moves that branch. */
export function docsRef(ws: Workspace): string {
  if (ws.mode !== 'branch') return 'HEAD';
  // The orchestration worktree's own HEAD names its branch (plumbing runs from the main root, whose HEAD is the code's).
  try {
    const head = readFileSync(path.join(ws.docsGitDir, 'HEAD'), 'utf8').trim();
    if (head.startsWith('ref: refs/heads/')) return head.slice(5);
  } catch {
    /* not mounted yet: the default branch */
  }
  return `refs/heads/${DEFAULT_ORCHESTRATION_BRANCH}`;
}

/** Where `docs/` and `archive/` sit inside that ref's tree (`/`-terminated, or empty for the tree's top). */
export function docsTreePrefix(ws: Workspace): string {
  return ws.mode === 'branch' ? '' : '.orchestra/';
}
