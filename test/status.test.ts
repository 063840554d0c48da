import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/store/config-file.js';
import { loadWorkspace } from '../src/store/load.js';
import { refreshHealth } from '../src/store/health.js';
import { locateWorkspace } from '../src/store/workspace.js';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run } from './helpers.js';
import { makeTeam, write } from './conflicts-fixture.js';
import { isoSeconds, writeDocFile } from './factories.js';

afterAll(cleanupTemp);

const HOUR = 3_600_000;

function commitDocs(dir: string): void {
  git(dir, ['add', '--', '.orchestra/docs']);
  git(dir, ['commit', '-q', '-m', 'history', '--', '.orchestra/docs']);
}

function alertLines(dir: string): { kind: string; level?: string; key?: string; resolve?: string; doc?: string }[] {
  try {
    return readFileSync(path.join(dir, '.orchestra/state/alerts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

describe('orchestra status', () => {
  it('--json: workers with state, current order, counts, last activity, dependencies; metrics; alerts; escalations', async () => {
    const { root } = await makeTeam();
    const core = await ok(root, ['order', 'worker-core', 'Core API', '--priority', 'high']);
    await ok(root, ['--as', 'worker-core', 'start', core]);
    await ok(root, ['order', 'worker-core', 'Core docs']);
    const uiWaiting = await ok(root, ['order', 'worker-ui', 'Use the API']);
    await ok(root, ['order', 'worker-infra', 'CI']);
    writeDocFile(root, 'worker-infra', 'esc-1', { type: 'escalation', title: 'Need a decision on CI provider' });
    commitDocs(root);

    const s = await okJson(root, ['status']);
    expect(Object.keys(s).sort()).toEqual(['alerts', 'escalations', 'metrics', 'workers']);
    const byName = Object.fromEntries(s.workers.map((w: { name: string }) => [w.name, w]));
    expect(byName['worker-core']).toMatchObject({ state: 'working', currentOrder: core, ready: 1, waiting: 0, open: 2, dependsOn: [] });
    expect(byName['worker-ui']).toMatchObject({ state: 'waiting', currentOrder: null, ready: 0, waiting: 1, open: 1, dependsOn: ['worker-core'] });
    expect(byName['worker-infra']).toMatchObject({ state: 'ready', ready: 1 });
    expect(Date.now() - Date.parse(byName['worker-core'].lastActivity)).toBeLessThan(10 * 60_000);
    expect(s.metrics).toMatchObject({ ordersTotal: 4, escalations: 1, autonomyPct: 75, conflicts: 0 });
    expect(s.escalations.map((e: { id: string }) => e.id)).toEqual(['esc-1']);
    expect(s.alerts).toEqual([]);
    expect(uiWaiting).toBeTruthy();

    // Text: 80 columns, no colour under NO_COLOR, colour when forced.
    const plain = await ok(root, ['status']);
    for (const line of plain.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(plain).not.toMatch(/\x1b\[/);
    expect(plain).toMatch(/worker-core\s+working\s+Core API/);
    expect(plain).toMatch(/depends on: worker-ui ← worker-core/);
    expect(plain).toContain('orchestra answer esc-1');
    const coloured = await run(root, ['status'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(coloured.stdout).toMatch(/\x1b\[/);
    expect(await ok(root, ['status', '--help'])).toMatch(/Example:\n\s+\$ orchestra status/);
  });

  it('raises the problems as alerts, once each, and shows them: stalled, unstarted, unanswered escalation, piling doubts, low autonomy', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    write(dir, 'orchestra.yaml', readFileSync(path.join(dir, 'orchestra.yaml'), 'utf8').replace(/^stale_after:.*$/m, 'stale_after: 1h'));
    git(dir, ['commit', '-q', '-m', 'stale after 1h', '--', 'orchestra.yaml']);
    const now = Date.now();
    writeDocFile(dir, 'worker-core', 'o-stalled', { type: 'order', title: 'Stalled work', status: 'in_progress', created: isoSeconds(now - 3 * HOUR) });
    writeDocFile(dir, 'worker-infra', 'o-unstarted', { type: 'order', title: 'Nobody took it', created: isoSeconds(now - 2 * HOUR) });
    writeDocFile(dir, 'worker-infra', 'o-fresh', { type: 'order', title: 'Fresh', created: isoSeconds(now - 10 * 60_000) });
    for (let i = 0; i < 3; i++) writeDocFile(dir, 'worker-infra', `d${i}`, { type: 'doubt', title: `Question ${i}`, created: isoSeconds(now - (20 + i) * 60_000) });
    writeDocFile(dir, 'worker-core', 'esc-old', { type: 'escalation', title: 'Decide the schema', created: isoSeconds(now - 90 * 60_000) });
    // Low autonomy: 5 orders in the window, 3 escalations → 40 %.
    writeDocFile(dir, 'worker-core', 'o-done-1', { type: 'order', title: 'Done 1', status: 'completed', created: isoSeconds(now - 4 * HOUR) });
    writeDocFile(dir, 'worker-core', 'o-done-2', { type: 'order', title: 'Done 2', status: 'cancelled', created: isoSeconds(now - 4 * HOUR) });
    writeDocFile(dir, 'worker-core', 'esc-2', { type: 'escalation', title: 'Two', created: isoSeconds(now - 5 * 60_000) });
    writeDocFile(dir, 'worker-core', 'esc-3', { type: 'escalation', title: 'Three', created: isoSeconds(now - 5 * 60_000) });
    commitDocs(dir);

    const s = await okJson(dir, ['status']);
    const kinds = s.alerts.map((a: { kind: string; doc?: string }) => `${a.kind}${a.doc ? ` ${a.doc}` : ''}`).sort();
    expect(kinds).toEqual(['doubts_piling d2', 'escalation_unanswered esc-old', 'low_autonomy', 'stalled o-stalled', 'unstarted o-unstarted']);
    const esc = s.alerts.find((a: { kind: string }) => a.kind === 'escalation_unanswered');
    expect(esc.level).toBe('info');
    // Run again (and through other commands): nothing is recorded twice.
    await ok(dir, ['status']);
    await ok(dir, ['metrics']);
    expect(alertLines(dir).filter((a) => !a.resolve)).toHaveLength(5);
    const text = await ok(dir, ['status']);
    expect(text).toMatch(/warning\s+worker-core has had "Stalled work" in progress/);

    // Starting the stalled order's worker again (a report) clears the stall.
    await ok(dir, ['--as', 'worker-core', 'report', 'o-stalled', '--body', 'done']);
    const after = await okJson(dir, ['status']);
    expect(after.alerts.map((a: { kind: string }) => a.kind)).not.toContain('stalled');
    expect(alertLines(dir).some((a) => a.resolve === 'stalled:worker-core:o-stalled')).toBe(true);
  });

  it('re-raises an unanswered escalation at most twice, each time more urgent, and resolves it once answered', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    write(dir, 'orchestra.yaml', readFileSync(path.join(dir, 'orchestra.yaml'), 'utf8').replace(/^stale_after:.*$/m, 'stale_after: 1h'));
    git(dir, ['commit', '-q', '-m', 'stale after 1h', '--', 'orchestra.yaml']);
    const t0 = Date.parse('2026-11-24T08:00:00Z');
    writeDocFile(dir, 'worker-core', 'esc', { type: 'escalation', title: 'Pick a database', created: isoSeconds(t0) });
    commitDocs(dir);
    const ws = locateWorkspace(dir);
    const config = loadConfig(ws);
    expect(config.staleAfterMs).toBe(HOUR);
    const scan = async (hours: number) => refreshHealth(await loadWorkspace(ws, { config }), new Date(t0 + hours * HOUR));
    for (const h of [0.5, 1, 1.5, 2, 3, 4, 10, 30]) await scan(h);
    const raised = alertLines(dir).filter((a) => a.kind === 'escalation_unanswered');
    expect(raised.map((a) => a.level)).toEqual(['info', 'warning', 'critical']);
    expect((await scan(31)).problems.filter((p) => p.kind === 'escalation_unanswered')).toHaveLength(1);

    await ok(dir, ['answer', 'esc', '--body', 'Postgres']);
    const report = await scan(32);
    expect(report.problems.filter((p) => p.kind === 'escalation_unanswered')).toEqual([]);
    expect(report.resolved).toEqual(['escalation_unanswered:esc:3']);
    expect(alertLines(dir).filter((a) => a.kind === 'escalation_unanswered')).toHaveLength(3);
  });
});
