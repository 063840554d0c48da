/**
 * One metrics window everywhere (issue 12 item 2): a committed history with known numbers gives the same
 * autonomy, throughput and conflicts per task in `metrics`, `status`, the HTTP API and the page, over the
 * window `metrics.window` configures; idle notices cost no autonomy.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, cleanupTemp, git, makeWorkspace, okJson } from './helpers.js';
import { startCliDashboard } from './dashboard-fixture.js';
import { write } from './conflicts-fixture.js';

afterAll(cleanupTemp);

const DAY = 86_400_000;
const isoAt = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function docFile(dir: string, worker: string, id: string, fm: Record<string, string>): void {
  write(dir, `.orchestra/docs/${worker}/${id}.md`, `---\n${Object.entries(fm).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\nbody\n`);
}

async function history(): Promise<string> {
  const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
  const cfg = path.join(dir, 'orchestra.yaml');
  writeFileSync(cfg, `${readFileSync(cfg, 'utf8')}\nmetrics:\n  window: 10d\n`);
  git(dir, ['commit', '-q', '-m', 'metrics window', '--', 'orchestra.yaml']);
  const now = Date.now();
  const w = (i: number) => (i % 2 ? 'worker-infra' : 'worker-core');
  // 10 orders over the last 9 days (3 of them older than a week), 5 completed.
  for (let i = 0; i < 10; i++) docFile(dir, w(i), `o${i}`, { type: 'order', title: `Task ${i}`, created: isoAt(now - (i + 1) * 0.9 * DAY) });
  for (let i = 0; i < 5; i++) docFile(dir, w(i), `r${i}`, { type: 'report', title: `Done ${i}`, re: `o${i}`, created: isoAt(now - (i + 1) * 3_600_000) });
  // 2 escalations that asked the lead to decide, 4 idle notices that did not: autonomy (10 - 2) / 10 = 80 %.
  docFile(dir, 'worker-core', 'e1', { type: 'escalation', title: 'Needs the lead 1', re: 'r0', created: isoAt(now - 2 * DAY) });
  docFile(dir, 'worker-infra', 'e2', { type: 'escalation', title: 'Needs the lead 2', re: 'r1', created: isoAt(now - 3 * DAY) });
  for (let i = 0; i < 4; i++) docFile(dir, w(i), `idle${i}`, { type: 'escalation', title: `Worker idle: ${w(i)}`, tags: '[idle]', re: `r${i}`, created: isoAt(now - (i + 1) * DAY) });
  git(dir, ['add', '--', '.orchestra/docs']);
  git(dir, ['commit', '-q', '-m', 'history', '--', '.orchestra/docs']);
  // Two conflicts inside the 10-day window (one of them older than a week), one before it.
  const state = path.join(dir, '.orchestra', 'state');
  mkdirSync(state, { recursive: true });
  for (const [k, at] of [['conflict:a:b:x', now - DAY], ['conflict:a:b:y', now - 8 * DAY], ['conflict:a:b:z', now - 20 * DAY]] as const) {
    appendFileSync(path.join(state, 'alerts.jsonl'), `${JSON.stringify({ id: k, at: new Date(at).toISOString(), level: 'warning', kind: 'conflict', message: k, key: k })}\n`);
  }
  return dir;
}

const KNOWN = { ordersTotal: 10, ordersCompleted: 5, throughputPerDay: 0.5, escalations: 2, autonomyPct: 80, conflicts: 2, conflictsPerTask: 0.2 };

describe('metrics over the configured window', () => {
  it('CLI, status, API and page give the same known figures; idle notices raise no low-autonomy alert', async () => {
    const dir = await history();
    const cli = await okJson(dir, ['metrics']);
    expect(cli).toMatchObject(KNOWN);
    expect(cli.days).toBe(10);
    const status = await okJson(dir, ['status']);
    expect(status.metrics).toMatchObject(KNOWN);
    const alerts = await okJson<{ kind: string }[]>(dir, ['alerts']);
    expect(alerts.filter((a) => a.kind === 'low_autonomy')).toEqual([]);

    const dash = await startCliDashboard(dir);
    try {
      const api = await (await fetch(`${dash.url.replace(/\/$/, '')}/api/metrics`)).json();
      expect(api).toMatchObject({ ...KNOWN, quality: { autonomyPct: 80, conflicts: 2, conflictsPerTask: 0.2 } });
      const exe = chromiumPath();
      if (!exe) return;
      const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await page.goto(dash.url);
        await page.locator('#kpis .kpi').first().waitFor();
        const kpis = (await page.locator('#kpis').textContent()) ?? '';
        expect(kpis).toContain('0.5');
        expect(kpis).toContain('80%');
        expect(kpis).toContain('of 10 orders');
        expect(kpis).toContain('0.2 per task');
        expect(await page.locator('#metrics-window').textContent()).toBe('last 10 days');
      } finally {
        await browser.close();
      }
    } finally {
      await dash.proc.stop();
    }
  });
});
