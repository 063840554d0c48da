/**
 * The circuit breaker in front of the Messages API, kept in `.orchestra/state/brain-breaker.json` so a
 * restarted daemon does not hammer a failing API again. After `breaker.failures` consecutive failed requests it
 * opens for `breaker.cooldown`; then one trial request is let through (half-open): success closes it, failure
 * opens it for another cooldown.
 */
import path from 'node:path';
import type { Config } from '../core/config.js';
import { raiseAlert, resolveAlert } from './alerts.js';
import type { Workspace } from './workspace.js';
import { readJsonState, writeJsonState } from './brain-state-file.js';

export type BreakerStatus = 'closed' | 'open' | 'half-open';

export interface BreakerState {
  failures: number;
  /** When it last opened (ISO). */
  openedAt?: string;
  /** When the half-open trial request started (ISO); a second request waits for its result. */
  trialAt?: string;
}

const ALERT_KEY = 'brain-breaker';

export function breakerPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'brain-breaker.json');
}

export function readBreaker(ws: Workspace): BreakerState {
  const st = readJsonState<BreakerState>(breakerPath(ws));
  return st && typeof st.failures === 'number' ? st : { failures: 0 };
}

/** Pure: the breaker's status at `now`. */
export function breakerStatus(st: BreakerState, config: Config, now: Date): BreakerStatus {
  if (!st.openedAt) return 'closed';
  return now.getTime() - Date.parse(st.openedAt) >= config.brain.breaker.cooldownMs ? 'half-open' : 'open';
}

export type Admission = { ok: true; trial: boolean } | { ok: false; reason: string };

/** May a request go out now? In half-open state only one (the trial) may, until its result is recorded. */
export function admitRequest(ws: Workspace, config: Config, now: Date): Admission {
  const st = readBreaker(ws);
  const status = breakerStatus(st, config, now);
  if (status === 'closed') return { ok: true, trial: false };
  const reopen = new Date(Date.parse(st.openedAt!) + config.brain.breaker.cooldownMs).toISOString();
  const trialRunning = st.trialAt && now.getTime() - Date.parse(st.trialAt) < config.brain.breaker.cooldownMs;
  if (status === 'open' || trialRunning) {
    return { ok: false, reason: `the anthropic brain's circuit breaker is open after ${st.failures} consecutive failed requests (next trial after ${reopen})` };
  }
  writeJsonState(breakerPath(ws), { ...st, trialAt: now.toISOString() });
  return { ok: true, trial: true };
}

export function recordSuccess(ws: Workspace, now: Date): void {
  const st = readBreaker(ws);
  if (st.failures === 0 && !st.openedAt) return;
  writeJsonState(breakerPath(ws), { failures: 0 });
  if (st.openedAt) resolveAlert(ws, ALERT_KEY, now);
}

/** Counts a failed request; returns the status after it. */
export function recordFailure(ws: Workspace, config: Config, now: Date, why: string): BreakerStatus {
  const st = readBreaker(ws);
  const failures = st.failures + 1;
  const wasTrial = Boolean(st.openedAt);
  if (wasTrial || failures >= config.brain.breaker.failures) {
    writeJsonState(breakerPath(ws), { failures, openedAt: now.toISOString() });
    raiseAlert(ws, { level: 'critical', kind: 'breaker', key: ALERT_KEY, message: `anthropic brain: circuit breaker open after ${failures} consecutive failed requests (last: ${why}); triggers are escalated to the lead` }, now);
    return 'open';
  }
  writeJsonState(breakerPath(ws), { failures });
  return 'closed';
}
