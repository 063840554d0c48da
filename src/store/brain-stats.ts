/** The anthropic brain's figures for `status`, `metrics` and the dashboard, read from `.orchestra/state/`. */
import type { Config } from '../core/config.js';
import type { Workspace } from './workspace.js';
import { breakerStatus, readBreaker, type BreakerStatus } from './brain-breaker.js';
import { readBudget, type TokenTotals } from './brain-budget.js';

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

/**
 * The brain's block for `status`, `metrics` and `/api/metrics`: present when the anthropic brain is configured
 * or has made calls today (a daemon run with `--brain anthropic`), absent for a rules-only team.
 */
export function brainBlock(ws: Workspace, config: Config, now: Date): (BrainStats & { kind: string; model: string }) | undefined {
  const stats = readBrainStats(ws, config, now);
  if (config.brain.kind === 'rules' && stats.callsToday === 0) return undefined;
  return { kind: config.brain.kind === 'rules' ? 'anthropic' : config.brain.kind, model: config.brain.model, ...stats };
}

/** Two short lines for people (each fits 80 columns with a 8-column indent). */
export function brainLines(b: BrainStats & { model: string }): [string, string] {
  const k = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));
  return [
    `${b.model} · ${b.callsToday}/${b.budget} calls today (${b.budgetLeft} left) · breaker ${b.breaker}`,
    `tokens today ${k(b.tokens.input + b.tokens.cacheRead + b.tokens.cacheCreation)} in, ${k(b.tokens.output)} out · cache hits ${Math.round(b.cacheHitRate * 100)} %`,
  ];
}
