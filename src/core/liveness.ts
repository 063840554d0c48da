/** A worker's liveness from its heartbeat and its launched agent: pure, the clock passed in. */
import type { Doc } from './doc.js';
import type { HealthProblem } from './health.js';
import type { Derived, WorkerView } from './state.js';

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

export interface UndeliveredInput {
  docs: readonly Doc[];
  derived: Derived;
  liveness: ReadonlyMap<string, Liveness>;
  /** Doc ids each worker was shown (any receipt). */
  delivered: ReadonlyMap<string, ReadonlySet<string>>;
  now: Date;
  /** How long an order or answer may wait unshown before it counts (stale_after). */
  withinMs: number;
}

/** One problem per order or answer not shown to its worker in time while that worker is gone. */
export function undeliveredWhileGone(i: UndeliveredInput): HealthProblem[] {
  const out: HealthProblem[] = [];
  for (const d of i.docs) {
    const worker = d.to;
    if (i.liveness.get(worker) !== 'gone') continue;
    const open = d.type === 'answer' || (d.type === 'order' && ['pending', 'in_progress', 'blocked'].includes(i.derived.orders.get(d.id)?.state ?? ''));
    if (!open || i.delivered.get(worker)?.has(d.id)) continue;
    if (i.now.getTime() - Date.parse(d.created) < i.withinMs) continue;
    out.push({
      kind: 'undelivered',
      level: 'warning',
      key: `undelivered:${d.id}`,
      message: `${worker} is gone and was never shown ${d.type} ${d.id} "${d.title}": restart its agent (orchestra launch ${worker})`,
      doc: d.id,
      workers: [worker],
    });
  }
  return out;
}
