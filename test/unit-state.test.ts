import { describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../src/core/config.js';
import type { Doc } from '../src/core/doc.js';
import { derive, inboxOf, workerViews, openEscalations } from '../src/core/state.js';
import { docFactory } from './factories.js';

const r = resolveConfig({ workers: [{ name: 'worker-core' }, { name: 'worker-infra' }, { name: 'worker-nlp', depends_on: ['worker-core'] }] });
const config = (r.ok ? r.config : undefined) as Config;

const doc = docFactory();

describe('derived state', () => {
  it('an order waits on a depends_on worker that still holds an earlier open order, then becomes ready', () => {
    const core = doc({ type: 'order', id: 'core1', to: 'worker-core' });
    const nlp = doc({ type: 'order', id: 'nlp1', to: 'worker-nlp' });
    let d = derive([core, nlp], config);
    expect(d.orders.get('nlp1')).toEqual({ state: 'waiting', waitingOn: ['core1'] });
    expect(workerViews([core, nlp], d, config).find((w) => w.name === 'worker-nlp')?.state).toBe('waiting');
    const rep = doc({ type: 'report', id: 'rep1', from: 'worker-core', to: 'daemon', worker: 'worker-core', re: 'core1', outcome: 'completed' });
    d = derive([core, nlp, rep], config);
    expect(d.orders.get('core1')?.state).toBe('completed');
    expect(d.orders.get('nlp1')).toEqual({ state: 'pending', waitingOn: [] });
    // a core order created after nlp's does not hold it back
    const core2 = doc({ type: 'order', id: 'core2', to: 'worker-core' });
    expect(derive([core, nlp, rep, core2], config).orders.get('nlp1')?.state).toBe('pending');
  });

  it('after-dependencies, latest report wins, blocked then restarted', () => {
    const a = doc({ type: 'order', id: 'a', to: 'worker-infra' });
    const b = doc({ type: 'order', id: 'b', to: 'worker-infra', after: ['a'] });
    expect(derive([a, b], config).orders.get('b')).toEqual({ state: 'waiting', waitingOn: ['a'] });
    // an `after` order that is not among the docs read (archived: settled) does not hold it back
    expect(derive([b], config).orders.get('b')).toEqual({ state: 'pending', waitingOn: [] });
    const blocked = doc({ type: 'report', re: 'a', outcome: 'blocked', from: 'worker-infra', worker: 'worker-infra' });
    expect(derive([a, b, blocked], config).orders.get('a')?.state).toBe('blocked');
    // a blocked report wins over an order in progress (written by hand, it did not touch the order's status)...
    const inProgress = { ...a, status: 'in_progress' as const };
    expect(derive([inProgress, b, blocked], config).orders.get('a')?.state).toBe('blocked');
    // ...until the order is started again after it (`start` records the report it moves past)
    const restarted = { ...a, status: 'in_progress' as const, resumed: blocked.id };
    expect(derive([restarted, b, blocked], config).orders.get('a')?.state).toBe('in_progress');
    const done = doc({ type: 'report', re: 'a', outcome: 'completed', from: 'worker-infra', worker: 'worker-infra' });
    expect(derive([a, b, blocked, done], config).orders.get('b')?.state).toBe('pending');
  });

  it('inbox sorts ready orders by priority then age; worker states; doubts and escalations', () => {
    const low = doc({ type: 'order', id: 'low', to: 'worker-infra', priority: 'low' });
    const high = doc({ type: 'order', id: 'high', to: 'worker-infra', priority: 'high' });
    const med = doc({ type: 'order', id: 'med', to: 'worker-infra' });
    const doubt = doc({ type: 'doubt', id: 'q', from: 'worker-infra', to: 'daemon', worker: 'worker-infra' });
    const answer = doc({ type: 'answer', id: 'ans', from: 'daemon', to: 'worker-infra', re: 'q', worker: 'worker-infra' });
    const esc = doc({ type: 'escalation', id: 'esc', from: 'daemon', to: 'lead', worker: 'worker-infra' });
    const docs = [low, high, med, doubt, answer, esc];
    const d = derive(docs, config);
    const inbox = inboxOf('worker-infra', docs, d);
    expect(inbox.ready.map((x) => x.id)).toEqual(['high', 'med', 'low']);
    expect(inbox.answers.map((x) => x.id)).toEqual(['ans']);
    expect(d.stateOf(doubt)).toBe('answered');
    expect(d.stateOf(esc)).toBe('open');
    expect(openEscalations(docs, d).map((x) => x.id)).toEqual(['esc']);
    const leadAnswer = doc({ type: 'answer', from: 'lead', re: 'esc', worker: 'worker-infra' });
    expect(derive([...docs, leadAnswer], config).isResolved(esc)).toBe(true);
    const views = workerViews(docs, d, config);
    expect(views.find((w) => w.name === 'worker-infra')).toMatchObject({ state: 'ready', ready: 3, open: 3 });
    expect(views.find((w) => w.name === 'worker-core')?.state).toBe('idle');
    // another question does not mean the answer was read, nor does a report (issue 12 item 1); a receipt does
    const doubt2 = doc({ type: 'doubt', id: 'q2', from: 'worker-infra', to: 'daemon', worker: 'worker-infra' });
    expect(inboxOf('worker-infra', [...docs, doubt2], derive([...docs, doubt2], config)).answers.map((x) => x.id)).toEqual(['ans']);
    const later = doc({ type: 'report', from: 'worker-infra', worker: 'worker-infra', re: 'high' });
    expect(inboxOf('worker-infra', [...docs, later], derive([...docs, later], config)).answers.map((x) => x.id)).toEqual(['ans']);
    expect(inboxOf('worker-infra', [...docs, later], derive([...docs, later], config), new Set(['ans'])).answers).toEqual([]);
  });
});
