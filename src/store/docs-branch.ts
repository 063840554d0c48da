/**
 * Which branch holds the docs, as git sees it: the one place review mode (and anything else that reads or writes
 * the docs' history with plumbing) asks. Inline mode (0.1's layout): the checked-out branch, so `HEAD`, with the
 * docs under `.orchestra/` in its tree. Branch mode re-points these two functions at its own branch
 * (`refs/heads/orchestra`, docs at the top of that branch's tree).
 */
import type { Workspace } from './workspace.js';

/** The ref whose commit holds the committed docs; `git update-ref` on it moves that branch. */
export function docsRef(_ws: Workspace): string {
  return 'HEAD';
}

/** Where `docs/` and `archive/` sit inside that ref's tree (`/`-terminated, or empty for the tree's top). */
export function docsTreePrefix(_ws: Workspace): string {
  return '.orchestra/';
}
