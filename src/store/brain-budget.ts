/**
 * The daily call budget of the anthropic brain, counted per UTC day in `.orchestra/state/brain-budget.json`.
 * Every HTTP attempt counts once (a retried call costs what it cost the account). At 80 % an alert is raised;
 * at 100 % no more calls are made until the next UTC day. The same file keeps the day's token totals.
 */
import path from 'node:path';
import type { Config } from '../core/config.js';
import { raiseAlert, resolveAlert } from './alerts.js';
import type { Workspace } from './workspace.js';
import { readJsonState, writeJsonState } from './brain-state-file.js';

export interface TokenTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export interface BudgetState {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  calls: number;
  tokens: TokenTotals;
}

export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

export function budgetPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'brain-budget.json');
}

const zeroTokens = (): TokenTotals => ({ input: 0, output: 0, cacheRead: 0, cacheCreation: 0 });

/** Today's counts; a file from an earlier day reads as a fresh day. */
export function readBudget(ws: Workspace, now: Date): BudgetState {
  const day = utcDay(now);
  const st = readJsonState<Partial<BudgetState>>(budgetPath(ws));
  if (!st || st.day !== day || typeof st.calls !== 'number') return { day, calls: 0, tokens: zeroTokens() };
  return { day, calls: st.calls, tokens: { ...zeroTokens(), ...st.tokens } };
}

const alertKeys = (day: string) => ({ warn: `brain-budget-80:${day}`, spent: `brain-budget-spent:${day}` });

export type Spend = { ok: true; calls: number; limit: number } | { ok: false; calls: number; limit: number; reason: string };

/**
 * Takes one call from today's budget, or says why not. Raises the 80 % alert and the spent alert once a day,
 * and closes the previous day's when a new day starts.
 */
export function spendCall(ws: Workspace, config: Config, now: Date): Spend {
  const limit = config.brain.maxDailyCalls;
  const previous = readJsonState<Partial<BudgetState>>(budgetPath(ws));
  const st = readBudget(ws, now);
  if (previous?.day && previous.day !== st.day) {
    const old = alertKeys(previous.day);
    resolveAlert(ws, old.warn, now);
    resolveAlert(ws, old.spent, now);
  }
  if (st.calls >= limit) {
    return { ok: false, calls: st.calls, limit, reason: `the anthropic brain's daily budget is spent (${st.calls}/${limit} calls today, UTC): raise brain.max_daily_calls or wait for the next UTC day` };
  }
  st.calls += 1;
  writeJsonState(budgetPath(ws), st);
  const keys = alertKeys(st.day);
  if (st.calls >= limit) {
    raiseAlert(ws, { level: 'critical', kind: 'budget', key: keys.spent, message: `anthropic brain: daily budget spent (${st.calls}/${limit} calls); triggers are escalated to the lead until the next UTC day` }, now);
  } else if (st.calls >= Math.ceil(limit * 0.8)) {
    raiseAlert(ws, { level: 'warning', kind: 'budget', key: keys.warn, message: `anthropic brain: ${st.calls}/${limit} daily calls used (80 % reached)` }, now);
  }
  return { ok: true, calls: st.calls, limit };
}

/** Adds a reply's usage to today's totals. */
export function addTokens(ws: Workspace, now: Date, usage: Partial<TokenTotals>): void {
  const st = readBudget(ws, now);
  st.tokens.input += usage.input ?? 0;
  st.tokens.output += usage.output ?? 0;
  st.tokens.cacheRead += usage.cacheRead ?? 0;
  st.tokens.cacheCreation += usage.cacheCreation ?? 0;
  writeJsonState(budgetPath(ws), st);
}
