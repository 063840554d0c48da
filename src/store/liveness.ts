/** Worker liveness and delivery problems, from heartbeats, launched agents and receipts in .orchestra/state/. */
import { statSync } from 'node:fs';
import { livenessOf, undeliveredWhileGone, type Liveness } from '../core/liveness.js';
import type { HealthProblem } from '../core/health.js';
import { workerViews, type WorkerView } from '../core/state.js';
import type { Config } from '../core/config.js';
import type { Loaded } from './load.js';
import { isAlive } from './lock.js';
import { agentsDir, heartbeatsDir, readAgentRecord, readHeartbeat, shownIds } from './receipts.js';
import type { Workspace } from './workspace.js';

export interface WorkerStatus extends WorkerView {
  liveness: Liveness;
  lastSeen: string | null;
}

const DEFAULT_GONE_AFTER_MS = 12 * 3_600_000;

export function workerStatuses(loaded: Pick<Loaded, 'ws' | 'config' | 'docs' | 'derived'>, now = new Date()): WorkerStatus[] {
  const { ws, config } = loaded;
  return workerViews(loaded.docs, loaded.derived, config).map((view) => ({ ...view, ...livenessFor(ws, config, view, now) }));
}

/**
 * One worker's liveness and last heartbeat, from its view (state, open work) and two small files in
 * .orchestra/state/: what `status` and the dashboard's `/api/workers` add to each worker, read at the moment asked.
 */
export function livenessFor(ws: Workspace, config: LivenessConfig, view: Pick<WorkerView, 'name' | 'state' | 'open'>, now = new Date()): Pick<WorkerStatus, 'liveness' | 'lastSeen'> {
  return livenessFrom(config, view, readSignals(ws, view.name), now);
}

type LivenessConfig = Pick<Config, 'staleAfterMs' | 'goneAfterMs'>;

/** What liveness is read from besides the docs: the last heartbeat and the launched agent's state. */
export interface WorkerSignals {
  lastSeen?: string;
  agent: 'running' | 'ended' | 'none';
}

export function readSignals(ws: Workspace, worker: string): WorkerSignals {
  const beat = readHeartbeat(ws, worker);
  const agent = readAgentRecord(ws, worker);
  return { lastSeen: beat?.at, agent: !agent ? 'none' : agent.ended || !isAlive(agent.pid) ? 'ended' : 'running' };
}

/** Liveness from signals already read (pure but for the clock passed in). */
export function livenessFrom(config: LivenessConfig, view: Pick<WorkerView, 'state' | 'open'>, s: WorkerSignals, now: Date): Pick<WorkerStatus, 'liveness' | 'lastSeen'> {
  const liveness = livenessOf({ view, lastSeen: s.lastSeen, agent: s.agent, now, staleAfterMs: config.staleAfterMs, goneAfterMs: config.goneAfterMs ?? DEFAULT_GONE_AFTER_MS });
  return { liveness, lastSeen: s.lastSeen ?? null };
}

/**
 * A stamp that changes when any heartbeat or agent record is written (each write replaces a file in its folder,
 * which moves the folder's mtime): lets a reader keep the signals it read until then, without an exception per
 * missing file.
 */
export function signalsStamp(ws: Workspace): string {
  const st = (dir: string) => {
    const s = statSync(dir, { throwIfNoEntry: false });
    return s ? `${s.mtimeMs}:${s.ino}` : '-';
  };
  return `${st(heartbeatsDir(ws))}|${st(agentsDir(ws))}`;
}

/** Orders and answers not shown within stale_after to a worker that is gone. */
export function deliveryProblems(loaded: Pick<Loaded, 'ws' | 'config' | 'docs' | 'derived'>, now: Date): HealthProblem[] {
  const statuses = workerStatuses(loaded, now);
  const liveness = new Map(statuses.map((w) => [w.name, w.liveness]));
  if (![...liveness.values()].includes('gone')) return [];
  const delivered = new Map<string, Set<string>>();
  for (const w of statuses) delivered.set(w.name, shownIds(loaded.ws, w.name));
  return undeliveredWhileGone({ docs: loaded.docs, derived: loaded.derived, liveness, delivered, now, withinMs: loaded.config.staleAfterMs });
}
