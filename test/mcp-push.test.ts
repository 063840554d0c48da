import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, makeWorkspace, ok, run, spawnCli, waitFor } from './helpers.js';
import { connect, type Connected } from './mcp-client.js';

afterAll(cleanupTemp);

const count = (c: Connected, id: string, event = 'order') => c.channel.filter((n) => n.meta.id === id && n.meta.event === event).length;

describe('channel push', () => {
  it('pushes each new order, answer and cancellation committed by another process once per doc, across a restart', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    const early = await ok(dir, ['order', 'worker-core', 'Arrived before the server']);
    let w = await connect(dir, 'worker-core');
    try {
      // What arrived while no server ran is pushed on start.
      await waitFor(() => count(w, early) === 1, { message: 'push of the early order' });
      const a = await ok(dir, ['order', 'worker-core', 'Optimize propagation', '--body', 'Done when p99 < 5 ms']);
      await waitFor(() => count(w, a) === 1, { message: 'push of a new order' });
      const n = w.channel.find((x) => x.meta.id === a)!;
      expect(n.meta).toEqual({ id: a, type: 'order', worker: 'worker-core', event: 'order' });
      expect(n.content).toContain('Done when p99 < 5 ms');
      // Other workers' orders and later edits of the same doc are not pushed again.
      const other = await ok(dir, ['order', 'worker-nlp', 'Not for core']);
      await ok(dir, ['--as', 'worker-core', 'start', early]);
      const doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which benchmark?']);
      const ans = await ok(dir, ['answer', doubt, '--body', 'bench/prop.bench.mjs']);
      await waitFor(() => count(w, ans, 'answer') === 1, { message: 'push of the answer' });
      expect(w.channel.find((x) => x.meta.id === ans)!.content).toContain('bench/prop.bench.mjs');
      expect(count(w, other)).toBe(0);
      expect(count(w, a)).toBe(1);
      expect(count(w, early)).toBe(1);
    } finally {
      await w.close();
    }

    w = await connect(dir, 'worker-core');
    try {
      const b = await ok(dir, ['order', 'worker-core', 'After the restart']);
      await waitFor(() => count(w, b) === 1, { message: 'push after restart' });
      // Cancelling an order the worker was shown is news too.
      await ok(dir, ['cancel', b]);
      await waitFor(() => count(w, b, 'cancel') === 1, { message: 'push of the cancellation' });
      expect(w.channel.filter((x) => x.meta.event !== 'cancel').map((x) => x.meta.id)).toEqual([b]);
    } finally {
      await w.close();
    }
  });
});

describe('orchestra wait', () => {
  it('times out with exit 4 and one line; refuses a bad duration with exit 2', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const r = await run(dir, ['wait', 'worker-core', '--timeout', '300ms']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr.trim().split('\n')).toEqual(['waiting for worker-core (up to 300ms)…', 'error: nothing arrived for worker-core within 300ms']);
    const bad = await run(dir, ['wait', 'worker-core', '--timeout', 'soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('wakes for a new order, an order that becomes ready, an answer and a cancellation', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const waitOnce = () => spawnCli(dir, ['wait', 'worker-core', '--timeout', '60s', '--json']);
    const result = async (p: ReturnType<typeof waitOnce>) => {
      expect(await p.exited).toBe(0);
      return JSON.parse(p.stdout()).news as { event: string; id: string; body: string }[];
    };

    let p = waitOnce();
    const a = await ok(dir, ['order', 'worker-core', 'First', '--body', 'spec A']);
    expect(await result(p)).toEqual([expect.objectContaining({ event: 'order', id: a, body: 'spec A' })]);

    // Already waiting: returns at once with it.
    expect(await result(waitOnce())).toEqual([expect.objectContaining({ event: 'order', id: a })]);

    await ok(dir, ['--as', 'worker-core', 'start', a]);
    const b = await ok(dir, ['order', 'worker-core', 'Second', '--after', a]);
    p = waitOnce();
    // b waits on a: reporting a makes it ready.
    await ok(dir, ['--as', 'worker-core', 'report', a, '--body', 'done']);
    expect(await result(p)).toEqual([expect.objectContaining({ event: 'order', id: b })]);

    await ok(dir, ['--as', 'worker-core', 'start', b]);
    const doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which one?']);
    p = waitOnce();
    const ans = await ok(dir, ['answer', doubt, '--body', 'the first']);
    expect(await result(p)).toEqual([expect.objectContaining({ event: 'answer', id: ans, body: 'the first' })]);

    p = waitOnce();
    await ok(dir, ['cancel', b]);
    expect(await result(p)).toEqual([expect.objectContaining({ event: 'cancel', id: b })]);
  });
});
