/**
 * DESIGN.md "Receipts": `--json` docs add `delivered: {at, how} | null` for what is shown to a worker (orders, and
 * answers to its doubts); the lead looking at a doc delivers nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, makeWorkspace, run } from './helpers.js';

afterAll(cleanupTemp);

const json = async (dir: string, args: string[], as?: string) => {
  const r = await run(dir, as ? ['--as', as, ...args] : args);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('delivered', () => {
  it('is null until the worker is shown the order, then says when and how; the lead reading it changes nothing', async () => {
    const dir = await makeWorkspace({ workers: 'worker-api,worker-web' });
    const order = (await run(dir, ['order', 'worker-api', 'Add the endpoint'])).stdout.trim();
    expect((await json(dir, ['show', order, '--json'])).delivered).toBeNull();
    expect((await json(dir, ['show', order, '--json'])).delivered).toBeNull();
    const listed = (await json(dir, ['list', '--json'])) as { id: string; type: string; delivered?: unknown }[];
    expect(listed.find((d) => d.id === order)?.delivered).toBeNull();

    await json(dir, ['pending', 'worker-api', '--json'], 'worker-api');
    const shown = await json(dir, ['show', order, '--json']);
    expect(shown.delivered).toMatchObject({ how: 'pending', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    // A doubt has no delivery; its answer is delivered to the worker who asked.
    const doubt = (await run(dir, ['--as', 'worker-web', 'doubt', 'worker-web', 'Which port?'])).stdout.trim();
    expect((await json(dir, ['show', doubt, '--json'])).delivered).toBeUndefined();
    const answer = (await run(dir, ['answer', doubt, '--body', '8080'])).stdout.trim();
    expect((await json(dir, ['show', answer, '--json'])).delivered).toBeNull();
    await json(dir, ['show', answer, '--json'], 'worker-web');
    expect((await json(dir, ['show', answer, '--json'])).delivered).toMatchObject({ how: 'show' });
  });
});
