import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run, tempDir, waitFor } from './helpers.js';
import { connect } from './mcp-client.js';

afterAll(cleanupTemp);

const receipts = (dir: string) =>
  readFileSync(path.join(dir, '.orchestra', 'state', 'receipts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { worker: string; id: string; how: string });

describe('receipts and liveness', () => {
  it('records how each doc was shown, without a commit, and heartbeats make a worker working', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    const a = await ok(dir, ['order', 'worker-core', 'First']);
    const commits = git(dir, ['rev-list', '--count', 'HEAD']).trim();
    const r = await run(dir, ['wait', 'worker-core', '--json']);
    expect(r.exitCode).toBe(0);
    expect(git(dir, ['rev-list', '--count', 'HEAD']).trim()).toBe(commits);
    const w = await connect(dir, 'worker-core');
    try {
      await w.call('take');
    } finally {
      await w.close();
    }
    expect(receipts(dir).filter((x) => x.id === a).map((x) => x.how)).toEqual(expect.arrayContaining(['wait', 'take']));
    const st = await okJson(dir, ['status']);
    const core = st.workers.find((x: { name: string }) => x.name === 'worker-core');
    expect(core).toMatchObject({ state: 'working', liveness: 'working' });
    expect(Date.parse(core.lastSeen)).not.toBeNaN();
    expect(st.workers.find((x: { name: string }) => x.name === 'worker-nlp')).toMatchObject({ liveness: 'idle', lastSeen: null });
    // A CLI call as the worker is a heartbeat too; one as the lead is not anyone's.
    await ok(dir, ['pending', 'worker-nlp']);
    expect((await okJson(dir, ['status'])).workers.find((x: { name: string }) => x.name === 'worker-nlp').lastSeen).toBeNull();
    await ok(dir, ['--as', 'worker-nlp', 'pending', 'worker-nlp']);
    const nlp = (await okJson(dir, ['status'])).workers.find((x: { name: string }) => x.name === 'worker-nlp');
    expect(Date.parse(nlp.lastSeen)).not.toBeNaN();
  });

  it('a worker whose launched agent ended with work open is gone; an order it never saw raises one alert', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const yaml = path.join(dir, 'orchestra.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^stale_after: .*$/m, 'stale_after: 1s'));
    git(dir, ['commit', '-qam', 'stale_after: 1s']);
    const wt = path.join(tempDir(), 'wt');
    // An agent that ends at once, before it is shown anything.
    expect((await run(dir, ['launch', 'worker-core', '--worktree', wt, '--', process.execPath, '-e', '0'])).exitCode).toBe(0);
    const a = await ok(dir, ['order', 'worker-core', 'Nobody will see this']);
    const alerts = await waitFor(
      async () => {
        const st = await okJson(dir, ['status']);
        expect(st.workers[0].liveness).toBe('gone');
        const found = st.alerts.filter((x: { kind: string }) => x.kind === 'undelivered');
        return found.length ? found : undefined;
      },
      { message: 'the undelivered alert' },
    );
    expect(alerts).toEqual([expect.objectContaining({ kind: 'undelivered', level: 'warning', doc: a })]);
    expect(alerts[0].message).toContain(`worker-core is gone and was never shown order ${a}`);
    // Raised once, however often status looks.
    expect((await okJson(dir, ['status'])).alerts.filter((x: { kind: string }) => x.kind === 'undelivered')).toHaveLength(1);
    // Shown at last (a wait), the alert is resolved.
    expect((await run(dir, ['wait', 'worker-core'])).exitCode).toBe(0);
    expect((await okJson(dir, ['status'])).alerts.filter((x: { kind: string }) => x.kind === 'undelivered')).toHaveLength(0);
  });
});
