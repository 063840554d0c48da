/** Config types and lookups: the part of the config the hot paths need, with no zod or yaml behind it. */

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
}

export interface BrainConfig {
  kind: 'rules' | 'anthropic';
  model: string;
  maxTokens: number;
  maxDailyCalls: number;
  retries: number;
  timeoutMs: number;
  contextTokens: number;
  breaker: { failures: number; cooldownMs: number };
}

export interface Config {
  version: 1;
  lead: string;
  workers: WorkerConfig[];
  brain: BrainConfig;
  faq: { match: string; answer: string; re: RegExp }[];
  archiveAfterMs: number;
  staleAfterMs: number;
  /** One metrics window by default for the CLI, the dashboard, the API and the autonomy alert (`metrics.window`). */
  metricsWindowMs: number;
  sync?: { remote: string; branch: string; intervalMs: number };
}

export function workerNames(config: Config): Set<string> {
  return new Set(config.workers.map((w) => w.name));
}

export function findWorker(config: Config, name: string): WorkerConfig | undefined {
  return config.workers.find((w) => w.name === name);
}
