/**
 * The daemon's event log: one readable line per event for a person (stderr, or the caller's `log`), and one JSON
 * line per event for machines in `.orchestra/state/logs/daemon.jsonl` (store/jsonlog.ts). Logging is best
 * effort: a file that cannot be written is said once on the readable side, and the daemon goes on.
 */
import path from 'node:path';
import { openJsonLog } from '../store/jsonlog.js';
import type { Workspace } from '../store/workspace.js';

/** Every kind of event, as a discriminated union: each has its readable form below. */
export type DaemonEvent =
  | { kind: 'start'; pid: number; brain: string; liveDocs: number; adopted: number; pending: number; catchUp: boolean; once: boolean }
  | { kind: 'trigger'; trigger: string; type: string; from: string; worker: string; decision: string; message: string; reactions: string[]; commit?: string; proposed?: string; ms: number; brainMs?: number }
  | { kind: 'committed_author'; docs: string[]; author: string; commit: string }
  | { kind: 'recovered'; docs: string[]; commit: string }
  | { kind: 'invalid'; file: string; problems: string }
  | { kind: 'loop_guard'; trigger: string; worker: string; message: string }
  | { kind: 'commit_failure'; triggers: string[]; error: string; retryInMs: number }
  | { kind: 'brain_error'; trigger: string; error: string }
  | { kind: 'rescan'; reason: string; changed: number; queued: number; ms: number }
  | { kind: 'archive'; moved: number; threads: number; commit?: string }
  | { kind: 'sync'; pulled: number; pushed: number; message: string }
  | { kind: 'warning'; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'stop'; reason: string; handled: number; reactions: number };

/** An error as one short line, for an event or an alert. */
export function errorLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim().slice(0, 300);
}

export interface EventLog {
  event(e: DaemonEvent): void;
  close(): void;
}

function clock(d: Date): string {
  return d.toISOString().slice(11, 19);
}

/** The human line of an event. */
export function formatEvent(e: DaemonEvent, at: Date): string {
  const t = clock(at);
  switch (e.kind) {
    case 'start':
      return `${t} daemon started (pid ${e.pid}, brain ${e.brain}): ${e.liveDocs} live docs, ${e.adopted ? `${e.adopted} adopted as handled, ` : ''}${e.pending} to handle${e.once ? ' (--once)' : ''}`;
    case 'trigger':
      return `${t} ${e.type} ${e.trigger} (${e.from}): ${e.message}${e.reactions.length ? ` -> ${e.proposed ? `proposed on ${e.proposed}: ` : ''}${e.reactions.join(', ')}` : ''} [${Math.round(e.ms)} ms]`;
    case 'committed_author':
      return `${t} committed ${e.docs.length} hand-written doc${e.docs.length === 1 ? '' : 's'} as ${e.author}: ${e.docs.join(', ')}`;
    case 'recovered':
      return `${t} committed ${e.docs.length} reaction${e.docs.length === 1 ? '' : 's'} left uncommitted by an earlier run: ${e.docs.join(', ')}`;
    case 'invalid':
      return `${t} invalid doc ${e.file}: ${e.problems}`;
    case 'loop_guard':
      return `${t} LOOP GUARD ${e.trigger} (${e.worker}): ${e.message}`;
    case 'commit_failure':
      return `${t} COMMIT FAILED for ${e.triggers.length} trigger${e.triggers.length === 1 ? '' : 's'}: ${e.error} (retrying in ${Math.round(e.retryInMs / 1000)} s)`;
    case 'brain_error':
      return `${t} brain failed on ${e.trigger}: ${e.error} (escalating instead)`;
    case 'rescan':
      return `${t} re-scan (${e.reason}): ${e.changed} changed, ${e.queued} new [${Math.round(e.ms)} ms]`;
    case 'archive':
      return `${t} archived ${e.moved} doc${e.moved === 1 ? '' : 's'} of ${e.threads} settled thread${e.threads === 1 ? '' : 's'}${e.commit ? ` (${e.commit})` : ''}`;
    case 'sync':
      return `${t} sync: ${e.message}`;
    case 'warning':
      return `${t} warning: ${e.message}`;
    case 'error':
      return `${t} error: ${e.message}`;
    case 'stop':
      return `${t} daemon stopped (${e.reason}): handled ${e.handled}, wrote ${e.reactions} reaction${e.reactions === 1 ? '' : 's'}`;
  }
}

export function logFile(ws: Workspace): string {
  return path.join(ws.stateDir, 'logs', 'daemon.jsonl');
}

export function openEventLog(ws: Workspace, human: (line: string) => void, now: () => Date): EventLog {
  const say = (line: string) => {
    try {
      human(line);
    } catch {
      /* a closed stderr must not stop the daemon */
    }
  };
  const log = openJsonLog(logFile(ws), {
    now,
    onError: (e) => say(`${clock(now())} warning: ${e.message}; the daemon goes on, events still appear here`),
  });
  return {
    event(e) {
      const line = formatEvent(e, now());
      say(line);
      const level = e.kind === 'error' || e.kind === 'commit_failure' ? 'error' : e.kind === 'warning' || e.kind === 'invalid' || e.kind === 'loop_guard' || e.kind === 'brain_error' ? 'warn' : 'info';
      log.write(level, { event: e.kind, ...e, kind: undefined }, line.slice(9));
    },
    close: () => log.close(),
  };
}
