/** Worker liveness and delivery problems, from heartbeats, launched agents and receipts in .orchestra/state/. */
import { livenessOf, undeliveredWhileGone, type Liveness } from '../core/liveness.js';
import type { HealthProblem } from '../core/health.js';
import { workerViews, type WorkerView } from '../core/state.js';
import type { Config } from '../core/config.js';
import type { Loaded } from './load.js';
import { isAlive } from './lock.js';
import { readAgentRecord, readHeartbeat, shownIds } from './receipts.js';
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
export function livenessFor(ws: Workspace, config: Pick<Config, 'staleAfterMs' | 'goneAfterMs'>, view: Pick<WorkerView, 'name' | 'state' | 'open'>, now = new Date()): Pick<WorkerStatus, 'liveness' | 'lastSeen'> {
  const beat = readHeartbeat(ws, view.name);
  const agent = readAgentRecord(ws, view.name);
  const agentState = !agent ? 'none' : agent.ended || !isAlive(agent.pid) ? 'ended' : 'running';
  const liveness = livenessOf({ view, lastSeen: beat?.at, agent: agentState, now, staleAfterMs: config.staleAfterMs, goneAfterMs: config.goneAfterMs ?? DEFAULT_GONE_AFTER_MS });
  return { liveness, lastSeen: beat?.at ?? null };
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
