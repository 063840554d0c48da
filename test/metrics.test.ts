import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/core/config.js';
import type { Doc } from '../src/core/doc.js';
import { computeMetrics, countConflicts } from '../src/core/metrics.js';
import { derive } from '../src/core/state.js';
import { cleanupTemp, git, makeWorkspace, ok, okJson } from './helpers.js';
import { docFactory, isoSeconds, writeDocFile } from './factories.js';

afterAll(cleanupTemp);

const DAY = 86_400_000;

const doc = docFactory({ worker: 'w' });

describe('computeMetrics on a constructed history (pure)', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  const config = { workers: [{ name: 'w', dependsOn: [], scope: [] }] } as unknown as Config;
  const docs: Doc[] = [];
  // 10 orders written in the window; 6 completed (on known days), 2 escalations: autonomy 80 %.
  for (let i = 0; i < 10; i++) docs.push(doc({ id: `o${i}`, type: 'order', status: 'pending', created: isoSeconds(now.getTime() - (6 - (i % 5)) * DAY) }));
  const doneOn = ['2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z', '2026-11-22T09:00:00Z', '2026-11-23T09:00:00Z', '2026-11-24T09:00:00Z', '2026-11-24T10:00:00Z'];
  doneOn.forEach((t, i) => docs.push(doc({ id: `r${i}`, type: 'report', re: `o${i}`, outcome: 'completed', from: 'w', to: 'daemon', created: t })));
  // A partial report does not complete its order.
  docs.push(doc({ id: 'rp', type: 'report', re: 'o7', outcome: 'partial', from: 'w', to: 'daemon', created: '2026-11-24T10:30:00Z' }));
  docs.push(doc({ id: 'e1', type: 'escalation', from: 'daemon', to: 'lead', created: '2026-11-21T00:00:00Z' }));
  docs.push(doc({ id: 'e2', type: 'escalation', from: 'daemon', to: 'lead', created: '2026-11-23T00:00:00Z' }));
  docs.push(doc({ id: 'a1', type: 'answer', re: 'e2', from: 'lead', to: 'w', created: '2026-11-23T01:00:00Z' }));
  // Outside the window: an old order and an old escalation, neither counted.
  docs.push(doc({ id: 'old', type: 'order', status: 'pending', created: '2026-11-01T00:00:00Z' }));
  docs.push(doc({ id: 'e0', type: 'escalation', from: 'daemon', to: 'lead', created: '2026-11-02T00:00:00Z' }));
  docs.sort((a, b) => (a.created < b.created ? -1 : 1));

  it('gives the known throughput, autonomy, conflicts per task and daily series', () => {
    const m = computeMetrics({ docs, derived: derive(docs, config), since: new Date(now.getTime() - 7 * DAY), now, conflicts: 3 });
    expect(m.ordersTotal).toBe(10);
    expect(m.ordersCompleted).toBe(6);
    expect(m.throughputPerDay).toBe(Math.round((6 / 7) * 100) / 100);
    expect(m.escalations).toBe(2);
    expect(m.autonomyPct).toBe(80);
    expect(m.conflictsPerTask).toBe(0.3);
    expect(m.openEscalations).toBe(2); // e0 and e1; e2 was answered
    expect(m.daily).toEqual([
      { date: '2026-11-17', completed: 0 },
      { date: '2026-11-18', completed: 0 },
      { date: '2026-11-19', completed: 0 },
      { date: '2026-11-20', completed: 2 },
      { date: '2026-11-21', completed: 0 },
      { date: '2026-11-22', completed: 1 },
      { date: '2026-11-23', completed: 1 },
      { date: '2026-11-24', completed: 2 },
    ]);
    expect(m.vsTargets).toEqual({ throughputPerDay: 'below', autonomyPct: 'on_target', conflicts: 'above' });
  });

  it('counts conflict alerts raised inside the window only', () => {
    const alerts = [
      { kind: 'conflict', at: '2026-11-10T00:00:00.000Z' },
      { kind: 'conflict', at: '2026-11-20T00:00:00.000Z' },
      { kind: 'scope_violation', at: '2026-11-21T00:00:00.000Z' },
      { kind: 'stalled', at: '2026-11-21T00:00:00.000Z' },
      { kind: 'conflict', at: '2026-11-24T11:59:59.999Z' },
    ];
    expect(countConflicts(alerts, new Date('2026-11-17T12:00:00Z'), now)).toEqual({ conflicts: 2, scopeViolations: 1 });
  });
});

