/**
 * Receipts: when each order and answer was shown to its worker, in `.orchestra/state/receipts.jsonl` (local,
 * git-ignored). A read is not worth a commit: one appended line per doc shown, the first one wins. "Unread" is
 * "no receipt", so it never depends on anyone's clock.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Workspace } from './workspace.js';

/** How a doc reached the worker: the command or channel that showed it. */
export type ShownHow = 'next' | 'show' | 'pending' | 'watch' | 'wait' | 'take' | 'push' | 'hook' | 'inbox';

export interface Delivery {
  at: string;
  how: ShownHow | string;
}

interface ReceiptLine {
  worker: string;
  id: string;
  how: string;
  at: string;
}

export function receiptsPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'receipts.jsonl');
}

/** Every receipt of one worker, by doc id (the first delivery of each). A torn or foreign line is skipped. */
export function readReceipts(ws: Workspace, worker: string): Map<string, Delivery> {
  const out = new Map<string, Delivery>();
  let text: string;
  try {
    text = readFileSync(receiptsPath(ws), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    let r: Partial<ReceiptLine>;
    try {
      r = JSON.parse(line) as Partial<ReceiptLine>;
    } catch {
      continue;
    }
    if (r.worker !== worker || typeof r.id !== 'string' || typeof r.at !== 'string' || out.has(r.id)) continue;
    out.set(r.id, { at: r.at, how: typeof r.how === 'string' ? r.how : 'unknown' });
  }
  return out;
}

export function shownIds(ws: Workspace, worker: string): Set<string> {
  return new Set(readReceipts(ws, worker).keys());
}

export function deliveredAt(ws: Workspace, worker: string, id: string): Delivery | null {
  return readReceipts(ws, worker).get(id) ?? null;
}

/**
 * Records that `ids` were shown to `worker`. Already-recorded ids are skipped; one append of whole lines, so
 * concurrent readers see each line whole or not at all.
 */
export function recordShown(ws: Workspace, worker: string, ids: readonly string[], how: ShownHow, now: Date = new Date()): void {
  if (!ids.length) return;
  const known = readReceipts(ws, worker);
  const at = now.toISOString();
  const fresh = [...new Set(ids)].filter((id) => !known.has(id));
  if (!fresh.length) return;
  mkdirSync(ws.stateDir, { recursive: true });
  appendFileSync(receiptsPath(ws), fresh.map((id) => `${JSON.stringify({ worker, id, how, at })}\n`).join(''));
}
