import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import type * as Z from 'zod';
import type { Problem } from '../errors.js';
import { DURATION_HINT, parseDuration } from './duration.js';
import { BRANCH_HINT, REMOTE_HINT, branchNameProblem, remoteProblem } from './refname.js';
import { faqMatcher, faqPatternProblem } from './faq.js';

import { CONFIG_FILE, DEFAULT_METRICS_WINDOW_MS, DEFAULT_ORCHESTRATION_BRANCH, NOTIFY_KINDS, RESERVED_NAMES, WORKER_NAME_RE, type Config } from './workers.js';

// The light half (types, names, lookups) lives in workers.ts so hot paths need not load zod.
export * from './workers.js';

/** claude-sonnet-4-5 reaches end-of-life on 2026-11-30 (the SDK's deprecation list). */
export const DEFAULT_MODEL = 'claude-sonnet-4-6';

const require = createRequire(import.meta.url);

/** The zod schemas of orchestra.yaml, built on first use: zod costs ~70 ms to load and most commands never need it. */
function buildSchemas() {
  const { z } = require('zod') as typeof Z;
  const duration = z.union([z.string(), z.number()]);
  // Values that reach git's command line: refused here unless git can only take them as what they are.
  const gitValue = (what: string, problemOf: (v: string) => string | undefined, hint: string) =>
    z.string().superRefine((v, ctx) => {
      const p = problemOf(v);
      if (p) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)} is not a valid ${what}: it ${p}; ${hint}` });
    });
  const branch = gitValue('branch name', branchNameProblem, BRANCH_HINT);
  const remote = gitValue('remote', remoteProblem, REMOTE_HINT);

  /** orchestra.yaml as written. Strict, so a misspelt key is reported rather than silently ignored. */
  const rawWorkerSchema = z.strictObject({
    name: z.string().describe('^[a-z0-9][a-z0-9-]{0,39}$; `lead` and `daemon` are reserved'),
    scope: z.union([z.string(), z.array(z.string())]).optional().describe('globs the worker may change'),
    prompt: z.string().optional().describe('path of the worker\'s standing prompt'),
    priority: z.number().int().min(0).optional().describe('lower number = more important worker'),
    depends_on: z.array(z.string()).optional().describe('workers whose earlier orders must finish first'),
    branch: branch.optional().describe('the branch/worktree this worker commits on'),
    orchestrate: z.boolean().optional().describe('true lets this worker give orders to other workers'),
    description: z.string().optional(),
  });

  const rawBrainSchema = z.strictObject({
    kind: z.enum(['rules', 'anthropic', 'claude-code']).optional(),
    model: z.string().min(1).optional(),
    max_tokens: z.number().int().positive().optional(),
    max_daily_calls: z.number().int().min(0).optional(),
    retries: z.number().int().min(1).max(10).optional(),
    timeout: duration.optional(),
    context_tokens: z.number().int().positive().optional(),
    breaker: z.strictObject({ failures: z.number().int().positive().optional(), cooldown: duration.optional() }).optional(),
  });

  const rawConfigSchema = z.strictObject({
    $schema: z.string().optional(),
    version: z.literal(1, { error: 'must be 1' }).optional(),
    lead: z.string().optional(),
    workers: z.array(rawWorkerSchema).min(1, 'declare at least one worker'),
    brain: rawBrainSchema.optional(),
    faq: z.array(z.strictObject({ match: z.string(), answer: z.string() })).optional(),
    archive_after: duration.optional(),
    stale_after: duration.optional(),
    metrics: z.strictObject({ window: duration.optional().describe('the metrics window everywhere (CLI, dashboard, API, alerts)') }).optional(),
    gone_after: duration.optional(),
    review: z.boolean().optional().describe("true: the daemon's docs go to the orchestra/proposals branch until the lead approves them"),
    sync: z
      .strictObject({ remote: remote.optional(), branch: branch.optional(), interval: duration.optional() })
      .optional(),
    orchestration: z
      .strictObject({ branch: branch.optional().describe('the branch every doc, archive move and prompt is committed on (branch mode); default orchestra') })
      .optional(),
    notify: z
      .strictObject({
        command: z.string().trim().min(1, 'is empty: write the shell line to run, or remove the key').optional(),
        webhook: z
          .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, such as http://127.0.0.1:8080/orchestra' })
          .optional(),
        events: z.array(z.enum(NOTIFY_KINDS, { error: `must be one of ${NOTIFY_KINDS.join(', ')}` })).optional(),
        rate: z.strictObject({ max: z.number().int().min(1, 'must be at least 1'), per: duration }).optional(),
        timeout: duration.optional(),
      })
      .optional(),
  });
  return { rawWorkerSchema, rawBrainSchema, rawConfigSchema };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;
export function configSchemas(): ReturnType<typeof buildSchemas> {
  schemas ??= buildSchemas();
  return schemas;
}

export type RawConfig = Z.infer<ReturnType<typeof buildSchemas>['rawConfigSchema']>;

export type ConfigResult = { ok: true; config: Config; warnings: Problem[] } | { ok: false; problems: Problem[]; warnings: Problem[] };

function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '-';
}

/** A glob we can match and that stays inside the repository. */
export function globProblem(glob: string): string | undefined {
  if (!glob.trim()) return 'is empty: write a glob such as "src/core/**"';
  if (glob.startsWith('/') || /^[A-Za-z]:[\\/]/.test(glob)) return `"${glob}" is absolute: write it relative to the repository root`;
  if (glob.split('/').includes('..')) return `"${glob}" leaves the repository with "..": write it relative to the root`;
  if (glob.includes('\\')) return `"${glob}" uses "\\": separate folders with "/"`;
  let depthBrace = 0;
  let depthBracket = 0;
  for (const ch of glob) {
    if (ch === '{') depthBrace++;
    if (ch === '}') depthBrace--;
    if (ch === '[') depthBracket++;
    if (ch === ']') depthBracket--;
    if (depthBrace < 0 || depthBracket < 0) break;
  }
  if (depthBrace !== 0) return `"${glob}" has unbalanced { }: close every brace`;
  if (depthBracket !== 0) return `"${glob}" has unbalanced [ ]: close every bracket`;
  try {
    (require('picomatch') as typeof picomatchType).makeRe(glob, { strictBrackets: true });
  } catch (e) {
    return `"${glob}" is not a valid glob (${(e as Error).message})`;
  }
  return undefined;
}

/** Finds one dependency cycle, as `a -> b -> a`, or undefined. */
export function findCycle(deps: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      if (!deps.has(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of [...deps.keys()].sort()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/**
 * Validates a parsed orchestra.yaml and resolves every default. Pure; one problem per broken rule,
 * each naming the key path and how to fix it.
 */
export function resolveConfig(data: unknown, file = CONFIG_FILE): ConfigResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const problem = (field: string, message: string) => problems.push({ file, field, message });

  if (data === null || data === undefined) {
    problem('-', 'is empty: declare at least `workers:` (run `orchestra init` for a template)');
    return { ok: false, problems, warnings };
  }
  const parsed = configSchemas().rawConfigSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      let msg = issue.message;
      if (issue.code === 'unrecognized_keys') msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or correct ${issue.keys.length > 1 ? 'them' : 'it'}`;
      problem(keyPath(issue.path), msg);
    }
    return { ok: false, problems, warnings };
  }
  const raw = parsed.data;

  const names = new Map<string, number>();
  raw.workers.forEach((w, i) => {
    const at = `workers[${i}].name`;
    if (!WORKER_NAME_RE.test(w.name)) {
      problem(at, `"${w.name}" is not a valid worker name: use lowercase letters, digits and "-", up to 40 characters, such as "worker-core"`);
    } else if (RESERVED_NAMES.has(w.name)) {
      problem(at, `"${w.name}" is reserved: choose another name`);
    } else if (names.has(w.name)) {
      problem(at, `duplicate worker "${w.name}" (also workers[${names.get(w.name)}]): give each worker a unique name`);
    } else names.set(w.name, i);
  });

  const deps = new Map<string, string[]>();
  raw.workers.forEach((w, i) => {
    (w.depends_on ?? []).forEach((d, j) => {
      if (d === w.name) problem(`workers[${i}].depends_on[${j}]`, `${w.name} cannot depend on itself: remove it`);
      else if (!names.has(d) && !RESERVED_NAMES.has(d)) {
        problem(`workers[${i}].depends_on[${j}]`, `unknown worker "${d}": declare it under workers, or remove it`);
      } else if (RESERVED_NAMES.has(d)) problem(`workers[${i}].depends_on[${j}]`, `"${d}" is not a worker: remove it`);
    });
    const scopes = w.scope === undefined ? [] : Array.isArray(w.scope) ? w.scope : [w.scope];
    scopes.forEach((g, j) => {
      const p = globProblem(g);
      if (p) problem(Array.isArray(w.scope) ? `workers[${i}].scope[${j}]` : `workers[${i}].scope`, p);
    });
    if (w.prompt !== undefined) {
      // The prompt is read by the daemon and, with the anthropic brain, sent to the API: it must be in the repository.
      if (!w.prompt.trim()) problem(`workers[${i}].prompt`, 'is empty: give a path such as .orchestra/prompts/' + w.name + '.md');
      else if (w.prompt.startsWith('/') || /^[A-Za-z]:[\\/]/.test(w.prompt) || w.prompt.split(/[\\/]/).includes('..')) {
        problem(`workers[${i}].prompt`, `"${w.prompt}" is outside the repository: give a path relative to its root, such as .orchestra/prompts/${w.name}.md`);
      }
    }
    if (names.get(w.name) === i) deps.set(w.name, (w.depends_on ?? []).filter((d) => d !== w.name));
  });
  const cycle = findCycle(deps);
  if (cycle) {
    const i = names.get(cycle[0]) ?? 0;
    problem(`workers[${i}].depends_on`, `dependency cycle ${cycle.join(' -> ')}: remove one of these dependencies`);
  }

  const durations: [string, string | number | undefined, number][] = [
    ['archive_after', raw.archive_after, 14 * 86_400_000],
    ['stale_after', raw.stale_after, 4 * 3_600_000],
    ['metrics.window', raw.metrics?.window, DEFAULT_METRICS_WINDOW_MS],
    ['gone_after', raw.gone_after, 12 * 3_600_000],
    ['brain.timeout', raw.brain?.timeout, 60_000],
    ['brain.breaker.cooldown', raw.brain?.breaker?.cooldown, 60_000],
    ['sync.interval', raw.sync?.interval, 30_000],
    ['notify.rate.per', raw.notify?.rate?.per, 60_000],
    ['notify.timeout', raw.notify?.timeout, 10_000],
  ];
  const ms: Record<string, number> = {};
  for (const [field, value, dflt] of durations) {
    if (value === undefined) {
      ms[field] = dflt;
      continue;
    }
    const v = parseDuration(value);
    if (v === undefined) problem(field, `"${value}" is not a duration: ${DURATION_HINT}`);
    else ms[field] = v;
  }

  const faq: Config['faq'] = [];
  (raw.faq ?? []).forEach((f, i) => {
    const bad = faqPatternProblem(f.match);
    if (bad) problem(`faq[${i}].match`, bad);
    else faq.push({ match: f.match, answer: f.answer, re: faqMatcher(f.match) });
  });

  if (raw.notify && !raw.notify.command && !raw.notify.webhook) problem('notify', 'has neither `command` nor `webhook`: give one of them, or remove `notify`');
  if (ms['notify.rate.per'] === 0) problem('notify.rate.per', 'is zero: give a duration such as 1m');
  if (ms['notify.timeout'] === 0) problem('notify.timeout', 'is zero: give a duration such as 10s');
  if (problems.length) return { ok: false, problems, warnings };

  const config: Config = {
    version: 1,
    lead: raw.lead ?? 'lead',
    workers: raw.workers.map((w, i) => ({
      name: w.name,
      scope: w.scope === undefined ? [] : Array.isArray(w.scope) ? w.scope : [w.scope],
      prompt: w.prompt ?? `.orchestra/prompts/${w.name}.md`,
      priority: w.priority ?? i + 1,
      dependsOn: w.depends_on ?? [],
      branch: w.branch,
      description: w.description,
      orchestrate: w.orchestrate ?? false,
    })),
    brain: {
      kind: raw.brain?.kind ?? 'rules',
      model: raw.brain?.model ?? DEFAULT_MODEL,
      maxTokens: raw.brain?.max_tokens ?? 4096,
      maxDailyCalls: raw.brain?.max_daily_calls ?? 100,
      retries: raw.brain?.retries ?? 3,
      timeoutMs: ms['brain.timeout'],
      contextTokens: raw.brain?.context_tokens ?? 12_000,
      breaker: { failures: raw.brain?.breaker?.failures ?? 3, cooldownMs: ms['brain.breaker.cooldown'] },
    },
    faq,
    archiveAfterMs: ms.archive_after,
    staleAfterMs: ms.stale_after,
    metricsWindowMs: ms['metrics.window'],
    goneAfterMs: ms.gone_after,
    review: raw.review ?? false,
    sync: raw.sync
      ? { remote: raw.sync.remote ?? 'origin', branch: raw.sync.branch ?? 'main', intervalMs: ms['sync.interval'] }
      : undefined,
    orchestration: raw.orchestration ? { branch: raw.orchestration.branch ?? DEFAULT_ORCHESTRATION_BRANCH } : undefined,
    notify: raw.notify
      ? {
          command: raw.notify.command,
          webhook: raw.notify.webhook,
          events: [...new Set(raw.notify.events ?? NOTIFY_KINDS)],
          rate: { max: raw.notify.rate?.max ?? 10, perMs: ms['notify.rate.per'] },
          timeoutMs: ms['notify.timeout'],
        }
      : undefined,
  };
  return { ok: true, config, warnings };
}

