/** A worker's liveness from its heartbeat and its launched agent: pure, the clock passed in. */
import type { WorkerView } from './state.js';

export type Liveness = 'working' | 'idle' | 'stalled' | 'gone';

export interface LivenessInput {
  view: Pick<WorkerView, 'state' | 'open'>;
  /** Last heartbeat (any call by the worker), ISO time. */
  lastSeen?: string;
  /** The agent `launch` started: running, ended, or never launched. */
  agent: 'running' | 'ended' | 'none';
  now: Date;
  staleAfterMs: number;
  goneAfterMs: number;
}

export function livenessOf(i: LivenessInput): Liveness {
  const silentMs = i.lastSeen ? i.now.getTime() - Date.parse(i.lastSeen) : Infinity;
  const openWork = i.view.open > 0;
  if (i.agent === 'ended' && openWork) return 'gone';
  if (openWork && i.lastSeen !== undefined && silentMs > i.goneAfterMs) return 'gone';
  if (i.view.state === 'working') return i.lastSeen !== undefined && silentMs > i.staleAfterMs ? 'stalled' : 'working';
  return 'idle';
}
