/**
 * The page in a real Chromium (Debian's, driven by playwright-core): it shows the fixture's workers, updates
 * live when the CLI writes an order, renders hostile Markdown inert, and looks right on a laptop and a phone.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, cleanupTemp, ok, ROOT, waitFor } from './helpers.js';
import { makeFixture, startCliDashboard, type Fixture, type Running } from './dashboard-fixture.js';

const exe = chromiumPath();
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

describe.skipIf(!exe)('dashboard page in Chromium', () => {
  let fx: Fixture;
  let dash: Running;
  let browser: Browser;
  /** Script errors and failed loads, per page. */
  const errorsOf = new WeakMap<Page, string[]>();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fx = await makeFixture();
    dash = await startCliDashboard(fx.dir);
    browser = await chromium.launch({ executablePath: exe!, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await dash?.proc.stop();
    cleanupTemp();
  });

  async function openPage(viewport = { width: 1280, height: 800 }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await browser.newPage({ viewport, colorScheme });
    const errors: string[] = [];
    errorsOf.set(page, errors);
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(dash.url);
    await page.locator('#workers .worker').first().waitFor();
    await page.locator('#live.on').waitFor();
    return page;
  }

  it('loads with the workers of the workspace, their states and the graph', async () => {
    const page = await openPage();
    const names = await page.locator('#workers .worker h3').allTextContents();
    expect(names).toEqual(['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui']);
    expect(await page.locator('[data-worker="worker-core"]').getAttribute('data-state')).toBe('working');
    expect(await page.locator('[data-worker="worker-core"] .current').textContent()).toContain('Optimize propagation');
    expect(await page.locator('[data-worker="worker-nlp"]').getAttribute('data-state')).toBe('waiting');
    expect(await page.locator('#graph svg .edge').count()).toBe(3);
    await page.locator('#timeline li').first().waitFor();
    await page.locator('#escalations li[data-id]').first().waitFor();
    expect(await page.locator('#escalations').textContent()).toContain('worker-ui is idle');
    expect(await page.locator('#alerts').textContent()).toContain('no commit');
    await waitFor(() => page.locator('#throughput').evaluate((c: HTMLCanvasElement) => c.width > 0));
    expect(errorsOf.get(page)).toEqual([]);
    await page.close();
  });

  it('shows an order written through the CLI, live, without a reload', async () => {
    const page = await openPage();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const title = `Live order ${Date.now()}`;
    const id = await ok(fx.dir, ['order', 'worker-ui', title]);
    // How fast it shows is a figure of `npm run bench -- dashboard` (the page section), not an assertion here.
    await page.locator(`#docs [data-id="${id}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('#docs').textContent()).toContain(title);
    // The same page, never reloaded.
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await page.close();
  });

  it('renders a hostile doc inert: no script runs, no handler or javascript: URL survives', async () => {
    const page = await openPage();
    await page.evaluate(() => ((window as unknown as { pwned: number }).pwned = 0));
    const body = [
      '# Hostile',
      '<script>window.pwned = 1</script>',
      '<img src="x" onerror="window.pwned = 2">',
      '[click me](javascript:window.pwned=3)',
      '<a href="javascript:window.pwned=4">html link</a>',
      '<iframe src="javascript:parent.pwned=5"></iframe>',
      '<svg onload="window.pwned=6"><circle r="4"/></svg>',
      '<p style="color:red" onclick="window.pwned=7">styled</p>',
      'Normal **bold** text and a [safe link](https://example.com).',
    ].join('\n\n');
    const id = await ok(fx.dir, ['order', 'worker-core', 'Hostile markup', '--body', body]);
    await page.locator(`#docs [data-id="${id}"] button`).click();
    await page.locator('#doc-body h1').waitFor();
    await page.locator('#doc-body img').evaluate((img) => (img as HTMLImageElement).decode().catch(() => undefined)).catch(() => undefined);
    await page.locator('#doc-body a', { hasText: 'html link' }).click({ timeout: 2000 }).catch(() => undefined);
    const html = await page.locator('#doc-body').innerHTML();
    expect(html).not.toMatch(/<script|<iframe|<svg/i);
    expect(html).not.toMatch(/\son\w+=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/style=/i);
    expect(await page.locator('#doc-body strong').textContent()).toBe('bold');
    expect(await page.locator('#doc-body a[href="https://example.com"]').count()).toBe(1);
    const attrs = await page.locator('#doc-body *').evaluateAll((els) => els.flatMap((e) => [...e.attributes].map((a) => `${a.name}=${a.value}`)));
    expect(attrs.filter((a) => /^on/i.test(a) || /javascript:/i.test(a))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { pwned: number }).pwned)).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-doc-1280x800.png') });
    await page.close();
  });

  it('saves screenshots at 1280×800 and 390×844, light and dark', async () => {
    for (const [w, h] of [[1280, 800], [390, 844]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await openPage({ width: w, height: h }, scheme);
        await page.locator('#timeline li').first().waitFor();
        await waitFor(() => page.locator('#throughput').evaluate((c: HTMLCanvasElement) => c.width > 0));
        // The page must not scroll sideways on a phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(w);
        await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${w}x${h}-${scheme}.png`) });
        await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${w}x${h}-${scheme}-full.png`), fullPage: true });
        expect(errorsOf.get(page)).toEqual([]);
        await page.close();
      }
    }
  });
});
