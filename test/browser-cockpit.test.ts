/**
 * The lead's cockpit in a real Chromium: answer an escalation and a doubt, give an order and cancel it from the
 * page (each commit checked in git, the page updated live without a reload); a cross-site form post and a write
 * without the session token refused; a dashboard on 0.0.0.0 opened with its token; one worker's thread; the page
 * at 1280×800 and 390×844 without sideways scroll; and an axe-core pass with no serious or critical violation.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, LAPTOP, PHONE, axeSerious } from './browser-fixture.js';
import { CHROMIUM_ARGS, chromiumPath, cleanupTemp, git, ok, okJson, spawnCli, subjects, waitFor } from './helpers.js';
import { makeFixture, startCliDashboard, type Fixture, type Running } from './dashboard-fixture.js';
import { writeDocFile } from './factories.js';

const exe = chromiumPath();

describe.skipIf(!exe)("the lead's cockpit in Chromium", () => {
  let fx: Fixture;
  let dash: Running;
  let browser: Browser;
  const errorsOf = new WeakMap<Page, string[]>();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fx = await makeFixture();
    // Work of worker-infra for its coverage order: a commit with its trailer, then its report.
    await ok(fx.dir, ['--as', 'worker-infra', 'start', fx.ids.coverage]);
    writeFileSync(path.join(fx.dir, 'coverage.yml'), 'threshold: 80\nreport: html\nfail_under: true\n');
    git(fx.dir, ['add', 'coverage.yml']);
    git(fx.dir, ['commit', '-q', '-m', 'infra: coverage config\n\nOrchestra-Actor: worker-infra']);
    fx.ids.coverageReport = await ok(fx.dir, ['--as', 'worker-infra', 'report', fx.ids.coverage, '--body', 'Coverage runs on every push.']);
    dash = await startCliDashboard(fx.dir);
    browser = await chromium.launch({ executablePath: exe!, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await dash?.proc.stop();
    cleanupTemp();
  });

  async function openPage(viewport = LAPTOP, url = dash.url, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    // The page's CSP forbids inline script; axe-core is injected as one, so this test context bypasses it.
    const page = await browser.newPage({ viewport, colorScheme, bypassCSP: true });
    const errors: string[] = [];
    errorsOf.set(page, errors);
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    await page.locator('#workers .worker').first().waitFor();
    await page.locator('#live.on').waitFor();
    return page;
  }

  async function axe(page: Page, name: string): Promise<void> {
    expect((await axeSerious(page)).map((line) => `${name}: ${line}`)).toEqual([]);
  }

  const noSidewaysScroll = async (page: Page, width: number) => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

  it('answers an escalation from its answer box: the answer is committed and the escalation leaves the list, live', async () => {
    const page = await openPage();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    const item = page.locator(`#escalations li[data-id="${fx.ids.escalation}"]`);
    await item.locator('textarea').fill('Give worker-ui the chart order next.');
    const before = subjects(fx.dir).length;
    await item.getByRole('button', { name: 'Answer' }).click();
    await item.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('#action-status', { hasText: 'Answered worker-ui is idle' }).waitFor();
    expect(subjects(fx.dir).length).toBe(before + 1);
    expect(subjects(fx.dir)[0]).toMatch(/^orchestra: answer worker-ui: /);
    const esc = await okJson(fx.dir, ['show', fx.ids.escalation]);
    expect(esc.state).toBe('resolved');
    const answer = (await okJson<{ id: string; type: string; re: string; body?: string }[]>(fx.dir, ['list', '--type', 'answer'])).find((d) => d.re === fx.ids.escalation);
    expect(answer).toBeDefined();
    expect(git(fx.dir, ['log', '-1', '--format=%(trailers:key=Orchestra-Actor,valueonly)']).trim()).toBe('lead');
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(7);
    expect(errorsOf.get(page)).toEqual([]);
    await page.close();
  });

  it('answers a doubt from its dialog, gives an order (short id in after) and cancels it; each shows live', async () => {
    const page = await openPage();
    await page.locator(`#docs [data-id="${fx.ids.doubt}"] button.link`).click();
    await page.locator('#doc-dialog[open]').waitFor();
    expect(page.url()).toContain(`#doc=${fx.ids.doubt}`);
    await page.locator('#doc-actions textarea').fill('Use vitest, as the rest of the project does.');
    await page.locator('#doc-actions').getByRole('button', { name: 'Answer' }).click();
    // The open dialog updates live: the doubt is answered, the answer listed among its replies.
    await page.locator('#doc-kicker .badge.s-answered').waitFor({ timeout: 30_000 });
    await page.locator('#doc-replies li').first().waitFor();
    expect(await page.locator('#doc-actions textarea').count()).toBe(0);
    expect((await okJson(fx.dir, ['show', fx.ids.doubt])).state).toBe('answered');
    expect(subjects(fx.dir)[0]).toMatch(/^orchestra: answer worker-infra: /);
    await page.locator('#doc-close').click();

    await page.getByRole('button', { name: 'New order' }).click();
    await page.locator('#order-dialog[open]').waitFor();
    await page.locator('#o-worker').selectOption('worker-ui');
    await page.locator('#o-title').fill('Draw the latency chart');
    await page.locator('#o-body').fill('## Goal\n\nA p50/p99 chart.');
    await page.locator('#o-priority').selectOption('high');
    await page.locator('#o-after').fill(fx.ids.nlp.slice(-4));
    await page.screenshot({ path: path.join(ARTIFACTS, 'cockpit-order-1280x800.png') });
    await page.locator('#order-form').getByRole('button', { name: 'Give the order' }).click();
    await page.locator('#order-dialog').waitFor({ state: 'hidden' });
    const li = page.locator('#docs li', { hasText: 'Draw the latency chart' });
    await li.waitFor({ timeout: 30_000 });
    const id = await li.getAttribute('data-id');
    expect(subjects(fx.dir)[0]).toBe('orchestra: order worker-ui: Draw the latency chart');
    expect(await okJson(fx.dir, ['show', id!])).toMatchObject({ from: 'lead', to: 'worker-ui', priority: 'high', after: [fx.ids.nlp], state: 'waiting' });

    await li.locator('button.link').click();
    await page.locator('#doc-dialog[open]').waitFor();
    // `after` is a link that opens that doc; every id has a copy button.
    await page.locator('#doc-meta [data-copy]').first().waitFor();
    // It is listed twice: under "after", and under "waits on" (it is not completed yet).
    expect(await page.locator(`#doc-meta button.id-link[data-doc="${fx.ids.nlp}"]`).count()).toBe(2);
    const cancel = page.locator(`#doc-actions [data-cancel="${id}"]`);
    await cancel.click();
    await cancel.getByText('Confirm').waitFor();
    await cancel.click();
    await page.locator('#doc-kicker .badge.s-cancelled').waitFor({ timeout: 30_000 });
    expect(subjects(fx.dir)[0]).toBe(`orchestra: cancel worker-ui: ${id}`);
    expect((await okJson(fx.dir, ['show', id!])).state).toBe('cancelled');
    // The `after` link opens the order it names.
    await page.locator(`#doc-meta button.id-link[data-doc="${fx.ids.nlp}"]`).first().click();
    await page.locator('#doc-title', { hasText: 'Tokenizer on numpy' }).waitFor();
    expect(errorsOf.get(page)).toEqual([]);
    await page.close();
  });

  it('refuses a cross-site form post and a same-page write without the session token; nothing is written', async () => {
    const before = subjects(fx.dir).length;
    // Another site (localhost on another port is another site than 127.0.0.1) with a form that posts here.
    const evil: Server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><form id="f" method="POST" action="${dash.url}api/actions/cancel" enctype="text/plain">
        <input name='{"order":"${fx.ids.ui}","x":"' value='"}'></form>
        <form id="g" method="POST" action="${dash.url}api/v1/docs" enctype="text/plain">
        <input name='{"title":"ORDEN: forged","tags":["worker-core"],"author":"lucas","x":"' value='"}'></form>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilUrl = `http://localhost:${(evil.address() as { port: number }).port}/`;
    try {
      for (const form of ['f', 'g']) {
        const page = await browser.newPage();
        await page.goto(evilUrl);
        const response = page.waitForResponse((r) => r.url().startsWith(dash.url));
        await page.evaluate((f) => (document.getElementById(f) as HTMLFormElement).submit(), form);
        expect((await response).status()).toBe(403);
        await page.close();
      }
    } finally {
      await new Promise((resolve) => evil.close(resolve));
    }
    // The page's own origin, but a request that does not carry the token (as a script injected elsewhere would).
    const page = await openPage();
    const statuses = await page.evaluate(async (order) => {
      const noToken = await fetch('/api/actions/cancel', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ order }) });
      const wrong = await fetch('/api/actions/cancel', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Orchestra-Session': 'nope' }, body: JSON.stringify({ order }) });
      return [noToken.status, wrong.status];
    }, fx.ids.ui);
    expect(statuses).toEqual([403, 403]);
    expect(subjects(fx.dir).length).toBe(before);
    expect((await okJson(fx.dir, ['show', fx.ids.ui])).state).not.toBe('cancelled');
    await page.close();
  });

  it("shows one worker's thread: its orders in order, doubts, answers, reports, receipts, commits with diff stat, liveness", async () => {
    for (const viewport of [LAPTOP, PHONE]) {
      const page = await openPage(viewport);
      await page.locator('[data-worker="worker-infra"] h3 a').click();
      expect(page.url()).toContain('#worker=worker-infra');
      await page.locator('#thread-view:not([hidden])').waitFor();
      await page.locator(`#thread-orders [data-order="${fx.ids.coverage}"]`).waitFor();
      const orders = await page.locator('#thread-orders > li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.order));
      // Oldest first (the laptop pass adds one more order at the end).
      expect(orders.slice(0, 2)).toEqual([fx.ids.ci, fx.ids.coverage]);
      const cov = page.locator(`[data-order="${fx.ids.coverage}"]`);
      expect(await cov.locator(`[data-id="${fx.ids.coverageReport}"]`).count()).toBe(1);
      expect(await cov.locator('.commits li', { hasText: 'infra: coverage config' }).textContent()).toMatch(/1 file \+3 −0/);
      expect(await cov.locator('.commits li [data-copy]').count()).toBeGreaterThan(0);
      expect(await page.locator(`[data-order="${fx.ids.ci}"] [data-id="${fx.ids.ciReport}"]`).count()).toBe(1);
      // The commit came after the CI report: it is the coverage order's, not claimed by both.
      expect(await page.locator(`[data-order="${fx.ids.ci}"] .commits`).count()).toBe(0);
      expect(await page.locator('#thread-meta .live-badge').getAttribute('data-liveness')).toMatch(/^(working|idle|stalled|gone)$/);
      // The doubt asked with no order in progress, and the answer it got, are under "not tied to an order".
      await page.locator(`#thread-other [data-id="${fx.ids.doubt}"]`).waitFor();
      // The overview's panels are hidden; the thread is the page.
      expect(await page.locator('.docs-card').isVisible()).toBe(false);
      await noSidewaysScroll(page, viewport.width);
      const tag = `${viewport.width}x${viewport.height}`;
      await page.screenshot({ path: path.join(ARTIFACTS, `cockpit-thread-${tag}.png`), fullPage: true });
      await axe(page, `thread ${tag}`);
      // Live: a new order for this worker shows in its thread without a reload.
      if (viewport === LAPTOP) {
        const id = await ok(fx.dir, ['order', 'worker-infra', 'Cache the test dependencies']);
        await page.locator(`#thread-orders [data-order="${id}"]`).waitFor({ timeout: 30_000 });
        await page.locator('#thread-view .back a').click();
        await page.locator('.docs-card').waitFor();
        expect(page.url()).not.toContain('worker=');
      }
      expect(errorsOf.get(page)).toEqual([]);
      await page.close();
    }
  });

  it('fits 1280×800 and 390×844 with no sideways scroll and passes axe-core (overview, doc, order form)', async () => {
    for (const viewport of [LAPTOP, PHONE]) {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await openPage(viewport, dash.url, scheme);
        await page.locator('#timeline li').first().waitFor();
        await page.locator('#docs li[data-id]').first().waitFor();
        await noSidewaysScroll(page, viewport.width);
        const tag = `${viewport.width}x${viewport.height}-${scheme}`;
        await page.screenshot({ path: path.join(ARTIFACTS, `cockpit-${tag}.png`), fullPage: true });
        await axe(page, `overview ${tag}`);
        if (scheme === 'light') {
          await page.locator(`#docs [data-id="${fx.ids.core}"] button.link`).click();
          await page.locator('#doc-dialog[open] #doc-actions [data-cancel]').waitFor();
          await noSidewaysScroll(page, viewport.width);
          await page.screenshot({ path: path.join(ARTIFACTS, `cockpit-doc-${tag}.png`) });
          await axe(page, `doc ${tag}`);
          await page.locator('#doc-close').click();
          await page.getByRole('button', { name: 'New order' }).click();
          await page.locator('#order-dialog[open]').waitFor();
          await page.screenshot({ path: path.join(ARTIFACTS, `cockpit-order-${tag}.png`) });
          await axe(page, `order form ${tag}`);
        }
        expect(errorsOf.get(page)).toEqual([]);
        await page.close();
      }
    }
  });

  it('lists flow with the page (no inner scroll box) and end with "Show more" when longer', async () => {
    const page = await openPage();
    // 30 more orders in one commit: more than the 20 docs and 25 timeline entries the page shows at first.
    const files = Array.from({ length: 30 }, (_, i) =>
      writeDocFile(fx.dir, 'worker-nlp', `20261101-1200${String(i).padStart(2, '0')}-order-bulk-${i}`, { type: 'order', title: `Bulk order ${i}`, from: 'lead', to: 'worker-nlp', created: `2026-11-01T12:00:${String(i).padStart(2, '0')}Z` }),
    );
    for (const f of files) git(fx.dir, ['add', '--', f]);
    git(fx.dir, ['commit', '-q', '-m', 'bulk orders']);
    await page.locator('#docs-more:not([hidden])').waitFor({ timeout: 30_000 });
    expect(await page.locator('#docs > li').count()).toBe(20);
    await page.locator('#docs-more').click();
    await waitFor(async () => (await page.locator('#docs > li').count()) > 20);
    for (const sel of ['#docs', '#timeline', '#escalations', '#alerts']) {
      const overflow = await page.locator(sel).evaluate((e) => [getComputedStyle(e).overflowY, getComputedStyle(e).maxHeight]);
      expect({ sel, overflow }).toEqual({ sel, overflow: ['visible', 'none'] });
    }
    // Each timeline marker is a whole circle: its box lies inside the card, nothing clips it.
    const inside = await page.locator('#timeline').evaluate((ol) => {
      const card = ol.closest('.card')!.getBoundingClientRect();
      const li = ol.querySelector('li')!;
      const left = li.getBoundingClientRect().left + parseFloat(getComputedStyle(li, '::before').left);
      return left >= card.left && parseFloat(getComputedStyle(li, '::before').width) === parseFloat(getComputedStyle(li, '::before').height);
    });
    expect(inside).toBe(true);
    expect(errorsOf.get(page)).toEqual([]);
    await page.close();
  });

  it('on 0.0.0.0: refused without the token, opened once with ?token= (then a cookie), live and able to act', async () => {
    const proc = spawnCli(fx.dir, ['dashboard', '--port', '0', '--host', '0.0.0.0']);
    try {
      const line = await proc.waitForOutput(/^dashboard: http:\/\//);
      const url = line.replace(/^dashboard: /, '').trim();
      expect(url).toMatch(/\?token=/);
      const bare = url.replace(/\?token=.*$/, '');
      const page0 = await browser.newPage();
      const refused = await page0.goto(bare);
      expect(refused!.status()).toBe(401);
      await page0.close();
      const page = await openPage(PHONE, url);
      // The token left the address bar; the cookie carries it for the fetches and the event stream.
      expect(page.url()).not.toContain('token=');
      const title = `From the phone ${Date.now()}`;
      await ok(fx.dir, ['order', 'worker-core', title]);
      await page.locator('#docs li', { hasText: title }).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'New order' }).click();
      await page.locator('#o-worker').selectOption('worker-nlp');
      await page.locator('#o-title').fill('Ordered from the phone');
      await page.locator('#order-form').getByRole('button', { name: 'Give the order' }).click();
      await page.locator('#docs li', { hasText: 'Ordered from the phone' }).waitFor({ timeout: 30_000 });
      expect(subjects(fx.dir)[0]).toBe('orchestra: order worker-nlp: Ordered from the phone');
      await noSidewaysScroll(page, PHONE.width);
      expect(errorsOf.get(page)).toEqual([]);
      await page.close();
    } finally {
      await proc.stop();
    }
  });

  it('a doubt written while the page is open arrives with its answer box, live, on a phone', async () => {
    const page = await openPage(PHONE);
    const id = await ok(fx.dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which cache size?', '--body', '64 or 128 MB?']);
    await page.locator(`#escalations li[data-id="${id}"] textarea`).waitFor({ timeout: 30_000 });
    await waitFor(async () => (await page.locator('#esc-count').textContent()) !== '0');
    await noSidewaysScroll(page, PHONE.width);
    await page.locator('#esc-h').scrollIntoViewIfNeeded();
    await page.locator('section[aria-labelledby="esc-h"]').screenshot({ path: path.join(ARTIFACTS, 'cockpit-waiting-390x844.png') });
    await page.close();
  });
});
