/**
 * Receipts (when a worker was shown a doc, and how) and heartbeats (when a worker last called orchestra), kept in
 * `.orchestra/state/` where they cost no commit: one JSON line per receipt, one small file per worker's heartbeat.
 * They are local to this clone until the orchestration branch is synced between machines.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Workspace } from './workspace.js';

export type ReceiptHow = 'pushed' | 'take' | 'wait' | 'hook' | 'inbox' | 'next' | 'show';

export interface Receipt {
  at: string;
  worker: string;
  doc: string;
  how: ReceiptHow;
  /** What was shown: a new order or answer (`doc`), or an order's cancellation (`cancel`). */
  event?: 'doc' | 'cancel';
  /** The agent session told (the hook's `session_id`), when known. */
  session?: string;
}

export function receiptsPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'receipts.jsonl');
}

export function readReceipts(ws: Workspace, worker?: string): Receipt[] {
  let text: string;
  try {
    text = readFileSync(receiptsPath(ws), 'utf8');
  } catch {
    return [];
  }
  const out: Receipt[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as Receipt;
      if (typeof r.doc === 'string' && typeof r.worker === 'string' && (!worker || r.worker === worker)) out.push(r);
    } catch {
      // A line cut short by a crash is skipped: the next showing records the receipt again.
    }
  }
  return out;
}

/** Appends receipts in one write (O_APPEND keeps concurrent writers' lines whole). */
export function recordReceipts(ws: Workspace, receipts: readonly Receipt[]): void {
  if (!receipts.length) return;
  mkdirSync(ws.stateDir, { recursive: true });
  appendFileSync(receiptsPath(ws), receipts.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** First receipt of each doc (its delivery), by doc id; `except` leaves some ways of showing out. */
export function deliveries(receipts: readonly Receipt[], except: readonly ReceiptHow[] = []): Map<string, Receipt> {
  const out = new Map<string, Receipt>();
  for (const r of receipts) if ((r.event ?? 'doc') === 'doc' && !except.includes(r.how) && !out.has(r.doc)) out.set(r.doc, r);
  return out;
}

export interface Heartbeat {
  at: string;
  pid?: number;
}

const heartbeatFile = (ws: Workspace, worker: string) => path.join(ws.stateDir, 'heartbeats', `${worker}.json`);

export function recordHeartbeat(ws: Workspace, worker: string, now = new Date()): void {
  const file = heartbeatFile(ws, worker);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ at: now.toISOString(), pid: process.pid } satisfies Heartbeat));
  renameSync(tmp, file);
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

const agentFile = (ws: Workspace, worker: string) => path.join(ws.stateDir, 'agents', `${worker}.json`);

export function writeAgentRecord(ws: Workspace, worker: string, rec: AgentRecord): void {
  const file = agentFile(ws, worker);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(rec));
}

export function readAgentRecord(ws: Workspace, worker: string): AgentRecord | undefined {
  try {
    return JSON.parse(readFileSync(agentFile(ws, worker), 'utf8')) as AgentRecord;
  } catch {
    return undefined;
  }
}
