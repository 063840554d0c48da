/**
 * The dashboard's browser notifications in a real Chromium: the "Notify me" button shows while the permission is
 * unasked, and with it granted a new escalation or breaker alert becomes a Notification (recorded by an init
 * script wrapping window.Notification), while what was there at start does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, cleanupTemp, waitFor } from './helpers.js';
import { addAlert, makeFixture, startCliDashboard, type Fixture, type Running } from './dashboard-fixture.js';
import { writeDocFile } from './factories.js';

const exe = chromiumPath();

const RECORD = `(() => {
  const Real = window.Notification;
  window.__notes = [];
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options?.body, tag: options?.tag });
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Recorded;
})();`;

describe.skipIf(!exe)('dashboard browser notifications in Chromium', () => {
  let fx: Fixture;
  let dash: Running;
  let browser: Browser;

  beforeAll(async () => {
    fx = await makeFixture();
    dash = await startCliDashboard(fx.dir);
    browser = await chromium.launch({ executablePath: exe!, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await dash?.proc.stop();
    cleanupTemp();
  });

  it('offers "Notify me" until the permission is answered', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(dash.url);
    await page.locator('#live.on').waitFor();
    expect(await page.evaluate(() => Notification.permission)).toBe('default');
    expect(await page.locator('#notify-me').isVisible()).toBe(true);
    await context.close();
  });

  it('with the permission granted, a new escalation and a breaker alert are shown; old ones are not', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: new URL(dash.url).origin });
    await context.addInitScript(RECORD);
    const page = await context.newPage();
    await page.goto(dash.url);
    await page.locator('#live.on').waitFor();
    expect(await page.locator('#notify-me').isVisible()).toBe(false);

    writeDocFile(fx.dir, 'worker-core', 'esc-for-browser', { type: 'escalation', title: 'Pick a database', from: 'worker-core', to: 'lead' }, 'Postgres or SQLite?');
    addAlert(fx.dir, { kind: 'breaker', level: 'critical', message: 'anthropic brain: circuit breaker open' });
    const notes = await waitFor(async () => {
      const n = (await page.evaluate(() => (window as unknown as { __notes: { title: string; body: string; tag: string }[] }).__notes)) ?? [];
      return n.length >= 2 ? n : undefined;
    }, { message: 'two notifications' });
    expect(notes.map((n) => n.title).sort()).toEqual(['Brain circuit breaker open', 'Pick a database']);
    expect(notes.find((n) => n.title === 'Pick a database')).toMatchObject({ body: 'Postgres or SQLite?', tag: 'escalation:esc-for-browser' });
    // The fixture's escalation and stalled alert were there before the page: never shown.
    expect(notes.some((n) => n.title.includes('idle'))).toBe(false);
    await context.close();
  });
});
