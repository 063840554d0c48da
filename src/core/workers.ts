/** Config types and lookups: the part of the config the hot paths need, with no zod or yaml behind it. */

/** The orchestration branch `init` makes when none is named. */
export const DEFAULT_ORCHESTRATION_BRANCH = 'orchestra';

export const CONFIG_FILE = 'orchestra.yaml';
export const WORKER_NAME_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** The seed's window: a week. */
export const DEFAULT_METRICS_WINDOW_MS = 7 * 86_400_000;
export const RESERVED_NAMES = new Set(['lead', 'daemon']);

export interface WorkerConfig {
  name: string;
  scope: string[];
  prompt: string;
  priority: number;
  dependsOn: string[];
  branch?: string;
  description?: string;
  /** True lets this worker give orders to other workers (`orchestrate:` in orchestra.yaml, default false). */
  orchestrate: boolean;
}

export type BrainKind = 'rules' | 'anthropic' | 'claude-code';
export const BRAIN_KINDS: readonly BrainKind[] = ['rules', 'anthropic', 'claude-code'];

export interface BrainConfig {
  kind: BrainKind;
  model: string;
  maxTokens: number;
  maxDailyCalls: number;
  retries: number;
  timeoutMs: number;
  contextTokens: number;
  breaker: { failures: number; cooldownMs: number };
}

/** A compiled `faq` pattern: linear-time (core/faq.ts), never JavaScript's backtracking RegExp. */
export interface FaqMatcher {
  test(text: string): boolean;
}

export interface Config {
  version: 1;
  lead: string;
  workers: WorkerConfig[];
  brain: BrainConfig;
  faq: { match: string; answer: string; re: FaqMatcher }[];
  archiveAfterMs: number;
  staleAfterMs: number;
  /** One metrics window by default for the CLI, the dashboard, the API and the autonomy alert (`metrics.window`). */
  metricsWindowMs: number;
  /** No heartbeat for this long with work open: the worker is gone (optional: configs cached before it lack it). */
  goneAfterMs?: number;
  sync?: { remote: string; branch: string; intervalMs: number };
  /** Branch mode (DESIGN.md "Files"): the branch docs are committed on. Absent in inline mode. */
  orchestration?: { branch: string };
  /** Review mode (`review:`): the daemon's docs go to the proposals branch (optional: cached configs lack it). */
  review?: boolean;
  notify?: NotifyConfig;
}

export const NOTIFY_KINDS = ['escalation', 'blocked', 'worker_gone', 'budget', 'breaker'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** `notify:` in orchestra.yaml: how the lead is told when they are needed (src/core/notify.ts). */
export interface NotifyConfig {
  /** The lead's own shell line; the event reaches it only through ORCHESTRA_EVENT_* variables. */
  command?: string;
  webhook?: string;
  events: NotifyKind[];
  rate: { max: number; perMs: number };
  timeoutMs: number;
}

export function workerNames(config: Config): Set<string> {
  return new Set(config.workers.map((w) => w.name));
}

export function findWorker(config: Config, name: string): WorkerConfig | undefined {
  return config.workers.find((w) => w.name === name);
}
