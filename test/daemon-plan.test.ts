/** The daemon's decision table and the archive planner, as pure functions: every row of DESIGN.md's table. */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../src/core/config.js';
import type { Doc } from '../src/core/doc.js';
import { derive } from '../src/core/state.js';
import { DEFAULT_LIMITS, planTrigger, reactionsFor, recentReactions, type PlanInput } from '../src/core/plan.js';
import { planArchive } from '../src/core/archive.js';
import { docFactory } from './factories.js';

const r = resolveConfig({
  workers: [{ name: 'worker-core' }, { name: 'worker-infra' }, { name: 'worker-nlp', depends_on: ['worker-core'] }],
  faq: [{ match: 'test framework', answer: 'vitest' }],
  archive_after: '1d',
});
const config = (r.ok ? r.config : undefined) as Config;
const NOW = new Date('2026-11-24T12:00:00.000Z');

const doc = docFactory();

function input(trigger: Doc, docs: Doc[], extra: Partial<PlanInput> = {}): PlanInput {
  return { trigger, docs, derived: derive(docs, config), config, now: NOW, limits: DEFAULT_LIMITS, recentToWorker: recentReactions(docs, NOW), ...extra };
}

describe('planTrigger: the decision table', () => {
  it('logs orders from the lead or a worker, saying when they wait', () => {
    const core = doc({ type: 'order', id: 'o-core', to: 'worker-core' });
    const nlp = doc({ type: 'order', id: 'o-nlp', to: 'worker-nlp' });
    const docs = [core, nlp];
    expect(planTrigger(input(core, docs))).toMatchObject({ kind: 'log' });
    const step = planTrigger(input(nlp, docs));
    expect(step.kind).toBe('log');
    expect(step.kind === 'log' && step.message).toContain('waiting on o-core');
  });

  it('never reacts to the daemon, and only logs answers and escalations', () => {
    const d = doc({ type: 'answer', from: 'daemon', to: 'worker-core' });
    expect(planTrigger(input(d, [d]))).toMatchObject({ kind: 'log' });
    const e = doc({ type: 'escalation', from: 'daemon', to: 'lead' });
    expect(planTrigger(input(e, [e]))).toMatchObject({ kind: 'log' });
    const a = doc({ type: 'answer', from: 'lead', to: 'worker-core' });
    expect(planTrigger(input(a, [a]))).toMatchObject({ kind: 'log' });
  });

  it('escalates a blocked report to the lead, re: the report', () => {
    const o = doc({ type: 'order', id: 'o1' });
    const rep = doc({ type: 'report', from: 'worker-core', to: 'daemon', re: 'o1', outcome: 'blocked', title: 'No access to the DB' });
    const step = planTrigger(input(rep, [o, rep]));
    expect(step.kind).toBe('escalate');
    if (step.kind !== 'escalate') return;
    expect(step.reactions).toHaveLength(1);
    expect(step.reactions[0]).toMatchObject({ type: 'escalation', from: 'daemon', to: 'lead', re: rep.id, worker: 'worker-core', priority: 'high', title: 'Blocked: No access to the DB' });
  });

  it('asks the brain on completed and partial reports and on doubts', () => {
    const o = doc({ type: 'order', id: 'o2' });
    const rep = doc({ type: 'report', from: 'worker-core', to: 'daemon', re: 'o2', outcome: 'partial' });
    expect(planTrigger(input(rep, [o, rep]))).toMatchObject({ kind: 'ask', request: 'next-orders' });
    const q = doc({ type: 'doubt', from: 'worker-infra', to: 'daemon', worker: 'worker-infra' });
    expect(planTrigger(input(q, [q]))).toMatchObject({ kind: 'ask', request: 'answer-doubt' });
  });

  it('trips the per-worker loop guard and escalates instead of asking', () => {
    const answers = [1, 2].map(() => doc({ type: 'answer', from: 'daemon', to: 'worker-infra', worker: 'worker-infra', created: '2026-11-24T11:30:00.000Z' }));
    const old = doc({ type: 'answer', from: 'daemon', to: 'worker-infra', worker: 'worker-infra', created: '2026-11-24T10:30:00.000Z' });
    const q = doc({ type: 'doubt', from: 'worker-infra', to: 'daemon', worker: 'worker-infra' });
    const docs = [old, ...answers, q];
    expect(planTrigger(input(q, docs, { limits: { perTrigger: 5, perWorkerPerHour: 3 } })).kind).toBe('ask');
    const step = planTrigger(input(q, docs, { limits: { perTrigger: 5, perWorkerPerHour: 2 } }));
    expect(step).toMatchObject({ kind: 'escalate' });
    expect(step.kind === 'escalate' && step.guard).toContain('2 answers or orders to worker-infra');
  });
});

