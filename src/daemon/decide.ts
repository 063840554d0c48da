/**
 * The decision for each trigger of a batch: the pure planner says log, escalate or ask the brain (core/plan.ts);
 * the brain's decision becomes reaction docs through the planner's rules, and a brain that fails is escalated to
 * the lead instead. Once the reactions are committed, the decision is reported.
 */
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import { renderBriefing } from '../core/briefing.js';
import { escalation, planTrigger, reactionsFor, recentReactions, type Limits, type PlanInput, type Reaction } from '../core/plan.js';
import { derive } from '../core/state.js';
import type { Written } from '../store/write.js';
import type { Workspace } from '../store/workspace.js';
import type { Planned } from './apply.js';
import type { Brain } from './brain.js';
import type { DaemonContext } from './context.js';
import { errorLine } from './log.js';

/** A worker's standing prompt with its briefing, as the brain gets it; undefined when it has none to send. */
export function promptOf(ws: Workspace, config: Config, worker: string): string | undefined {
  const w = config.workers.find((x) => x.name === worker);
  if (!w) return undefined;
  try {
    // Only a regular file inside the repository: a committed symbolic link could point at any file of the machine,
    // and with the anthropic brain the prompt is sent to the API.
    const abs = path.join(ws.root, w.prompt);
    if (lstatSync(abs).isSymbolicLink() || !realpathSync(abs).startsWith(realpathSync(ws.root) + path.sep)) return undefined;
    return renderBriefing(config, worker, readFileSync(abs, 'utf8'));
  } catch {
    return undefined;
  }
}

/** One trigger: the planner's step, and the brain's call when the step asks for one. */
export async function decide(ctx: DaemonContext, brain: Brain, input: PlanInput): Promise<{ reaction: Reaction; decision: string; brainMs?: number }> {
  const step = planTrigger(input);
  if (step.kind === 'log') return { reaction: { docs: [], message: step.message }, decision: 'log' };
  if (step.kind === 'escalate') return { reaction: { docs: step.reactions, message: step.reason, guard: step.guard }, decision: 'escalate' };
  const t0 = performance.now();
  try {
    const decision = await brain.decide({
      kind: step.request,
      trigger: input.trigger,
      snapshot: { config: input.config, docs: input.docs, derived: input.derived, now: input.now },
      prompt: brain.name === 'rules' ? undefined : promptOf(ctx.ws, input.config, input.trigger.worker),
    });
    return { reaction: reactionsFor(input, decision), decision: decision.action, brainMs: performance.now() - t0 };
  } catch (e) {
    ctx.emit({ kind: 'brain_error', trigger: input.trigger.id, error: errorLine(e) });
    const t = input.trigger;
    return {
      reaction: { docs: [escalation(t, `Needs the lead: ${t.title}`, `the ${brain.name} brain could not decide (${errorLine(e)}).`)], message: 'brain failed: escalated' },
      decision: 'escalate',
      brainMs: performance.now() - t0,
    };
  }
}

/** Every trigger of a batch, in order, against the same docs; each reaction counts towards the next one's loop guard. */
export async function decideBatch(ctx: DaemonContext, brain: Brain, limits: Limits, batch: readonly Doc[], now: Date): Promise<Planned[]> {
  const docs = ctx.live.docs();
  const derived = derive(docs, ctx.config);
  const recent = recentReactions(docs, now);
  const planned: Planned[] = [];
  for (const trigger of batch) {
    const started = performance.now();
    const input: PlanInput = { trigger, docs, derived, config: ctx.config, now, limits, recentToWorker: recent };
    const { reaction, decision, brainMs } = await decide(ctx, brain, input);
    for (const r of reaction.docs) if (r.type === 'answer' || r.type === 'order') recent.set(r.to, (recent.get(r.to) ?? 0) + 1);
    planned.push({ trigger, reaction, decision, started, brainMs });
  }
  return planned;
}

/** What was decided for a trigger whose reactions are committed: its loop guard's alert, and the trigger event. */
export function reportDecision(ctx: DaemonContext, p: Planned, written: readonly Written[], now: Date, proposed?: string): void {
  if (p.reaction.guard) {
    ctx.emit({ kind: 'loop_guard', trigger: p.trigger.id, worker: p.trigger.from, message: p.reaction.guard });
    ctx.state.alert({
      level: 'warning',
      kind: 'loop_guard',
      message: `${p.reaction.guard}: escalated ${p.trigger.id} to the lead instead`,
      doc: p.trigger.id,
      key: `loop_guard:${p.trigger.from}:${now.toISOString().slice(0, 13)}`,
    });
  }
  ctx.emit({
    kind: 'trigger',
    trigger: p.trigger.id,
    type: p.trigger.type,
    from: p.trigger.from,
    worker: p.trigger.worker,
    decision: p.decision,
    message: p.reaction.message,
    reactions: written.map((w) => w.id),
    commit: written[0]?.commit,
    ...(proposed && written.length ? { proposed } : {}),
    ms: performance.now() - p.started,
    brainMs: p.brainMs,
  });
}
