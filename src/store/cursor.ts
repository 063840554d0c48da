/**
 * The daemon's cursor: the ids of docs it has handled, in `.orchestra/state/daemon-cursor.txt` (local,
 * git-ignored). One id per line, appended after the reaction is committed, so a crash between the two loses
 * nothing (the reaction on disk counts as handled) and a torn last line (no newline) is ignored.
 *
 * The file does not exist until the daemon's first start in a workspace: that is how "first start adopts
 * history" is told apart from "a restart".
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { appendState, writeFileAtomic } from './atomic.js';
import type { Workspace } from './workspace.js';

const HEADER = '# orchestra daemon cursor v1: ids of handled docs, one per line';

export function cursorPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'daemon-cursor.txt');
}

export interface Cursor {
  /** False on the daemon's very first start in this workspace. */
  existed: boolean;
  handled: Set<string>;
}

export function readCursor(ws: Workspace): Cursor {
  const file = cursorPath(ws);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { existed: false, handled: new Set() };
  }
  const handled = new Set<string>();
  const end = text.lastIndexOf('\n');
  for (const line of text.slice(0, end + 1).split('\n')) {
    if (line && !line.startsWith('#')) handled.add(line);
  }
  return { existed: true, handled };
}

/** Replaces the cursor with `ids` (first start, and compaction): temp file, fsync, rename. */
export function writeCursor(ws: Workspace, ids: Iterable<string>): void {
  writeFileAtomic(cursorPath(ws), linesOf(ids), { fsync: true });
}

function* linesOf(ids: Iterable<string>): Iterable<string> {
  yield `${HEADER}\n`;
  for (const id of ids) yield `${id}\n`;
}

/** Records handled ids. Called only after their reactions are committed. */
export function appendCursor(ws: Workspace, ids: readonly string[]): void {
  if (!ids.length) return;
  const file = cursorPath(ws);
  if (!existsSync(file)) writeCursor(ws, []);
  appendState(file, `${ids.join('\n')}\n`);
}