describe('orchestra metrics', () => {
  it('reports the known figures of a committed history, and its --help gives each formula', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    const now = Date.now();
    const files: string[] = [];
    // 8 orders in the last 4 days; 5 completed in the window, plus an older order completed inside it.
    for (let i = 0; i < 8; i++) {
      files.push(writeDocFile(dir, i % 2 ? 'worker-infra' : 'worker-core', `o${i}`, { type: 'order', title: `Task ${i}`, to: i % 2 ? 'worker-infra' : 'worker-core', created: isoSeconds(now - (4 - (i % 4)) * DAY) }));
    }
    files.push(writeDocFile(dir, 'worker-core', 'o-old', { type: 'order', title: 'Old task', created: isoSeconds(now - 12 * DAY) }));
    for (const [i, o] of ['o0', 'o1', 'o2', 'o3', 'o4', 'o-old'].entries()) {
      const w = o === 'o-old' || Number(o.slice(1)) % 2 === 0 ? 'worker-core' : 'worker-infra';
      files.push(writeDocFile(dir, w, `r${i}`, { type: 'report', title: `Done ${o}`, re: o, created: isoSeconds(now - (i + 1) * 3_600_000) }));
    }
    // 2 escalations in the window: autonomy (8 - 2) / 8 = 75 %.
    files.push(writeDocFile(dir, 'worker-core', 'e1', { type: 'escalation', title: 'Help 1', created: isoSeconds(now - 2 * DAY) }));
    files.push(writeDocFile(dir, 'worker-infra', 'e2', { type: 'escalation', title: 'Help 2', created: isoSeconds(now - 1 * DAY) }));
    git(dir, ['add', '--', '.orchestra/docs']);
    git(dir, ['commit', '-q', '-m', 'history', '--', '.orchestra/docs']);
    // Two conflicts recorded in the window and one before it.
    const state = path.join(dir, '.orchestra', 'state');
    mkdirSync(state, { recursive: true });
    for (const [k, at] of [['conflict:a:b:x', now - 2 * DAY], ['conflict:a:b:y', now - DAY], ['conflict:a:b:z', now - 30 * DAY]] as const) {
      appendFileSync(path.join(state, 'alerts.jsonl'), `${JSON.stringify({ id: k, at: new Date(at).toISOString(), level: 'warning', kind: 'conflict', message: k, key: k })}\n`);
    }

    const m = await okJson(dir, ['metrics']);
    expect(m).toMatchObject({ ordersTotal: 8, ordersCompleted: 6, escalations: 2, autonomyPct: 75, conflicts: 2, conflictsPerTask: 0.25 });
    expect(m.throughputPerDay).toBeCloseTo(6 / 7, 2);
    expect(m.daily).toHaveLength(8);
    expect(m.daily.reduce((s: number, d: { completed: number }) => s + d.completed, 0)).toBe(6);
    expect(m.vsTargets).toEqual({ throughputPerDay: 'below', autonomyPct: 'below', conflicts: 'above' });

    // A narrower window: the last 36 hours hold orders written 1 day ago only.
    const narrow = await okJson(dir, ['metrics', '--since', '36h']);
    expect(narrow.ordersTotal).toBe(2);
    expect(narrow.escalations).toBe(1);
    expect(narrow.conflicts).toBe(1);

    const text = await ok(dir, ['metrics']);
    expect(text).toMatch(/throughput\s+0\.86 tasks\/day\s+target 5-10\s+below target/);
    expect(text).toMatch(/autonomy\s+75 %/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    const help = await ok(dir, ['metrics', '--help']);
    expect(help).toMatch(/throughput\s+= orders completed in the window \/ days/);
    expect(help).toMatch(/autonomy\s+= \(orders - escalations\) \/ orders x 100/);
    expect(help).toMatch(/coordination = conflicts \/ orders/);
    expect(help).toMatch(/Example:\n\s+\$ orchestra metrics/);

    const bad = await (await import('./helpers.js')).run(dir, ['metrics', '--since', 'yesterday-ish']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--since "yesterday-ish"/);
  });
});
