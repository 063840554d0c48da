/**
 * Start-up repair after a crash (SIGKILL, power loss): the temp files of writers that died, and reactions the
 * daemon wrote but did not get to commit. A reaction file is always complete (it is created by hard-linking a
 * finished temp file), so committing it is safe; it already counts as handled, so redoing it would duplicate it.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Doc } from '../core/doc.js';
import type { Git } from '../store/git.js';
import type { Workspace } from '../store/workspace.js';
import { isAlive } from '../store/lock.js';
import { commitAsAuthor } from './apply.js';


/** Removes `.<name>.<pid>.tmp` files under `.orchestra/docs/<worker>/` whose writer is gone. Returns how many. */
export function removeStaleTemps(ws: Workspace): number {
  let removed = 0;
  let folders: string[];
  try {
    folders = readdirSync(ws.docsDir);
  } catch {
    return 0;
  }
  for (const f of folders) {
    let names: string[];
    try {
      names = readdirSync(path.join(ws.docsDir, f));
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^\..+\.(\d+)\.tmp$/.exec(n);
      if (!m || isAlive(Number(m[1]))) continue;
      try {
        unlinkSync(path.join(ws.docsDir, f, n));
        removed++;
      } catch {
        /* gone already */
      }
    }
  }
  return removed;
}

/**
 * Commits daemon docs present on disk but not committed (the daemon died between writing and committing them).
 * Runs inside the write lock. Returns the commit and ids, or undefined when there was nothing to do.
 */
export async function commitLeftovers(
  git: Git,
  daemonDocAt: (relPath: string) => Doc | undefined,
  docById: (id: string) => Doc | undefined = () => undefined,
): Promise<{ commit: string; docs: string[] } | undefined> {
  return git.withWriteLock(async () => {
    // One status of the whole docs folder, not one per doc.
    const fresh = await git.newFiles(['.orchestra/docs']);
    const left: Doc[] = [];
    for (const p of fresh) {
      const d = daemonDocAt(p);
      if (d && d.from === 'daemon') left.push(d);
    }
    if (!left.length) return undefined;
    // A hand-written trigger is committed as its author before its reaction (killed in between, neither was).
    const byAuthor = new Map<string, Doc[]>();
    for (const d of left) {
      const t = d.re ? docById(d.re) : undefined;
      if (!t || t.from === 'daemon' || !fresh.has(t.path)) continue;
      const list = byAuthor.get(t.from) ?? [];
      if (!list.includes(t)) list.push(t);
      byAuthor.set(t.from, list);
    }
    for (const [author, docs] of byAuthor) await commitAsAuthor(git, author, docs);
    const commit = await commitAsAuthor(git, 'daemon', left);
    return { commit, docs: left.map((d) => d.id) };
  }, 'daemon recovery');
}
