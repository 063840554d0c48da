/**
 * One JSON line per brain event in `.orchestra/state/logs/brain.jsonl`: every HTTP attempt, and every trigger
 * settled without one (faq, budget, breaker). Never the prompt text, never the key: strings that could carry
 * either pass through `redact` first. Best effort, as every log: a line that cannot be written is dropped.
 */
import path from 'node:path';
import type { StateWriteError } from '../../store/atomic.js';
import { openJsonLog, type JsonLog } from '../../store/jsonlog.js';
import type { Workspace } from '../../store/workspace.js';

export type BrainOutcome = 'ok' | 'invalid' | 'retry' | 'failed' | 'faq' | 'budget' | 'breaker' | 'decided' | 'escalated';

export interface BrainLogLine {
  at: string;
  trigger: string;
  kind: 'next-orders' | 'answer-doubt';
  model: string;
  /** HTTP attempt number within this trigger (1-based); 0 when no request was made. */
  attempt: number;
  /** 1 for the first reply, 2 for the retry after a reply that did not validate. */
  round?: number;
  latencyMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
  /** Estimated tokens of the context sent (static + dynamic part). */
  contextTokens?: number;
  stopReason?: string | null;
  outcome: BrainOutcome;
  status?: number;
  tool?: string;
  error?: string;
}

export function brainLogPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'logs', 'brain.jsonl');
}

/** Removes the key and anything shaped like an Anthropic key or an auth header from `text`. */
export function redact(text: string, key?: string): string {
  let out = text;
  if (key && key.length >= 4) out = out.split(key).join('[redacted]');
  return out
    .replace(/sk-ant-[A-Za-z0-9_\-]+/g, '[redacted]')
    .replace(/((?:x-api-key|authorization)["']?\s*[:=]\s*["']?)(?:Bearer\s+)?[^\s"',}]+/gi, '$1[redacted]');
}

/** The brain's log; `onError` hears once about a file that cannot be written. */
export function openBrainLog(ws: Workspace, key?: string, onError?: (e: StateWriteError) => void): JsonLog {
  return openJsonLog(brainLogPath(ws), { transform: (line) => redact(line, key), onError });
}

export function logBrainEvent(log: JsonLog, line: BrainLogLine, key?: string): void {
  const clean: BrainLogLine = { ...line, ...(line.error ? { error: redact(line.error, key) } : {}) };
  log.write(line.outcome === 'failed' ? 'warn' : 'info', { ...clean });
}
