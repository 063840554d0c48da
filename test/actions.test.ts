/**
 * The one set of actions, table-driven: every rule of who may do what and every state refusal, decided once by
 * the pure planner that the CLI, the HTTP API, the demo and MCP all call. No disk, no git: state in, plan out.
 */
import { describe, expect, it } from 'vitest';
import { planAction, type ActionRequest, type ActionState } from '../src/core/actions.js';
import { resolveConfig } from '../src/core/config.js';
import type { Doc } from '../src/core/doc.js';
import { ambiguityMessage, generateId, resolveId, shortIdOf, tailCounts } from '../src/core/ids.js';
import { derive } from '../src/core/state.js';

const r = resolveConfig({
  workers: [{ name: 'worker-core' }, { name: 'worker-web' }, { name: 'worker-api', orchestrate: true }],
});
if (!r.ok) throw new Error(JSON.stringify(r.problems));
const config = r.config;

let minute = 0;
function doc(d: Partial<Doc> & Pick<Doc, 'id' | 'type' | 'worker'>): Doc {
  minute++;
  return {
    title: d.id,
    from: d.type === 'order' || d.type === 'answer' ? 'lead' : d.type === 'escalation' ? 'daemon' : d.worker,
    to: d.type === 'order' || d.type === 'answer' ? d.worker : d.type === 'escalation' ? 'lead' : 'daemon',
    priority: 'medium',
    status: d.type === 'order' ? 'pending' : undefined,
    after: [],
    tags: [],
    created: `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`,
    createdInferred: false,
    path: `.orchestra/docs/${d.worker}/${d.id}.md`,
    archived: false,
    body: '',
    ...d,
  };
}

const CORE = '20261124-100100-order-optimize-propagation-k3f9';
const docs: Doc[] = [
  doc({ id: CORE, type: 'order', worker: 'worker-core' }),
  doc({ id: 'o-web', type: 'order', worker: 'worker-web', status: 'in_progress' }),
  doc({ id: 'o-by-api', type: 'order', worker: 'worker-web', from: 'worker-api' }),
  doc({ id: 'o-done', type: 'order', worker: 'worker-core', status: 'completed' }),
  doc({ id: 'o-wait', type: 'order', worker: 'worker-core', after: [CORE] }),
  doc({ id: 'o-cancelled', type: 'order', worker: 'worker-web', status: 'cancelled' }),
  doc({ id: 'o-old', type: 'order', worker: 'worker-core', archived: true }),
  doc({ id: 'd-web', type: 'doubt', worker: 'worker-web', re: 'o-web' }),
  doc({ id: 'esc-1', type: 'escalation', worker: 'worker-web', re: 'd-web' }),
  doc({ id: 'twin-a-x1y2', type: 'report', worker: 'worker-web', re: 'o-web', outcome: 'partial' }),
  doc({ id: 'twin-b-x1y2', type: 'report', worker: 'worker-web', re: 'o-web', outcome: 'partial' }),
];
const state: ActionState = { config, docs, derived: derive(docs, config) };
const env = { now: new Date('2026-11-24T21:40:00Z'), random: () => 0.5 };

type Expect = { ok: true; check?: (plan: any) => void } | { kind: 'forbidden' | 'invalid' | 'not_found'; rule: string; message?: RegExp };
const allowed = (check?: (plan: any) => void): Expect => ({ ok: true, check });
const refused = (kind: 'forbidden' | 'invalid' | 'not_found', rule: string, message?: RegExp): Expect => ({ kind, rule, message });

const order = (to: string, extra: Partial<Extract<ActionRequest, { action: 'order' }>> = {}): ActionRequest => ({ action: 'order', to, title: 'Do it', ...extra });
const start = (o: string, force = false): ActionRequest => ({ action: 'start', order: o, force });
const cancel = (o: string): ActionRequest => ({ action: 'cancel', order: o });
const report = (o: string, outcome?: 'completed' | 'partial' | 'blocked'): ActionRequest => ({ action: 'report', order: o, outcome });
const doubt = (worker: string, re?: string): ActionRequest => ({ action: 'doubt', worker, title: 'Which one?', re });
const answer = (target: string, body = 'This one.'): ActionRequest => ({ action: 'answer', target, body });

