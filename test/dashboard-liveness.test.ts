/**
 * Liveness and delivery on the dashboard (issue 13 item 6): `/api/workers` carries each worker's `liveness` and
 * `lastSeen` as `status --json` does, read per request from the heartbeats (no doc change needed), and
 * `/api/docs/<id>` its `delivered`; the page shows the liveness badge, "last seen" and the delivered line in a real
 * Chromium.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, cleanupTemp, ok, okJson, waitFor } from './helpers.js';
import { makeFixture, startCliDashboard, type Fixture, type Running } from './dashboard-fixture.js';

async function getJson(base: string, p: string): Promise<any> {
  const r = await fetch(new URL(p, base));
  expect(r.status).toBe(200);
  return r.json();
}

/** A heartbeat as `orchestra --as <worker>` writes it (a temp file renamed over the last), dated `agoMs` back. */
function beat(dir: string, worker: string, agoMs: number): string {
  const at = new Date(Date.now() - agoMs).toISOString();
  const file = path.join(dir, '.orchestra', 'state', 'heartbeats', `${worker}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify({ at }));
  renameSync(`${file}.tmp`, file);
  return at;
}

const HOUR = 3_600_000;
const exe = chromiumPath();

describe('dashboard liveness and delivery', () => {
  let fx: Fixture;
  let dash: Running;
  let base: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    fx = await makeFixture();
    dash = await startCliDashboard(fx.dir);
    base = dash.url;
  });

  afterAll(async () => {
    await browser?.close();
    await dash?.proc.stop();
    cleanupTemp();
  });

  it('/api/workers: liveness and lastSeen, the values of status --json', async () => {
    const api = await getJson(base, '/api/workers');
    for (const w of api) {
      expect(['working', 'idle', 'stalled', 'gone']).toContain(w.liveness);
      expect(w).toHaveProperty('lastSeen');
    }
    const ui = api.find((w: any) => w.name === 'worker-ui');
    // worker-ui never called orchestra in the fixture.
    expect(ui).toMatchObject({ lastSeen: null, liveness: 'idle' });
    const status = await okJson(fx.dir, ['status', '--json']);
    const pick = (list: any[]) => list.map((w) => ({ name: w.name, liveness: w.liveness, lastSeen: w.lastSeen }));
    expect(pick(await getJson(base, '/api/workers'))).toEqual(pick(status.workers));
  });

  it('a call as the worker is a heartbeat the API shows, and the order it was shown is delivered', async () => {
    expect((await getJson(base, `/api/docs/${fx.ids.coverage}`)).delivered).toBeNull();
    const before = Date.now();
    await ok(fx.dir, ['--as', 'worker-ui', 'pending', 'worker-ui']);
    await ok(fx.dir, ['--as', 'worker-infra', 'pending', 'worker-infra']);
    // No doc changed: lastSeen comes from the heartbeat file at request time, not from the cached view.
    const ui = (await getJson(base, '/api/workers')).find((w: any) => w.name === 'worker-ui');
    expect(ui.lastSeen).not.toBeNull();
    expect(Date.parse(ui.lastSeen)).toBeGreaterThanOrEqual(before - 1000);
    // worker-infra's ready order was shown to it by `pending`.
    const doc = await getJson(base, `/api/docs/${fx.ids.coverage}`);
    expect(doc.delivered).toMatchObject({ how: 'pending' });
    expect(Date.parse(doc.delivered.at)).toBeGreaterThanOrEqual(before - 1000);
    // Orders their workers never saw (worker-ui's waits on others, so pending does not show it yet), and a doc
    // that is neither an order nor an answer.
    expect((await getJson(base, `/api/docs/${fx.ids.ui}`)).delivered).toBeNull();
    expect((await getJson(base, `/api/docs/${fx.ids.nlp}`)).delivered).toBeNull();
    expect(await getJson(base, `/api/docs/${fx.ids.ciReport}`)).not.toHaveProperty('delivered');
  });

  it('an answer is delivered once the worker that doubted is shown it', async () => {
    const answer = await ok(fx.dir, ['answer', fx.ids.doubt, '--body', 'vitest']);
    const fresh = await waitFor(async () => {
      const r = await fetch(new URL(`/api/docs/${answer}`, base));
      return r.status === 200 ? r.json() : undefined;
    }, { timeoutMs: 5000 });
    expect(fresh.delivered).toBeNull();
    await ok(fx.dir, ['--as', 'worker-infra', 'pending', 'worker-infra']);
    expect((await getJson(base, `/api/docs/${answer}`)).delivered).toMatchObject({ how: 'pending' });
  });

  it('stalled and gone follow the heartbeat with the clock, without any doc change', async () => {
    const core = async () => (await getJson(base, '/api/workers')).find((w: any) => w.name === 'worker-core');
    const stalledAt = beat(fx.dir, 'worker-core', 5 * HOUR);
    expect(await core()).toMatchObject({ state: 'working', liveness: 'stalled', lastSeen: stalledAt });
    const goneAt = beat(fx.dir, 'worker-core', 13 * HOUR);
    expect(await core()).toMatchObject({ liveness: 'gone', lastSeen: goneAt });
    const now = beat(fx.dir, 'worker-core', 0);
    expect(await core()).toMatchObject({ liveness: 'working', lastSeen: now });
  });

  it.skipIf(!exe)('the page: a liveness badge with its meaning, "last seen", and the delivered line', async () => {
    beat(fx.dir, 'worker-core', 5 * HOUR);
    browser = await chromium.launch({ executablePath: exe!, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    await page.locator('#workers .worker').first().waitFor();
    const core = page.locator('[data-worker="worker-core"] [data-liveness]');
    expect(await core.textContent()).toBe('stalled');
    expect(await core.getAttribute('title')).toMatch(/stalled: an order in progress, no call to orchestra for stale_after/);
    expect(await page.locator('[data-worker="worker-nlp"] [data-liveness]').textContent()).toBe('idle');
    expect(await page.locator('[data-worker="worker-ui"] .seen').textContent()).toMatch(/last seen (just now|\d+ min ago)/);
    expect(await page.locator('[data-worker="worker-nlp"] .seen').textContent()).toBe('idlelast seen never');
    expect(await page.locator('#liveness-legend').textContent()).toMatch(/stalled.*gone/s);

    await page.locator(`#docs [data-id="${fx.ids.coverage}"] button`).click();
    await page.locator('#doc-dialog[open]').waitFor();
    await waitFor(async () => (await page.locator('#doc-title').textContent()) === 'Add coverage report');
    expect(await page.locator('#doc-meta').textContent()).toMatch(/deliverydelivered .+ \(pending\)/);
    await page.locator('#doc-close').click();

    await page.locator(`#docs [data-id="${fx.ids.nlp}"] button`).click();
    await waitFor(async () => (await page.locator('#doc-title').textContent()) === 'Tokenizer on numpy');
    expect(await page.locator('#doc-meta').textContent()).toContain('not delivered yet');
    await page.locator('#doc-close').click();

    // A report has no delivery line.
    await page.locator(`#docs [data-id="${fx.ids.ciReport}"] button`).click();
    await waitFor(async () => (await page.locator('#doc-meta').textContent())?.includes(fx.ids.ciReport));
    expect(await page.locator('#doc-meta').textContent()).not.toContain('delivery');
    expect(errors).toEqual([]);
    await page.close();
  });
});
