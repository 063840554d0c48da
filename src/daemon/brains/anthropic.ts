/**
 * The anthropic brain: one Messages API call per trigger that needs judgement, answered through tool use and
 * validated with the same zod schemas the tools were generated from. Our own retry loop replaces the SDK's
 * (`maxRetries: 0`) so each HTTP attempt is counted once, against both the daily budget and the circuit
 * breaker. Whatever goes wrong (budget spent, breaker open, API down, a reply that will not validate), the
 * trigger is escalated to the lead with the reason: never dropped, never acted on unvalidated.
 */
import Anthropic from '@anthropic-ai/sdk';
import { backoffMs, type Backoff } from '../../core/backoff.js';
import type { Config } from '../../core/config.js';
import { faqMatch } from '../../core/faq.js';
import type { Workspace } from '../../store/workspace.js';
import type { Brain, BrainDecision, BrainRequest } from '../brain.js';
import { buildContext } from './anthropic-context.js';
import { toolDefinitions, toolSchemas, validateToolCall, TOOL_NAMES } from './anthropic-tools.js';
import { admitRequest, recordFailure, recordSuccess } from '../../store/brain-breaker.js';
import { readBrainStats } from '../../store/brain-stats.js';
import { logBrainEvent, openBrainLog, redact, type BrainLogLine } from './brain-log.js';
import type { JsonLog } from '../../store/jsonlog.js';
import type { StateWriteError } from '../../store/atomic.js';
import { addTokens, readBudget, spendCall } from '../../store/brain-budget.js';

/** A `retry-after` longer than this is not waited for: the trigger is escalated instead of holding the daemon. */
export const MAX_RETRY_WAIT_MS = 60_000;
/** What the SDK itself would wait (0.5 s × 2ⁿ, capped at 8 s), between half and all of it. */
const API_BACKOFF: Backoff = { baseMs: 500, capMs: 8_000, jitter: 0.5 };

export interface AnthropicBrainOptions {
  ws: Workspace;
  config: Config;
  /** The API key; `createBrain` reads it from ANTHROPIC_API_KEY and nowhere else. */
  apiKey: string;
  /** Defaults to ANTHROPIC_BASE_URL, then the public API (the SDK's own rule). */
  baseURL?: string;
  now?: () => Date;
  /** Injected so tests can run retries without waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source, 0..1. */
  random?: () => number;
  /** Hears once that brain.jsonl cannot be written (the brain goes on without it). */
  onLogError?: (e: StateWriteError) => void;
}

interface Failure {
  retryable: boolean;
  what: string;
  status?: number;
  retryAfterMs?: number;
}

type CallResult = { ok: true; message: Anthropic.Message } | { ok: false; reason: string };

/** Milliseconds from `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now: Date): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers?.get('retry-after');
  if (!ra) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** What failed, whether another attempt may help, and how long the server asked us to wait. */
function classify(e: unknown, timeoutMs: number, now: Date): Failure {
  if (e instanceof Anthropic.APIUserAbortError) return { retryable: false, what: 'the request was aborted (the daemon is stopping)' };
  if (e instanceof Anthropic.APIConnectionTimeoutError) return { retryable: true, what: `no reply within ${timeoutMs} ms (brain.timeout)` };
  if (e instanceof Anthropic.APIConnectionError) return { retryable: true, what: 'could not connect to the Anthropic API' };
  if (e instanceof Anthropic.APIError && e.status) {
    const status = e.status;
    const type = typeof (e.error as { error?: { type?: unknown } })?.error?.type === 'string' ? (e.error as { error: { type: string } }).error.type : undefined;
    const shouldRetry = e.headers?.get('x-should-retry');
    const retryAfter = retryAfterMs(e.headers, now);
    const named =
      status === 401
        ? 'authentication failed (401): check ANTHROPIC_API_KEY'
        : status === 403
          ? 'permission denied (403): the key may not use this model'
          : status === 429
            ? 'rate limited (429)'
            : status === 529
              ? 'the API is overloaded (529)'
              : status >= 500
                ? `server error (${status})`
                : `the API refused the request (${status}${type ? ` ${type}` : ''})`;
    const transient = status === 408 || status === 409 || status === 429 || status >= 500;
    const retryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : transient;
    return { retryable, what: named, status, retryAfterMs: retryAfter };
  }
  return { retryable: false, what: `unexpected error (${e instanceof Error ? e.name : typeof e})` };
}

