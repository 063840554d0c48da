import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run } from './helpers.js';

afterAll(cleanupTemp);

type Entry = { commit: string; at: string; actor: string; type: string; worker: string; doc: string; title: string };

describe('orchestra log', () => {
  it('is the timeline read from git: who, when, what, which doc, newest first; filters by worker, since and type', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    const order = await ok(dir, ['order', 'worker-core', 'Optimize propagation']);
    await ok(dir, ['--as', 'worker-core', 'start', order]);
    const doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which profiler?']);
    await ok(dir, ['answer', doubt, '--body', 'perf']);
    const other = await ok(dir, ['order', 'worker-infra', 'Set up CI']);

    const all = await okJson<Entry[]>(dir, ['log']);
    const mine = all.filter((e) => e.type !== 'init');
    expect(mine.map((e) => [e.type, e.actor, e.worker, e.doc])).toEqual([
      ['order', 'lead', 'worker-infra', other],
      ['answer', 'lead', 'worker-core', expect.any(String)],
      ['doubt', 'worker-core', 'worker-core', doubt],
      ['start', 'worker-core', 'worker-core', order],
      ['order', 'lead', 'worker-core', order],
    ]);
    // The status change shows the order's title, not its id; each entry names its commit.
    expect(mine[3].title).toBe('Optimize propagation');
    expect(mine[3].commit).toBe(git(dir, ['log', '-n1', '--format=%H', `--grep=${order}`, '--grep=start', '--all-match']).trim());
    for (let i = 1; i < all.length; i++) expect(all[i - 1].at >= all[i].at).toBe(true);

    expect((await okJson<Entry[]>(dir, ['log', '--worker', 'worker-infra'])).map((e) => e.doc)).toEqual([other]);
    expect((await okJson<Entry[]>(dir, ['log', '--type', 'start'])).map((e) => e.doc)).toEqual([order]);
    expect((await okJson<Entry[]>(dir, ['log', '--since', '1h'])).length).toBe(all.length);
    expect(await okJson<Entry[]>(dir, ['log', '--since', '2999-01-01'])).toEqual([]);

    const text = await ok(dir, ['log']);
    expect(text).toContain('start      worker-core: Optimize propagation');
    expect(text).toContain(order);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    const bad = await run(dir, ['log', '--since', 'soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--since "soon"/);
    expect((await run(dir, ['log', '--worker', 'nobody'])).exitCode).toBe(2);
  });
});
