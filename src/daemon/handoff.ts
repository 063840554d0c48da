/**
 * `daemon --once` while a daemon already runs (`orchestra up`): a second daemon may not take the workspace, and
 * need not: the running one watches every doc. So `--once` hands its work over and waits, with a deadline, until
 * the running daemon has handled every doc that was new when it was asked.
 */
import type { Doc } from '../core/doc.js';
import { readCursor } from '../store/cursor.js';
import type { Workspace } from '../store/workspace.js';

/** Docs the daemon still has to handle: not its own, not in its cursor, and with no reaction of its on disk. */
export function unhandledDocs(ws: Workspace, docs: readonly Doc[]): string[] {
  const handled = readCursor(ws).handled;
  const reacted = new Set<string>();
  for (const d of docs) if (d.from === 'daemon' && d.re) reacted.add(d.re);
  return docs.filter((d) => d.from !== 'daemon' && !handled.has(d.id) && !reacted.has(d.id)).map((d) => d.id);
}

/**
 * Waits until none of `ids` is left unhandled. Resolves with those still unhandled at the deadline (empty when
 * the running daemon took all of them).
 */
export async function waitHandled(ws: Workspace, ids: readonly string[], readDocs: () => Promise<readonly Doc[]>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = [...ids];
  for (;;) {
    const open = new Set(unhandledDocs(ws, await readDocs()));
    left = left.filter((id) => open.has(id));
    if (!left.length || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