/** The parts of a reply's content that may be sent back as the assistant turn. */
function echoContent(content: Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  const out: Anthropic.ContentBlockParam[] = [];
  for (const b of content) {
    if (b.type === 'text') out.push({ type: 'text', text: b.text });
    else if (b.type === 'tool_use') out.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input ?? {} });
  }
  return out;
}

export class AnthropicBrain implements Brain {
  readonly name = 'anthropic' as const;
  private readonly ws: Workspace;
  private readonly config: Config;
  private readonly key: string;
  private readonly client: Anthropic;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly abort = new AbortController();
  private readonly brainLog: JsonLog;

  constructor(opts: AnthropicBrainOptions) {
    this.ws = opts.ws;
    this.config = opts.config;
    this.key = opts.apiKey;
    this.now = opts.now ?? (() => new Date());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
    this.brainLog = openBrainLog(opts.ws, opts.apiKey, opts.onLogError);
    this.client = new Anthropic({
      apiKey: opts.apiKey,
      // undefined lets the SDK read ANTHROPIC_BASE_URL, so gateways keep working.
      baseURL: opts.baseURL,
      timeout: opts.config.brain.timeoutMs,
      maxRetries: 0,
      // The SDK's own logging could print request details; ours is brain.jsonl.
      logLevel: 'off',
    });
  }

  describe(): Record<string, unknown> {
    return { ...readBrainStats(this.ws, this.config, this.now()), model: this.config.brain.model };
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.brainLog.close();
  }

