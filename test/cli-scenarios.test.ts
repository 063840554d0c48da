import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { porcelain } from './daemon-fixture.js';
import { cleanupTemp, git, makeWorkspace, MODES, ogit, ok, okJson, run, subjects, trailersOf } from './helpers.js';

afterAll(cleanupTemp);

/** The commit that added a doc: its subject and trailers. */
function commitOf(dir: string, docPath: string) {
  const subject = ogit(dir, ['log', '--diff-filter=A', '--format=%s', '--', docPath]).trim();
  return { subject, trailers: trailersOf(dir, docPath) };
}

describe.each(MODES)('%s mode', (mode) => {
describe("the seed's scenario A: two independent workers in parallel", () => {
  it('orders, starts, reports: each action is a file plus a commit with the documented message and trailers', async () => {
    const dir = await makeWorkspace({ mode });
    const core = await ok(dir, ['order', 'worker-core', 'Optimize propagation', '--priority', 'high', '--body', 'Done when p99 < 5 ms']);
    const infra = await ok(dir, ['order', 'worker-infra', 'Create tests']);
    expect(core).toMatch(/^\d{8}-\d{6}-order-optimize-propagation-[a-z0-9]{4}$/);

    const coreDoc = await okJson(dir, ['show', core]);
    expect(coreDoc).toMatchObject({ id: core, type: 'order', title: 'Optimize propagation', from: 'lead', to: 'worker-core', priority: 'high', status: 'pending', state: 'pending', re: null, after: [], body: 'Done when p99 < 5 ms' });
    expect(commitOf(dir, coreDoc.path)).toEqual({ subject: 'orchestra: order worker-core: Optimize propagation', trailers: { 'Orchestra-Doc': core, 'Orchestra-Actor': 'lead' } });

    // Both are ready at once: no dependency between them.
    expect((await okJson(dir, ['pending', 'worker-core'])).ready.map((d: { id: string }) => d.id)).toEqual([core]);
    expect((await okJson(dir, ['pending', 'worker-infra'])).ready.map((d: { id: string }) => d.id)).toEqual([infra]);

    await ok(dir, ['--as', 'worker-infra', 'start', infra]);
    await ok(dir, ['start', core], { env: { ORCHESTRA_AS: 'worker-core' } });
    expect(subjects(dir)[0]).toBe(`orchestra: start worker-core: ${core}`);
    const status = await okJson(dir, ['list', '--type', 'order']);
    expect(status.map((d: { state: string }) => d.state)).toEqual(['in_progress', 'in_progress']);

    const rInfra = await ok(dir, ['--as', 'worker-infra', 'report', infra, '--body', 'tests in tests/']);
    const rCore = await ok(dir, ['--as', 'worker-core', 'report', core, '--body', 'p99 3 ms']);
    const report = await okJson(dir, ['show', rCore]);
    expect(report).toMatchObject({ type: 'report', from: 'worker-core', to: 'daemon', re: core, outcome: 'completed' });
    // the report and the order's status change are one commit
    const files = ogit(dir, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').sort();
    expect(files).toEqual([coreDoc.path, report.path].sort());
    expect(readFileSync(path.join(dir, coreDoc.path), 'utf8')).toMatch(/^status: completed$/m);
    expect(ogit(dir, ['log', '-1', '--format=%an %s%n%(trailers:only)']).trim()).toBe(
      `worker-core orchestra: report worker-core: Done: Optimize propagation\nOrchestra-Doc: ${rCore}\nOrchestra-Actor: worker-core`,
    );
    expect((await okJson(dir, ['list', '--type', 'order', '--state', 'completed'])).length).toBe(2);
    expect(rInfra).not.toBe(rCore);

    // the timeline reads it all back, newest first
    const log = await okJson(dir, ['log']);
    expect(log.slice(0, 6).map((e: { type: string; worker: string; actor: string }) => `${e.actor} ${e.type} ${e.worker}`)).toEqual([
      'worker-core report worker-core',
      'worker-infra report worker-infra',
      'worker-core start worker-core',
      'worker-infra start worker-infra',
      'lead order worker-infra',
      'lead order worker-core',
    ]);
    expect(porcelain(dir)).toBe('');
  });
});

describe("the seed's scenario B: worker-nlp depends on worker-core", () => {
  it("shows nlp's order waiting on core until core's earlier order is completed, then ready", async () => {
    const dir = await makeWorkspace({ mode });
    const core = await ok(dir, ['order', 'worker-core', 'Refactor nucleo.py to numpy']);
    const nlp = await ok(dir, ['order', 'worker-nlp', 'Integrate NLP with the numpy core']);

    let pending = await okJson(dir, ['pending', 'worker-nlp']);
    expect(pending.ready).toEqual([]);
    expect(pending.waiting).toHaveLength(1);
    expect(pending.waiting[0]).toMatchObject({ id: nlp, state: 'waiting', waitingOn: [core] });
    let list = await okJson(dir, ['list', '--worker', 'worker-nlp']);
    expect(list[0]).toMatchObject({ id: nlp, state: 'waiting', waitingOn: [core] });
    const text = await ok(dir, ['pending', 'worker-nlp']);
    expect(text).toContain(`waits on ${core}`);
    // starting a waiting order is refused unless forced
    const refused = await run(dir, ['--as', 'worker-nlp', 'start', nlp]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr.trim()).toBe(`error: ${nlp} is waiting on ${core}: finish those first, or use --force`);

    await ok(dir, ['--as', 'worker-core', 'start', core]);
    expect((await okJson(dir, ['pending', 'worker-nlp'])).waiting).toHaveLength(1);
    await ok(dir, ['--as', 'worker-core', 'report', core, '--partial', '--body', 'half way']);
    expect((await okJson(dir, ['pending', 'worker-nlp'])).waiting).toHaveLength(1);
    await ok(dir, ['--as', 'worker-core', 'report', core, '--body', 'done']);

    pending = await okJson(dir, ['pending', 'worker-nlp']);
    expect(pending.waiting).toEqual([]);
    expect(pending.ready.map((d: { id: string }) => d.id)).toEqual([nlp]);
    list = await okJson(dir, ['list', '--worker', 'worker-nlp']);
    expect(list[0]).toMatchObject({ id: nlp, state: 'pending' });
    expect(list[0].waitingOn).toBeUndefined();
    const next = await okJson(dir, ['next', 'worker-nlp']);
    expect(next).toMatchObject({ id: nlp, body: '' });
  });
});

describe('doubts and answers through the CLI', () => {
  it('a doubt links to the order in progress; the lead answers; the answer is unread until the worker reports', async () => {
    const dir = await makeWorkspace({ mode });
    const order = await ok(dir, ['order', 'worker-infra', 'Create tests']);
    await ok(dir, ['--as', 'worker-infra', 'start', order]);
    const doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', '¿Qué framework usar para tests?', '--body', 'pytest or vitest?']);
    expect(await okJson(dir, ['show', doubt])).toMatchObject({ type: 'doubt', from: 'worker-infra', to: 'daemon', re: order, state: 'open' });
    const noBody = await run(dir, ['answer', doubt]);
    expect(noBody.exitCode).toBe(2);
    const answer = await ok(dir, ['answer', doubt, '--body', 'vitest']);
    expect(await okJson(dir, ['show', answer])).toMatchObject({ type: 'answer', from: 'lead', to: 'worker-infra', re: doubt, path: expect.stringContaining('.orchestra/docs/worker-infra/') });
    expect((await okJson(dir, ['show', doubt])).state).toBe('answered');
    expect((await okJson(dir, ['pending', 'worker-infra'])).answers.map((d: { id: string }) => d.id)).toEqual([answer]);
    expect(subjects(dir)[0]).toBe('orchestra: answer worker-infra: Re: ¿Qué framework usar para tests?');
  });
});

describe('blocked, then started again', () => {
  it('a blocked report blocks the order until it is started again; a hand-written blocked report too', async () => {
    const dir = await makeWorkspace({ mode, workers: 'worker-core' });
    const order = await ok(dir, ['order', 'worker-core', 'Wire the parser']);
    await ok(dir, ['--as', 'worker-core', 'start', order]);
    const blocked = await ok(dir, ['--as', 'worker-core', 'report', order, '--blocked', '--body', 'no grammar yet']);
    expect((await okJson(dir, ['show', order])).state).toBe('blocked');
    await ok(dir, ['--as', 'worker-core', 'start', order]);
    const shown = await okJson(dir, ['show', order]);
    expect(shown.state).toBe('in_progress');
    expect(readFileSync(path.join(dir, shown.path), 'utf8')).toContain(`resumed: ${blocked}`);

    // A blocked report written by hand does not touch the order's status: it blocks the order all the same.
    const hand = path.join(dir, '.orchestra/docs/worker-core/hand-blocked.md');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(hand, `---\ntype: report\ntitle: Stuck again\nre: ${order}\noutcome: blocked\n---\n`);
    expect((await okJson(dir, ['show', order])).state).toBe('blocked');
  });
});
});
