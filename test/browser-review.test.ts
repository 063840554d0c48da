/**
 * Review mode in a real Chromium, on a real daemon in branch mode: the "Proposals for review" panel shows the
 * daemon's proposal as it arrives (the page follows the proposals branch live, no reload), Approve delivers it,
 * Reject needs a reason and records it, Approve all takes several; an approval from the CLI updates the panel too;
 * the panel works at 390×844 without sideways scroll and passes axe-core with no serious or critical violation.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS, LAPTOP, PHONE, axeSerious } from './browser-fixture.js';
import { CHROMIUM_ARGS, chromiumPath, cleanupTemp, ok, okJson, type LongRunning } from './helpers.js';
import { startDaemonCli } from './daemon-fixture.js';
import { startCliDashboard, type Running } from './dashboard-fixture.js';
import { reviewWorkspace } from './review-fixture.js';

const exe = chromiumPath();

describe.skipIf(!exe)('review mode on the page, in Chromium', () => {
  let dir: string;
  let daemon: LongRunning;
  let dash: Running;
  let browser: Browser;
  const errorsOf = new WeakMap<Page, string[]>();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = await reviewWorkspace('branch');
    daemon = await startDaemonCli(dir);
    dash = await startCliDashboard(dir);
    browser = await chromium.launch({ executablePath: exe!, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await dash?.proc.stop();
    await daemon?.stop();
    cleanupTemp();
  });

  async function openPage(viewport = LAPTOP): Promise<Page> {
    // axe-core is injected as an inline script, which the page's CSP forbids: this test context bypasses it.
    const page = await browser.newPage({ viewport, bypassCSP: true });
    const errors: string[] = [];
    errorsOf.set(page, errors);
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(dash.url);
    await page.locator('#live.on').waitFor();
    await page.locator('#proposals-card:not([hidden])').waitFor();
    // Set once: still there at the end means the page was never reloaded.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    return page;
  }

  const doubt = (worker: string, title: string) => ok(dir, ['--as', worker, 'doubt', worker, title]);
  const proposalItem = (page: Page, re: string) => page.locator('#proposals li[data-proposal]', { has: page.locator(`button[data-doc="${re}"]`) });
  const delivered = (worker: string, id: string) => existsSync(path.join(dir, '.orchestra', 'docs', worker, `${id}.md`));
  const notReloaded = async (page: Page) => expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(7);

  it('shows a proposal as it arrives and delivers it with Approve; the panel updates live', async () => {
    const page = await openPage();
    await page.locator('#proposals li.empty', { hasText: 'No proposal waits for review' }).waitFor();
    expect(await page.locator('#proposals-branch').textContent()).toBe('orchestra-proposals');

    const q = await doubt('worker-infra', 'Which test framework should I use?');
    const item = proposalItem(page, q);
    await item.waitFor({ timeout: 30_000 });
    const id = (await item.getAttribute('data-proposal'))!;
    expect(await item.locator('.proposal-title').textContent()).toBe('Re: Which test framework should I use?');
    expect(await item.locator('.sub').first().textContent()).toContain('daemon → worker-infra · for worker-infra');
    // The body is the sanitised Markdown, as in the doc dialog.
    expect(await item.locator('.proposal-body strong').textContent()).toBe('vitest');
    // `re` is a link: it opens the doubt.
    await item.locator(`button[data-doc="${q}"]`).click();
    await page.locator('#doc-dialog[open]').waitFor();
    expect(await page.locator('#doc-title').textContent()).toBe('Which test framework should I use?');
    await page.locator('#doc-close').click();
    expect(await page.locator('#approve-all').isHidden()).toBe(true);

    await item.getByRole('button', { name: 'Approve' }).click();
    await item.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('#action-status', { hasText: 'Approved Re: Which test framework should I use?' }).waitFor();
    expect(delivered('worker-infra', id)).toBe(true);
    expect(((await okJson(dir, ['pending', 'worker-infra'])).answers as { id: string }[]).map((a) => a.id)).toContain(id);
    expect(await okJson(dir, ['list', '--proposals'])).toEqual([]);
    // The delivered answer reaches the rest of the page too.
    await page.locator(`#docs li[data-id="${id}"]`).waitFor({ timeout: 30_000 });
    await notReloaded(page);
    expect(errorsOf.get(page)).toEqual([]);
    await page.close();
  });

  it('rejects with a reason (an empty one is not sent), at 390×844, and passes axe-core', async () => {
    const page = await openPage(PHONE);
    const q = await doubt('worker-core', 'pytest or vitest for the core?');
    const item = proposalItem(page, q);
    await item.waitFor({ timeout: 30_000 });
    const id = (await item.getAttribute('data-proposal'))!;
    await item.getByRole('button', { name: 'Reject…' }).click();
    const why = item.getByLabel(/Reason for rejecting/);
    await why.waitFor();
    // Another proposal arrives while the form is open and still empty: the panel redraws, the form stays open.
    const other = await doubt('worker-infra', 'Is Node 20 enough for the scripts?');
    await proposalItem(page, other).waitFor({ timeout: 30_000 });
    const otherId = (await proposalItem(page, other).getAttribute('data-proposal'))!;
    expect(await why.isVisible()).toBe(true);
    await page.locator('#proposals-card').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-panel-390x844.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    expect(await axeSerious(page, '#proposals-card')).toEqual([]);

    // Empty: the browser's own check stops it (required), nothing is sent.
    await item.getByRole('button', { name: 'Reject', exact: true }).click();
    expect(await why.evaluate((t) => (t as HTMLTextAreaElement).validity.valueMissing)).toBe(true);
    expect((await okJson<{ id: string }[]>(dir, ['list', '--proposals'])).map((p) => p.id).sort()).toEqual([id, otherId].sort());

    await why.fill('The core uses node:test: I will answer it myself');
    await item.getByRole('button', { name: 'Reject', exact: true }).click();
    await item.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('#action-status', { hasText: 'Rejected Re: pytest or vitest for the core?' }).waitFor();
    expect(delivered('worker-core', id)).toBe(false);
    const log = await okJson<{ type: string; doc: string; actor: string; why?: string }[]>(dir, ['log', '--type', 'reject']);
    expect(log[0]).toMatchObject({ doc: id, actor: 'lead', why: 'The core uses node:test: I will answer it myself' });
    // The other one, from the CLI: the next test starts with none waiting.
    await ok(dir, ['reject', otherId, '--why', 'asked twice']);
    await proposalItem(page, other).waitFor({ state: 'detached', timeout: 30_000 });
    await notReloaded(page);
    expect(errorsOf.get(page)).toEqual([]);
    await page.close();
  });

  it('follows an approval made from the CLI, and approves the rest with Approve all', async () => {
    const page = await openPage();
    const qs = [await doubt('worker-infra', 'vitest for the scripts?'), await doubt('worker-core', 'vitest for the api?'), await doubt('worker-core', 'pytest for the tools?')];
    for (const q of qs) await proposalItem(page, q).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Approve all (3)' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-panel-1280x800.png'), fullPage: true });

    // Approved elsewhere: the proposals branch moves, the page is told and drops it.
    const first = (await proposalItem(page, qs[0]).getAttribute('data-proposal'))!;
    await ok(dir, ['approve', first]);
    await proposalItem(page, qs[0]).waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('button', { name: 'Approve all (2)' }).click();
    await page.locator('#proposals li.empty', { hasText: 'No proposal waits for review' }).waitFor({ timeout: 30_000 });
    await page.locator('#action-status', { hasText: 'Approved 2 proposals' }).waitFor();
    expect(await okJson(dir, ['list', '--proposals'])).toEqual([]);
    expect(await page.locator('#approve-all').isHidden()).toBe(true);
    await notReloaded(page);
    expect(errorsOf.get(page)).toEqual([]);
    await page.close();
  });
});