const cases: [string, string, ActionRequest, Expect][] = [
  // order
  ['the lead orders a worker', 'lead', order('worker-core'), allowed((p) => expect(p.create[0]).toMatchObject({ type: 'order', from: 'lead', to: 'worker-core', worker: 'worker-core', status: 'pending' }))],
  ['a worker orders another worker', 'worker-web', order('worker-api'), refused('forbidden', 'orders-from-lead', /worker-web cannot order worker-api: .*orchestrate: true/)],
  ['a worker orders itself', 'worker-web', order('worker-web'), allowed()],
  ['a worker with orchestrate: true orders another', 'worker-api', order('worker-web'), allowed((p) => expect(p.create[0]).toMatchObject({ from: 'worker-api', to: 'worker-web' }))],
  ['nobody orders as the daemon', 'daemon', order('worker-core'), refused('forbidden', 'daemon-only', /nobody but the daemon process/)],
  ['an unknown identity', 'mallory', order('worker-core'), refused('forbidden', 'known-actor')],
  ['an order for an unknown worker', 'lead', order('worker-zzz'), refused('invalid', 'unknown-worker', /declared workers are worker-core, worker-web, worker-api/)],
  ['--after by its tail', 'lead', order('worker-core', { after: ['k3f9'] }), allowed((p) => expect(p.create[0].after).toEqual([CORE]))],
  ['--after a doubt', 'lead', order('worker-core', { after: ['d-web'] }), refused('invalid', 'after-order', /not an order/)],
  ['--after an unknown id', 'lead', order('worker-core', { after: ['nope'] }), refused('not_found', 'no-such-doc', /no doc "nope"/)],
  ['--after an ambiguous tail', 'lead', order('worker-core', { after: ['x1y2'] }), refused('invalid', 'ambiguous-id', /"x1y2" matches 2 docs \(twin-a-x1y2, twin-b-x1y2\)/)],
  ['an empty title', 'lead', order('worker-core', { title: '  ' }), refused('invalid', 'title')],
  // start
  ["a worker starts its own order", 'worker-core', start(CORE), allowed((p) => expect(p.edits).toEqual([{ id: CORE, path: `.orchestra/docs/worker-core/${CORE}.md`, set: { status: 'in_progress' } }]))],
  ["a worker starts another's order", 'worker-web', start(CORE), refused('forbidden', 'own-orders', /worker-web cannot start .*: it is worker-core's order/)],
  ['the lead starts an order', 'lead', start(CORE), refused('forbidden', 'own-orders')],
  ['starting an order in progress', 'worker-web', start('o-web'), refused('invalid', 'state', /already in progress/)],
  ['starting a waiting order', 'worker-core', start('o-wait'), refused('invalid', 'waiting', new RegExp(`o-wait is waiting on ${CORE}: finish those first, or use --force`))],
  ['starting a waiting order with --force', 'worker-core', start('o-wait', true), allowed()],
  ['starting a completed order', 'worker-core', start('o-done'), refused('invalid', 'state', /completed: it cannot be started/)],
  ['starting a doubt', 'worker-web', start('d-web'), refused('invalid', 'not-an-order')],
  ['starting an archived order', 'worker-core', start('o-old'), refused('invalid', 'archived')],
  ['starting an unknown order', 'worker-core', start('nope'), refused('not_found', 'no-such-doc', /no open order "nope"/)],
  // cancel
  ['the lead cancels any order', 'lead', cancel(CORE), allowed((p) => expect(p.edits[0].set).toEqual({ status: 'cancelled' }))],
  ['a worker cancels its own order', 'worker-core', cancel(CORE), allowed()],
  ['the worker who gave an order cancels it', 'worker-api', cancel('o-by-api'), allowed()],
  ["a worker cancels another's order", 'worker-web', cancel(CORE), refused('forbidden', 'cancel-own')],
  ['cancelling a completed order', 'lead', cancel('o-done'), refused('invalid', 'state', /only open orders/)],
  // report
  ['a worker reports its order done', 'worker-web', report('o-web'), allowed((p) => {
    expect(p.create[0]).toMatchObject({ type: 'report', from: 'worker-web', to: 'daemon', worker: 'worker-web', re: 'o-web', outcome: 'completed', title: 'Done: o-web' });
    expect(p.edits).toEqual([{ id: 'o-web', path: '.orchestra/docs/worker-web/o-web.md', set: { status: 'completed' } }]);
  })],
  ['a partial report leaves the order in progress', 'worker-web', report('o-web', 'partial'), allowed((p) => expect(p.edits).toEqual([]))],
  ['a blocked report is urgent and blocks the order', 'worker-web', report('o-web', 'blocked'), allowed((p) => {
    expect(p.create[0].priority).toBe('high');
    expect(p.edits[0].set).toEqual({ status: 'blocked' });
  })],
  ["a worker reports on another's order", 'worker-core', report('o-web'), refused('forbidden', 'own-orders', /worker-core cannot report on o-web: it is worker-web's order/)],
  ['the lead reports', 'lead', report('o-web'), refused('forbidden', 'own-orders')],
  ['reporting on a cancelled order', 'worker-web', report('o-cancelled'), refused('invalid', 'state', /was cancelled/)],
  ['reporting on a doubt', 'worker-web', report('d-web'), refused('invalid', 'not-an-order', /is a doubt, not an order/)],
  // doubt
  ['a worker asks in its thread, about its order in progress', 'worker-web', doubt('worker-web'), allowed((p) => expect(p.create[0]).toMatchObject({ type: 'doubt', from: 'worker-web', to: 'daemon', re: 'o-web' }))],
  ["a worker asks in another's thread", 'worker-web', doubt('worker-core'), refused('forbidden', 'own-thread')],
  ['the lead asks a doubt', 'lead', doubt('worker-core'), refused('forbidden', 'own-thread')],
  ['a doubt about an order by its tail', 'worker-core', doubt('worker-core', 'k3f9'), allowed((p) => expect(p.create[0].re).toBe(CORE))],
  // answer
  ['the lead answers a doubt', 'lead', answer('d-web'), allowed((p) => expect(p.create[0]).toMatchObject({ type: 'answer', from: 'lead', to: 'worker-web', worker: 'worker-web', re: 'd-web', title: 'Re: d-web' }))],
  ['the lead answers an escalation', 'lead', answer('esc-1'), allowed((p) => expect(p.create[0]).toMatchObject({ to: 'worker-web', re: 'esc-1' }))],
  ["a worker answers the lead's escalation", 'worker-web', answer('esc-1'), refused('forbidden', 'answers-from-lead', /worker-web cannot answer esc-1: only the lead answers/)],
  ["a worker answers another's doubt", 'worker-core', answer('d-web'), refused('forbidden', 'answers-from-lead')],
  ['nobody answers as the daemon', 'daemon', answer('d-web'), refused('forbidden', 'daemon-only')],
  ['answering an order', 'lead', answer(CORE), refused('invalid', 'not-answerable', /only doubts and escalations are answered/)],
  ['an answer with no text', 'lead', answer('d-web', ' '), refused('invalid', 'body')],
];

describe('who may do what, and what each action writes', () => {
  it.each(cases)('%s', (_name, actor, req, want) => {
    const d = planAction(state, actor, req, env);
    if ('ok' in want) {
      if (!d.ok) throw new Error(`refused: ${d.refusal.message}`);
      expect(d.plan.actor).toBe(actor);
      want.check?.(d.plan);
    } else {
      if (d.ok) throw new Error(`allowed: ${JSON.stringify(d.plan)}`);
      expect({ kind: d.refusal.kind, rule: d.refusal.rule }).toEqual({ kind: want.kind, rule: want.rule });
      if (want.message) expect(d.refusal.message).toMatch(want.message);
    }
  });

  it('ids come from the injected clock and randomness, so a plan is reproducible', () => {
    const a = planAction(state, 'lead', order('worker-core', { title: 'Optimize propagation' }), env);
    const b = planAction(state, 'lead', order('worker-core', { title: 'Optimize propagation' }), env);
    if (!a.ok || !b.ok) throw new Error('refused');
    expect(a.plan.create[0].id).toBe('20261124-214000-order-optimize-propagation-ssss');
    expect(a.plan.create[0].id).toBe(b.plan.create[0].id);
    expect(a.plan.create[0].created).toBe('2026-11-24T21:40:00.000Z');
    expect(a.plan.subject).toEqual({ verb: 'order', worker: 'worker-core', title: 'Optimize propagation' });
    let n = 0;
    const other = generateId('order', 'Optimize propagation', env.now, () => (n++ % 36) / 36);
    expect(other).toBe('20261124-214000-order-optimize-propagation-abcd');
  });
});

describe('a state holding only the named docs (the CLI reads just those)', () => {
  it('resolves against every id, so an ambiguous tail is refused and a unique one found', () => {
    const named = docs.filter((d) => d.id === 'o-web');
    const subset: ActionState = { config, docs: named, derived: derive(named, config), ids: docs.map((d) => d.id) };
    const amb = planAction(subset, 'lead', order('worker-core', { after: ['x1y2'] }), env);
    expect(amb.ok ? null : amb.refusal.rule).toBe('ambiguous-id');
    const found = planAction(subset, 'worker-web', report('o-web'), env);
    expect(found.ok && found.plan.create[0].re).toBe('o-web');
    const unread = planAction(subset, 'lead', answer('d-web'), env);
    expect(unread.ok ? null : unread.refusal.kind).toBe('not_found');
  });
});

describe('short ids', () => {
  const ids = [CORE, '20261124-100200-order-other-k3f8', 'twin-a-x1y2', 'twin-b-x1y2', 'hand-written'];
  it.each([
    ['the id itself', CORE, { ok: true, id: CORE }],
    ['the random tail', 'k3f9', { ok: true, id: CORE }],
    ['a longer suffix', 'propagation-k3f9', { ok: true, id: CORE }],
    ['a unique prefix', '20261124-1001', { ok: true, id: CORE }],
    ['a hand-written id by its prefix', 'hand', { ok: true, id: 'hand-written' }],
    ['an ambiguous prefix', '20261124', { ok: false, reason: 'ambiguous', candidates: ['20261124-100100-order-optimize-propagation-k3f9', '20261124-100200-order-other-k3f8'] }],
    ['an ambiguous tail', 'x1y2', { ok: false, reason: 'ambiguous', candidates: ['twin-a-x1y2', 'twin-b-x1y2'] }],
    ['nothing matches', 'zzzz', { ok: false, reason: 'unknown', candidates: [] }],
    ['not an id at all', '../etc', { ok: false, reason: 'invalid', candidates: [] }],
  ])('%s', (_name, q, want) => {
    expect(resolveId(ids, q)).toEqual(want);
  });

  it('listings show the tail when it is unique, else the whole id; the ambiguity line lists candidates', () => {
    const tails = tailCounts(ids);
    expect(shortIdOf(CORE, tails)).toBe('k3f9');
    expect(shortIdOf('twin-a-x1y2', tails)).toBe('twin-a-x1y2');
    expect(shortIdOf('hand-written', tails)).toBe('hand-written');
    const clash = tailCounts([CORE, '20261124-110000-order-again-k3f9']);
    expect(shortIdOf(CORE, clash)).toBe(CORE);
    const many = Array.from({ length: 7 }, (_, i) => `doc-${i}`);
    expect(ambiguityMessage('doc', many)).toBe('"doc" matches 7 docs (doc-0, doc-1, doc-2, doc-3, doc-4 and 2 more): give more of the id');
  });
});
