/**
 * Receipts (when each order and answer was shown to its worker, and how), heartbeats (when a worker last called
 * orchestra) and launched agents, kept in `.orchestra/state/` (local, git-ignored) where they cost no commit.
 * Receipts are one appended JSON line each in `receipts.jsonl`: `{worker, id, how, at}`, plus `event: "cancel"`
 * when what was shown is an order's cancellation and `session` when a hook told one agent session. "Unread" is
 * "no receipt", so it never depends on anyone's clock. The CLI's reads (`pending`, `next`, `show`, `watch`), the MCP
 * server, the hooks, `wait` and liveness all read and write receipts through this module only.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { appendState, writeFileAtomic } from './atomic.js';
import type { Workspace } from './workspace.js';

/** How a doc reached the worker: the command or channel that showed it. */
export type ShownHow = 'next' | 'show' | 'pending' | 'watch' | 'wait' | 'take' | 'push' | 'hook' | 'inbox';

export interface Delivery {
  at: string;
  how: ShownHow | string;
}

/** One line of receipts.jsonl. */
export interface Receipt {
  worker: string;
  /** The doc shown. */
  id: string;
  how: ShownHow | string;
  at: string;
  /** What was shown: the doc itself (absent), or an order's cancellation. */
  event?: 'cancel';
  /** The agent session told (the hook's `session_id`), when known. */
  session?: string;
}

export interface ShownOptions {
  event?: 'cancel';
  session?: string;
}

export function receiptsPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'receipts.jsonl');
}

/** Every receipt line, of one worker or of all; a torn or foreign line is skipped. */
export function receiptLines(ws: Workspace, worker?: string): Receipt[] {
  let text: string;
  try {
    text = readFileSync(receiptsPath(ws), 'utf8');
  } catch {
    return [];
  }
  const out: Receipt[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let r: Partial<Receipt>;
    try {
      r = JSON.parse(line) as Partial<Receipt>;
    } catch {
      // A line cut short by a crash is skipped: the next showing records the receipt again.
      continue;
    }
    if (typeof r.worker !== 'string' || typeof r.id !== 'string' || typeof r.at !== 'string') continue;
    if (worker !== undefined && r.worker !== worker) continue;
    out.push({
      worker: r.worker,
      id: r.id,
      how: typeof r.how === 'string' ? r.how : 'unknown',
      at: r.at,
      ...(r.event === 'cancel' ? { event: 'cancel' as const } : {}),
      ...(typeof r.session === 'string' ? { session: r.session } : {}),
    });
  }
  return out;
}

/** The first delivery of each doc to a worker (cancellations aside), by doc id; `except` leaves some ways out. */
export function deliveriesOf(lines: readonly Receipt[], except: readonly string[] = []): Map<string, Delivery> {
  const out = new Map<string, Delivery>();
  for (const r of lines) if (!r.event && !except.includes(r.how) && !out.has(r.id)) out.set(r.id, { at: r.at, how: r.how });
  return out;
}

/** Every delivery to one worker, by doc id (the first of each). */
export function readReceipts(ws: Workspace, worker: string, except: readonly string[] = []): Map<string, Delivery> {
  return deliveriesOf(receiptLines(ws, worker), except);
}

/** The ids shown to `worker` (what `inboxOf` leaves out of unread answers); `except` leaves some ways out. */
export function shownIds(ws: Workspace, worker: string, except: readonly string[] = []): Set<string> {
  return new Set(readReceipts(ws, worker, except).keys());
}

export function deliveredAt(ws: Workspace, worker: string, id: string): Delivery | null {
  return readReceipts(ws, worker).get(id) ?? null;
}

/**
 * `delivered` for docs shown to workers (`--json` and the API, DESIGN.md "Receipts"): an order is delivered to the
 * worker it is for, an answer to the worker whose doubt it answers; `null` until then. Other docs have none.
 * `recipient` says who that is (core/state's `answerFor` for answers). One read of the receipts for all docs.
 */
export function deliveryLookup(ws: Workspace): (doc: { id: string; type: string; to: string }, recipient?: string) => Delivery | null | undefined {
  const lines = receiptLines(ws);
  const byWorker = new Map<string, Map<string, Delivery>>();
  return (doc, recipient) => {
    const worker = doc.type === 'order' ? doc.to : doc.type === 'answer' ? recipient : undefined;
    if (!worker) return undefined;
    let m = byWorker.get(worker);
    if (!m) byWorker.set(worker, (m = deliveriesOf(lines.filter((r) => r.worker === worker))));
    return m.get(doc.id) ?? null;
  };
}

const keyOf = (id: string, how: string, o: ShownOptions) => `${id}\0${how}\0${o.event ?? ''}\0${o.session ?? ''}`;

/**
 * Records that `ids` were shown to `worker` (`opts.event: 'cancel'`: their cancellation; `opts.session`: told to
 * that agent session). A receipt already recorded the same way is skipped, so the first one wins; one append of
 * whole lines, so concurrent readers see each line whole or not at all.
 */
export function recordShown(ws: Workspace, worker: string, ids: readonly string[], how: ShownHow, now: Date = new Date(), opts: ShownOptions = {}): void {
  if (!ids.length) return;
  const known = new Set(receiptLines(ws, worker).map((r) => keyOf(r.id, r.how, r)));
  const at = now.toISOString();
  const fresh = [...new Set(ids)].filter((id) => !known.has(keyOf(id, how, opts)));
  if (!fresh.length) return;
  const line = (id: string): Receipt => ({ worker, id, how, at, ...(opts.event ? { event: opts.event } : {}), ...(opts.session ? { session: opts.session } : {}) });
  appendState(receiptsPath(ws), fresh.map((id) => `${JSON.stringify(line(id))}\n`).join(''));
}

export interface Heartbeat {
  at: string;
  pid?: number;
}

/** The folder of heartbeat files, one per worker (replaced whole on each beat, so the folder's mtime moves). */
export const heartbeatsDir = (ws: Workspace) => path.join(ws.stateDir, 'heartbeats');
const heartbeatFile = (ws: Workspace, worker: string) => path.join(heartbeatsDir(ws), `${worker}.json`);

export function recordHeartbeat(ws: Workspace, worker: string, now = new Date()): void {
  const file = heartbeatFile(ws, worker);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify({ at: now.toISOString(), pid: process.pid } satisfies Heartbeat));
}

export function readHeartbeat(ws: Workspace, worker: string): Heartbeat | undefined {
  try {
    return JSON.parse(readFileSync(heartbeatFile(ws, worker), 'utf8')) as Heartbeat;
  } catch {
    return undefined;
  }
}

/** The agent process `orchestra launch` started for a worker, while it runs (and when it ended). */
export interface AgentRecord {
  pid: number;
  started: string;
  worktree: string;
  ended?: string;
  exitCode?: number | null;
}

/** The folder of launched-agent records, one per worker. */
export const agentsDir = (ws: Workspace) => path.join(ws.stateDir, 'agents');
const agentFile = (ws: Workspace, worker: string) => path.join(agentsDir(ws), `${worker}.json`);

export function writeAgentRecord(ws: Workspace, worker: string, rec: AgentRecord): void {
  const file = agentFile(ws, worker);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(rec));
}

export function readAgentRecord(ws: Workspace, worker: string): AgentRecord | undefined {
  try {
    return JSON.parse(readFileSync(agentFile(ws, worker), 'utf8')) as AgentRecord;
  } catch {
    return undefined;
  }
}
