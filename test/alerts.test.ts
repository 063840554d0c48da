/**
 * The daemon's programmatic API (what `orchestra up` and `demo` call in-process), its loop guard, and the
 * alerts it raises as `orchestra alerts` lists them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run, waitFor } from './helpers.js';
import { configure, porcelain, reactionsTo } from './daemon-fixture.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { locateWorkspace } from '../src/store/workspace.js';

afterAll(cleanupTemp);

describe('startDaemon in-process, loop guard and `orchestra alerts`', () => {
  it('past the per-worker cap the daemon escalates instead of answering, and raises one loop_guard alert', async () => {
    const dir = await makeWorkspace();
    configure(dir, 'faq:\n  - match: "framework"\n    answer: "Use vitest."');
    expect(await okJson(dir, ['alerts'])).toEqual([]);
    const lines: string[] = [];
    let scans = 0;
    const handle = await startDaemon(locateWorkspace(dir), {
      limits: { perWorkerPerHour: 2 },
      log: (l) => lines.push(l),
      rescanMs: 200,
      onPeriodicScan: (scan) => {
        scans++;
        expect(scan.config.workers.length).toBeGreaterThan(0);
      },
    });
    try {
      await handle.ready;
      const qs: string[] = [];
      for (let i = 0; i < 4; i++) qs.push(await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', `Which framework, part ${i}?`]));
      await waitFor(() => qs.every((q) => reactionsTo(dir, q).length === 1), { message: 'a reaction for each doubt' });
      await handle.idle();
      const types = qs.map((q) => reactionsTo(dir, q)[0].fm.type);
      expect(types).toEqual(['answer', 'answer', 'escalation', 'escalation']);
      expect(reactionsTo(dir, qs[2])[0].fm.title).toMatch(/^Loop guard: /);
      const stats = handle.stats();
      expect(stats).toMatchObject({ handled: 4, reactions: 4, queued: 0, brain: 'rules' });
      expect(lines.some((l) => /LOOP GUARD/.test(l))).toBe(true);
      await waitFor(() => scans > 0, { message: 'the periodic-scan hook called' });

      const alerts = await okJson(dir, ['alerts']);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ level: 'warning', kind: 'loop_guard', doc: qs[2] });
      expect(Object.keys(alerts[0]).sort()).toEqual(['at', 'doc', 'id', 'kind', 'level', 'message']);
      const text = await run(dir, ['alerts']);
      expect(text.stdout).toMatch(/warning\s+loop_guard\s+loop guard: the daemon already sent 2 answers or orders to worker-infra/);
    } finally {
      await handle.stop();
    }
    // The lock is free again: another daemon can start.
    expect((await run(dir, ['daemon', '--once'])).exitCode).toBe(0);
  });

  it('the daemon runs the health checks on its periodic scan: piling doubts raise one alert with nobody asking', async () => {
    const dir = await makeWorkspace();
    const handle = await startDaemon(locateWorkspace(dir), { log: () => undefined, rescanMs: 200 });
    try {
      await handle.ready;
      for (let i = 0; i < 3; i++) await ok(dir, ['--as', 'worker-nlp', 'doubt', 'worker-nlp', `Unmatched question ${i}?`]);
      const alerts = await waitFor(async () => {
        const list = await okJson(dir, ['alerts']);
        return list.some((a: { kind: string }) => a.kind === 'doubts_piling') ? list : undefined;
      }, { message: 'a doubts_piling alert from the periodic scan' });
      expect(alerts.filter((a: { kind: string }) => a.kind === 'doubts_piling')).toHaveLength(1);
      expect(alerts.find((a: { kind: string }) => a.kind === 'doubts_piling').message).toMatch(/worker-nlp/);
      await handle.idle();
    } finally {
      await handle.stop();
    }
  });

  it('a commit failure raises a commit_failure alert, rolls back, and the reaction is retried until it lands', async () => {
    const dir = await makeWorkspace();
    // git cannot commit without an identity: every commit fails until it is set again.
    git(dir, ['config', 'user.name', '']);
    const handle = await startDaemon(locateWorkspace(dir), { log: () => undefined });
    try {
      await handle.ready;
      writeFileSync(path.join(dir, '.orchestra/docs/worker-core/hand-doubt.md'), '---\ntype: doubt\ntitle: Anyone there?\n---\n');
      await waitFor(async () => (await okJson(dir, ['alerts'])).some((a: { kind: string }) => a.kind === 'commit_failure'), { message: 'a commit_failure alert' });
      expect(reactionsTo(dir, 'hand-doubt')).toEqual([]);
      git(dir, ['config', 'user.name', 'Test Lead']);
      await waitFor(() => reactionsTo(dir, 'hand-doubt').length === 1 && porcelain(dir) === '', { timeoutMs: 60_000, message: 'the reaction committed on retry' });
      await handle.idle();
      expect(reactionsTo(dir, 'hand-doubt')).toHaveLength(1);
      expect(handle.stats().errors).toBeGreaterThan(0);
      await waitFor(async () => !(await okJson(dir, ['alerts'])).some((a: { kind: string }) => a.kind === 'commit_failure'), { message: 'the alert resolved' });
    } finally {
      await handle.stop();
    }
  });

  it('`orchestra alerts` with none open says so; --help has an example', async () => {
    const dir = await makeWorkspace();
    const r = await run(dir, ['alerts']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/no open alerts/);
    expect((await run(dir, ['alerts', '--help'])).stdout).toMatch(/Example:\n\s+\$ orchestra alerts --json/);
  });
});
