/**
 * The claude-code brain: the same decisions as the anthropic brain, asked of headless Claude Code (`claude -p`)
 * for users with a Claude Code subscription and no API key. No tools, no MCP servers, no settings from the
 * repository: one prompt in, one JSON object out, validated with the same zod schemas as the anthropic brain's
 * tool calls. Each attempt is admitted by the same daily budget and circuit breaker; whatever goes wrong, the
 * trigger is escalated with the reason.
 */
import { spawn } from 'node:child_process';
import type { Config } from '../../core/config.js';
import { faqMatch } from '../../core/faq.js';
import type { StateWriteError } from '../../store/atomic.js';
import type { JsonLog } from '../../store/jsonlog.js';
import type { Workspace } from '../../store/workspace.js';
import type { Brain, BrainDecision, BrainRequest } from '../brain.js';
import { buildContext } from './anthropic-context.js';
import { toolDefinitions, toolSchemas, validateToolCall, TOOL_NAMES } from './anthropic-tools.js';
import { admitRequest, recordFailure, recordSuccess } from '../../store/brain-breaker.js';
import { readBrainStats } from '../../store/brain-stats.js';
import { logBrainEvent, openBrainLog, type BrainLogLine } from './brain-log.js';
import { readBudget, spendCall } from '../../store/brain-budget.js';

export interface ClaudeCodeBrainOptions {
  ws: Workspace;
  config: Config;
  /** The `claude` executable: $ORCHESTRA_CLAUDE, else `claude` on PATH. */
  command?: string;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Hears once that the brain's log cannot be written. */
  onLogError?: (e: StateWriteError) => void;
}

type RunResult = { ok: true; text: string } | { ok: false; what: string; retryable: boolean };