  async decide(req: BrainRequest): Promise<BrainDecision> {
    try {
      return await this.decideOnce(req);
    } catch (e) {
      // A state file that cannot be written, a bug: still a decision, so the trigger reaches the lead.
      return this.escalate(`the anthropic brain failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async decideOnce(req: BrainRequest): Promise<BrainDecision> {
    const config = req.snapshot.config;
    const base = { trigger: req.trigger.id, kind: req.kind, model: config.brain.model };
    const log = (line: Omit<BrainLogLine, 'at' | 'trigger' | 'kind' | 'model'>) =>
      logBrainEvent(this.brainLog, { at: this.now().toISOString(), ...base, ...line }, this.key);

    // Doubts the rules settle for free (a faq match) cost no call.
    if (req.kind === 'answer-doubt') {
      const hit = faqMatch(req.trigger, config);
      if (hit) {
        log({ attempt: 0, outcome: 'faq' });
        return { action: 'answer_doubt', body: hit.answer, source: `faq: ${hit.match}` };
      }
    }

    const ctx = buildContext(req, config.brain.contextTokens);
    const schemas = toolSchemas(config);
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: ctx.user }];
    // No sampling parameters: the installed SDK's MessageCreateParams (1.13) has no temperature/top_p/top_k.
    const params = {
      model: config.brain.model,
      max_tokens: config.brain.maxTokens,
      system: [{ type: 'text' as const, text: ctx.system, cache_control: { type: 'ephemeral' as const } }],
      tools: toolDefinitions(schemas),
      tool_choice: { type: 'any' as const, disable_parallel_tool_use: true },
      messages,
    };
    const contextTokens = ctx.staticTokens + ctx.dynamicTokens;
    const attempts = { n: 0 };

    for (let round = 1; round <= 2; round++) {
      const r = await this.call(config, params, round, contextTokens, attempts, log);
      if (!r.ok) return this.escalate(r.reason);
      const msg = r.message;
      const uses = msg.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      const first = uses[0];
      const result = first
        ? validateToolCall(first.name, first.input, schemas, { kind: req.kind, config, docs: req.snapshot.derived.byId, derived: req.snapshot.derived })
        : { ok: false as const, error: `the reply called no tool (stop reason ${msg.stop_reason}): call exactly one of ${TOOL_NAMES.join(', ')}` };
      if (result.ok) {
        log({ attempt: attempts.n, round, outcome: result.decision.action === 'escalate' ? 'escalated' : 'decided', tool: first?.name });
        return result.decision;
      }
      log({ attempt: attempts.n, round, outcome: 'invalid', tool: first?.name, error: result.error, stopReason: msg.stop_reason });
      if (round === 2) return this.escalate(`the model's reply did not validate, even after one correction: ${result.error}`);
      // Once more, with the validation error as the tool's result.
      messages.push({ role: 'assistant', content: echoContent(msg.content) });
      messages.push({
        role: 'user',
        content: uses.length
          ? uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, is_error: true, content: `Invalid input, nothing was done: ${result.error}. Call one tool again with corrected input.` }))
          : `Nothing was done: ${result.error}.`,
      });
    }
    return this.escalate('unreachable');
  }

  private escalate(reason: string): BrainDecision {
    return { action: 'escalate', reason: redact(reason, this.key) };
  }

  /** One reply, through up to `brain.retries` HTTP attempts, each admitted by the budget and the breaker. */
  private async call(
    config: Config,
    params: Anthropic.MessageCreateParamsNonStreaming,
    round: number,
    contextTokens: number,
    attempts: { n: number },
    log: (line: Omit<BrainLogLine, 'at' | 'trigger' | 'kind' | 'model'>) => void,
  ): Promise<CallResult> {
    for (let i = 1; i <= config.brain.retries; i++) {
      const now = this.now();
      // Budget first (read-only), so a spent budget never consumes the breaker's half-open trial.
      const budget = readBudget(this.ws, now);
      if (budget.calls >= config.brain.maxDailyCalls) {
        const spent = spendCall(this.ws, config, now);
        const reason = spent.ok ? 'the daily budget is spent' : spent.reason;
        log({ attempt: attempts.n, round, outcome: 'budget', error: reason });
        return { ok: false, reason };
      }
      const admitted = admitRequest(this.ws, config, now);
      if (!admitted.ok) {
        log({ attempt: attempts.n, round, outcome: 'breaker', error: admitted.reason });
        return { ok: false, reason: admitted.reason };
      }
      const spend = spendCall(this.ws, config, now);
      if (!spend.ok) {
        log({ attempt: attempts.n, round, outcome: 'budget', error: spend.reason });
        return { ok: false, reason: spend.reason };
      }
      attempts.n++;
      const started = performance.now();
      try {
        const message = await this.client.messages.create(params, { timeout: config.brain.timeoutMs, maxRetries: 0, signal: this.abort.signal });
        const latencyMs = Math.round(performance.now() - started);
        const done = this.now();
        recordSuccess(this.ws, done);
        const u = message.usage;
        addTokens(this.ws, done, { input: u?.input_tokens ?? 0, output: u?.output_tokens ?? 0, cacheRead: u?.cache_read_input_tokens ?? 0, cacheCreation: u?.cache_creation_input_tokens ?? 0 });
        log({
          attempt: attempts.n,
          round,
          latencyMs,
          inputTokens: u?.input_tokens ?? 0,
          outputTokens: u?.output_tokens ?? 0,
          cacheReadTokens: u?.cache_read_input_tokens ?? 0,
          cacheCreationTokens: u?.cache_creation_input_tokens ?? 0,
          contextTokens,
          stopReason: message.stop_reason,
          outcome: 'ok',
        });
        return { ok: true, message };
      } catch (e) {
        const latencyMs = Math.round(performance.now() - started);
        const done = this.now();
        const f = classify(e, config.brain.timeoutMs, done);
        const aborted = e instanceof Anthropic.APIUserAbortError;
        const breaker = aborted ? 'closed' : recordFailure(this.ws, config, done, f.what);
        const last = !f.retryable || i === config.brain.retries || breaker === 'open';
        const tooLong = f.retryAfterMs !== undefined && f.retryAfterMs > MAX_RETRY_WAIT_MS;
        log({ attempt: attempts.n, round, latencyMs, contextTokens, outcome: last || tooLong ? 'failed' : 'retry', status: f.status, error: f.what });
        if (last) {
          const why = breaker === 'open' && f.retryable && i < config.brain.retries ? `${f.what}; the circuit breaker opened` : f.what;
          return { ok: false, reason: `the Anthropic API call failed after ${attempts.n} attempt${attempts.n === 1 ? '' : 's'}: ${why}` };
        }
        if (tooLong) return { ok: false, reason: `the Anthropic API asked to wait ${Math.ceil(f.retryAfterMs! / 1000)} s (${f.what}): escalated rather than holding the daemon` };
        await this.sleep(f.retryAfterMs ?? backoffMs(API_BACKOFF, i, this.random));
      }
    }
    return { ok: false, reason: 'no attempt left' };
  }
}
