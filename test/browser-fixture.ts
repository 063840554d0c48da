/** What the browser tests of the page share: where screenshots go, the two sizes, and the axe-core pass. */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './helpers.js';

export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 800 };

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/**
 * axe-core's serious and critical violations on the page (or inside `context`, a selector), one line each. The
 * page's CSP forbids inline script: open it with `bypassCSP: true`.
 */
export async function axeSerious(page: Page, context?: string): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(
    (ctx) => {
      const axe = (window as unknown as { axe: { run: (...a: unknown[]) => Promise<unknown> } }).axe;
      return ctx ? axe.run(ctx, { resultTypes: ['violations'] }) : axe.run({ resultTypes: ['violations'] });
    },
    context ?? null,
  )) as AxeResult;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3).join(' ')}`);
}