describe('reactionsFor: the brain decision made into docs', () => {
  it('an answer goes to the asker, re: the doubt', () => {
    const q = doc({ type: 'doubt', from: 'worker-infra', to: 'daemon', worker: 'worker-infra', title: 'Which test framework?' });
    const out = reactionsFor(input(q, [q]), { action: 'answer_doubt', body: 'vitest', source: 'faq: test framework' });
    expect(out.docs).toEqual([expect.objectContaining({ type: 'answer', from: 'daemon', to: 'worker-infra', re: q.id, title: 'Re: Which test framework?' })]);
    expect(out.docs[0].body).toContain('vitest');
  });

  it('no next orders and no open order left: "worker idle"; open orders left: nothing', () => {
    const o1 = doc({ type: 'order', id: 'i1', to: 'worker-infra' });
    const o2 = doc({ type: 'order', id: 'i2', to: 'worker-infra' });
    const rep = doc({ type: 'report', from: 'worker-infra', to: 'daemon', worker: 'worker-infra', re: 'i1', outcome: 'completed' });
    const busy = reactionsFor(input(rep, [o1, o2, rep]), { action: 'create_orders', orders: [] });
    expect(busy.docs).toEqual([]);
    expect(busy.message).toContain('1 open order');
    const idle = reactionsFor(input(rep, [o1, rep]), { action: 'create_orders', orders: [] });
    expect(idle.docs).toEqual([expect.objectContaining({ type: 'escalation', to: 'lead', re: rep.id, title: 'Worker idle: worker-infra' })]);
  });

  it("says which orders a completed report made ready (scenario B)", () => {
    const core = doc({ type: 'order', id: 'c1', to: 'worker-core' });
    const nlp = doc({ type: 'order', id: 'n1', to: 'worker-nlp' });
    const rep = doc({ type: 'report', from: 'worker-core', to: 'daemon', re: 'c1', outcome: 'completed' });
    const docs = [core, nlp, rep];
    expect(derive([core, nlp], config).orders.get('n1')?.state).toBe('waiting');
    const out = reactionsFor(input(rep, docs), { action: 'create_orders', orders: [] });
    expect(out.message).toContain('now ready: n1 (worker-nlp)');
  });

  it('orders from the brain: written for known workers; unknown worker or too many escalate', () => {
    const o = doc({ type: 'order', id: 'x1' });
    const rep = doc({ type: 'report', from: 'worker-core', to: 'daemon', re: 'x1', outcome: 'completed' });
    const ok = reactionsFor(input(rep, [o, rep]), { action: 'create_orders', orders: [{ worker: 'worker-nlp', title: 'Next', body: 'b', priority: 'high', after: ['x1', 'nope'] }] });
    expect(ok.docs).toEqual([expect.objectContaining({ type: 'order', from: 'daemon', to: 'worker-nlp', worker: 'worker-nlp', re: rep.id, after: ['x1'] })]);
    const bad = reactionsFor(input(rep, [o, rep]), { action: 'create_orders', orders: [{ worker: 'ghost', title: 'N', body: '', priority: 'low' }] });
    expect(bad.docs[0]).toMatchObject({ type: 'escalation' });
    const many = Array.from({ length: 6 }, (_, i) => ({ worker: 'worker-core', title: `o${i}`, body: '', priority: 'low' as const }));
    const guarded = reactionsFor(input(rep, [o, rep]), { action: 'create_orders', orders: many });
    expect(guarded.guard).toContain('6 orders');
    expect(guarded.docs).toHaveLength(1);
  });
});

describe('planArchive', () => {
  it('moves settled threads older than archive_after, and nothing open or recent', () => {
    const old = '2026-11-20T10:00:00.000Z';
    const done = doc({ type: 'order', id: 'done', created: old });
    const rep = doc({ type: 'report', id: 'done-r', from: 'worker-core', to: 'daemon', re: 'done', outcome: 'completed', created: old });
    const idle = doc({ type: 'escalation', id: 'done-e', from: 'daemon', to: 'lead', re: 'done-r', created: old });
    const ans = doc({ type: 'answer', id: 'done-a', from: 'lead', to: 'worker-core', re: 'done-e', created: old });
    const open = doc({ type: 'order', id: 'open', created: old });
    const q = doc({ type: 'doubt', id: 'q', from: 'worker-core', to: 'daemon', created: old });
    const unresolved = doc({ type: 'order', id: 'u', created: old });
    const ur = doc({ type: 'report', id: 'u-r', from: 'worker-core', to: 'daemon', re: 'u', outcome: 'completed', created: old });
    const ue = doc({ type: 'escalation', id: 'u-e', from: 'daemon', to: 'lead', re: 'u-r', created: old });
    const recent = doc({ type: 'order', id: 'recent', status: 'cancelled', created: '2026-11-24T11:00:00.000Z' });
    const docs = [done, rep, idle, ans, open, q, unresolved, ur, ue, recent];
    const plan = planArchive(docs, derive(docs, config), config, NOW);
    expect(plan.docs.map((d) => d.id).sort()).toEqual(['done', 'done-a', 'done-e', 'done-r']);
    expect(plan.threads).toHaveLength(1);
  });
});
