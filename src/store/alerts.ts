/**
 * Alerts: appended as JSON lines to `.orchestra/state/alerts.jsonl` (local, git-ignored). Each alert has a `key`
 * saying what it is about, so a condition seen on every refresh is recorded once; `resolveAlert` appends a
 * resolution line instead of rewriting the file (appends of one line are atomic enough for several writers).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { appendState } from './atomic.js';
import type { Workspace } from './workspace.js';

export type AlertLevel = 'info' | 'warning' | 'critical';

export interface Alert {
  id: string;
  at: string;
  level: AlertLevel;
  /** invalid_doc, loop_guard, commit_failure, conflict, scope_violation, stalled, unstarted, escalation_unanswered, doubts_piling, low_autonomy, budget, breaker, ... */
  kind: string;
  message: string;
  doc?: string;
  /** Dedup key: one open alert per key. */
  key?: string;
  /** Extra structured data (files, workers...). */
  data?: Record<string, unknown>;
}

interface ResolveLine {
  resolve: string;
  at: string;
}

export function alertsPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'alerts.jsonl');
}

function readLines(ws: Workspace): (Alert | ResolveLine)[] {
  let text: string;
  try {
    text = readFileSync(alertsPath(ws), 'utf8');
  } catch {
    return [];
  }
  const out: (Alert | ResolveLine)[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      /* a torn last line from a crash: skip it */
    }
  }
  return out;
}

/** Every alert ever raised, oldest first, with `resolved` set when resolved. */
export function readAlerts(ws: Workspace): (Alert & { resolved?: string })[] {
  const lines = readLines(ws);
  const resolved = new Map<string, string>();
  for (const l of lines) if ('resolve' in l) resolved.set(l.resolve, l.at);
  return lines
    .filter((l): l is Alert => !('resolve' in l))
    .map((a) => {
      const r = a.key ? resolved.get(a.key) : undefined;
      // A resolution closes every alert of that key raised before it.
      return r && r >= a.at ? { ...a, resolved: r } : a;
    });
}

/** Alerts not resolved, newest first. */
export function openAlerts(ws: Workspace): Alert[] {
  return readAlerts(ws)
    .filter((a) => !a.resolved)
    .reverse();
}

/**
 * Appends an alert. With a `key`, an alert already open under that key is not raised again (returns undefined).
 */
export function raiseAlert(ws: Workspace, alert: Omit<Alert, 'id' | 'at'> & { at?: string }, now = new Date()): Alert | undefined {
  if (alert.key && openAlerts(ws).some((a) => a.key === alert.key)) return undefined;
  const full: Alert = { id: `${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`, at: now.toISOString(), ...alert };
  appendState(alertsPath(ws), `${JSON.stringify(full)}\n`);
  return full;
}

/** Closes the open alert(s) of a key (the condition went away). */
export function resolveAlert(ws: Workspace, key: string, now = new Date()): void {
  if (!openAlerts(ws).some((a) => a.key === key)) return;
  appendState(alertsPath(ws), `${JSON.stringify({ resolve: key, at: now.toISOString() } satisfies ResolveLine)}\n`);
}