/** The one JSON object in a reply (bare, or in a ```json fence). */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n```/.exec(text);
  const raw = fenced ? fenced[1] : text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return JSON.parse(raw);
}

export class ClaudeCodeBrain implements Brain {
  readonly name = 'claude-code' as const;
  private readonly o: Required<Omit<ClaudeCodeBrainOptions, 'command' | 'onLogError'>> & { command: string };
  private readonly brainLog: JsonLog;
  private readonly children = new Set<ReturnType<typeof spawn>>();

  constructor(opts: ClaudeCodeBrainOptions) {
    this.o = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), command: opts.command ?? process.env.ORCHESTRA_CLAUDE ?? 'claude', ...opts } as typeof this.o;
    this.brainLog = openBrainLog(opts.ws, undefined, opts.onLogError);
  }

  describe(): Record<string, unknown> {
    return { ...readBrainStats(this.o.ws, this.o.config, this.o.now()), model: this.o.config.brain.model, via: 'claude-code' };
  }

  async close(): Promise<void> {
    for (const c of this.children) c.kill('SIGTERM');
    this.brainLog.close();
  }

  async decide(req: BrainRequest): Promise<BrainDecision> {
    try {
      return await this.decideOnce(req);
    } catch (e) {
      return { action: 'escalate', reason: `the claude-code brain failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private prompt(req: BrainRequest, correction?: string): { system: string; user: string } {
    const ctx = buildContext(req, req.snapshot.config.brain.contextTokens);
    const tools = toolDefinitions(toolSchemas(req.snapshot.config)).map((t) => ({ tool: t.name, description: t.description, input: t.input_schema }));
    const system = `${ctx.system}

Answer with exactly one JSON object and nothing else: {"tool": <one of ${TOOL_NAMES.map((n) => `"${n}"`).join(', ')}>, "input": <that tool's input>}.
The tools and their input schemas:
${JSON.stringify(tools)}`;
    return { system, user: correction ? `${ctx.user}\n\nYour previous reply was refused, nothing was done: ${correction}. Answer again with one corrected JSON object.` : ctx.user };
  }

  private async decideOnce(req: BrainRequest): Promise<BrainDecision> {
    const config = req.snapshot.config;
    const log = (line: Omit<BrainLogLine, 'at' | 'trigger' | 'kind' | 'model'>) =>
      logBrainEvent(this.brainLog, { at: this.o.now().toISOString(), trigger: req.trigger.id, kind: req.kind, model: config.brain.model, ...line }, '');
    if (req.kind === 'answer-doubt') {
      const hit = faqMatch(req.trigger, config);
      if (hit) {
        log({ attempt: 0, outcome: 'faq' });
        return { action: 'answer_doubt', body: hit.answer, source: `faq: ${hit.match}` };
      }
    }
    const schemas = toolSchemas(config);
    let correction: string | undefined;
    const attempts = { n: 0 };
    for (let round = 1; round <= 2; round++) {
      const r = await this.call(config, this.prompt(req, correction), round, attempts, log);
      if (!r.ok) return { action: 'escalate', reason: r.what };
      let parsed: { tool?: unknown; input?: unknown } | undefined;
      try {
        parsed = extractJson(r.text) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      const result = parsed && typeof parsed.tool === 'string'
        ? validateToolCall(parsed.tool, parsed.input, schemas, { kind: req.kind, config, docs: req.snapshot.derived.byId, derived: req.snapshot.derived })
        : { ok: false as const, error: `the reply was not one JSON object {"tool", "input"}` };
      if (result.ok) {
        log({ attempt: attempts.n, round, outcome: result.decision.action === 'escalate' ? 'escalated' : 'decided', tool: String(parsed!.tool) });
        return result.decision;
      }
      log({ attempt: attempts.n, round, outcome: 'invalid', error: result.error });
      if (round === 2) return { action: 'escalate', reason: `Claude Code's reply did not validate, even after one correction: ${result.error}` };
      correction = result.error;
    }
    return { action: 'escalate', reason: 'unreachable' };
  }

  /** One reply, through up to `brain.retries` attempts, each admitted by the budget and the breaker. */
  private async call(config: Config, p: { system: string; user: string }, round: number, attempts: { n: number }, log: (l: Omit<BrainLogLine, 'at' | 'trigger' | 'kind' | 'model'>) => void): Promise<{ ok: true; text: string } | { ok: false; what: string }> {
    for (let i = 1; i <= config.brain.retries; i++) {
      const now = this.o.now();
      if (readBudget(this.o.ws, now).calls >= config.brain.maxDailyCalls) {
        const spent = spendCall(this.o.ws, config, now);
        const what = spent.ok ? 'the daily budget is spent' : spent.reason;
        log({ attempt: attempts.n, round, outcome: 'budget', error: what });
        return { ok: false, what };
      }
      const admitted = admitRequest(this.o.ws, config, now);
      if (!admitted.ok) {
        log({ attempt: attempts.n, round, outcome: 'breaker', error: admitted.reason });
        return { ok: false, what: admitted.reason };
      }
      const spend = spendCall(this.o.ws, config, now);
      if (!spend.ok) return { ok: false, what: spend.reason };
      attempts.n++;
      const started = performance.now();
      const r = await this.run(config, p);
      const latencyMs = Math.round(performance.now() - started);
      if (r.ok) {
        recordSuccess(this.o.ws, this.o.now());
        log({ attempt: attempts.n, round, latencyMs, outcome: 'ok' });
        return r;
      }
      const breaker = recordFailure(this.o.ws, config, this.o.now(), r.what);
      const last = !r.retryable || i === config.brain.retries || breaker === 'open';
      log({ attempt: attempts.n, round, latencyMs, outcome: last ? 'failed' : 'retry', error: r.what });
      if (last) return { ok: false, what: `Claude Code failed after ${attempts.n} attempt${attempts.n === 1 ? '' : 's'}: ${r.what}` };
      await this.o.sleep(Math.min(8_000, 500 * 2 ** (i - 1)));
    }
    return { ok: false, what: 'no attempt left' };
  }

  /** `claude -p` with no tools, no MCP servers and no repository settings; the prompt goes in on stdin. */
  private run(config: Config, p: { system: string; user: string }): Promise<RunResult> {
    const args = ['-p', '--output-format', 'json', '--model', config.brain.model, '--tools', '', '--strict-mcp-config', '--setting-sources', '', '--no-session-persistence', '--system-prompt', p.system];
    return new Promise((resolve) => {
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(this.o.command, args, { cwd: this.o.ws.stateDir, stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (e) {
        resolve({ ok: false, what: `cannot start ${this.o.command}: ${(e as Error).message}`, retryable: false });
        return;
      }
      this.children.add(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), config.brain.timeoutMs);
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ ok: false, what: e.code === 'ENOENT' ? `${this.o.command} is not installed (npm install -g @anthropic-ai/claude-code)` : e.message, retryable: false });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        if (signal === 'SIGKILL') return resolve({ ok: false, what: `no reply within ${config.brain.timeoutMs} ms (brain.timeout)`, retryable: true });
        try {
          const j = JSON.parse(out) as { is_error?: boolean; result?: string; subtype?: string };
          if (j.is_error || typeof j.result !== 'string') return resolve({ ok: false, what: `Claude Code reported an error (${j.subtype ?? 'no result'}): ${String(j.result ?? '').slice(0, 200)}`, retryable: true });
          resolve({ ok: true, text: j.result });
        } catch {
          resolve({ ok: false, what: `claude exited ${code} without a JSON result: ${(err || out).split('\n')[0].slice(0, 200)}`, retryable: true });
        }
      });
      child.stdin!.end(p.user);
    });
  }
}
