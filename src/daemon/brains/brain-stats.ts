/** The anthropic brain's figures for `status`, `metrics` and the dashboard, read from `.orchestra/state/`. */
import type { Config } from '../../core/config.js';
import type { Workspace } from '../../store/workspace.js';
import { breakerStatus, readBreaker, type BreakerStatus } from './breaker.js';
import { readBudget, type TokenTotals } from './budget.js';

export interface BrainStats {
  /** Requests made today (UTC), each HTTP attempt counted once. */
  callsToday: number;
  /** `brain.max_daily_calls`. */
  budget: number;
  budgetLeft: number;
  breaker: BreakerStatus;
  /** Today's token totals (UTC day). */
  tokens: TokenTotals;
  /** Share of today's input tokens read from the prompt cache, 0..1 (0 when nothing was sent). */
  cacheHitRate: number;
}

export function readBrainStats(ws: Workspace, config: Config, now: Date): BrainStats {
  const b = readBudget(ws, now);
  const input = b.tokens.input + b.tokens.cacheRead + b.tokens.cacheCreation;
  return {
    callsToday: b.calls,
    budget: config.brain.maxDailyCalls,
    budgetLeft: Math.max(0, config.brain.maxDailyCalls - b.calls),
    breaker: breakerStatus(readBreaker(ws), config, now),
    tokens: b.tokens,
    cacheHitRate: input ? b.tokens.cacheRead / input : 0,
  };
}
