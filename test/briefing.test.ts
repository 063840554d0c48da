/**
 * Prompts never go stale (issue 12 item 4): the prompt file holds the lead's words, the config's part is
 * rendered on read; an empty scope never tells the agent to ask first; `init --force` drops nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run } from './helpers.js';

afterAll(cleanupTemp);

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), 'utf8');

describe('briefings rendered from the config', () => {
  it('a scope added after init is what the watchdog shows; no scope means "change any file", never "ask first"', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const prompt = read(dir, '.orchestra/prompts/worker-web.md');
    expect(prompt).not.toMatch(/ask the lead before/);
    let w = await run(dir, ['watch', 'worker-web', '--once']);
    expect(w.exitCode).toBe(0);
    expect(w.stderr).toMatch(/you may change any file in the repository, without asking first/);
    expect(w.stderr).not.toMatch(/ask the lead before/);

    // The README's next step: the lead adds a scope. Nothing regenerates the prompt, and nothing needs to.
    const cfg = path.join(dir, 'orchestra.yaml');
    writeFileSync(cfg, read(dir, 'orchestra.yaml').replace(/scope: \[\]/, 'scope: ["web/**"]'));
    git(dir, ['commit', '-q', '-m', 'scope', '--', 'orchestra.yaml']);
    w = await run(dir, ['watch', 'worker-web', '--once']);
    expect(w.stderr).toContain('`web/**`');
    expect(read(dir, '.orchestra/prompts/worker-web.md')).toBe(prompt);
  });
});

describe('init --force', () => {
  it('keeps every worker and setting of the config and every prompt the lead wrote', async () => {
    const dir = await makeWorkspace({ workers: 'worker-api,worker-web' });
    const cfg = path.join(dir, 'orchestra.yaml');
    const text = read(dir, 'orchestra.yaml')
      .replace(/^lead: lead/m, 'lead: ana')
      .replace(/scope: \[\]/, 'scope: ["api/**"]')
      .concat('sync:\n  remote: origin\n  interval: 45s\n');
    writeFileSync(cfg, text);
    const mine = '# worker-web\n\nUse the design system in web/ds; never inline styles.\n';
    writeFileSync(path.join(dir, '.orchestra/prompts/worker-web.md'), mine);
    git(dir, ['commit', '-q', '-am', 'the lead edits']);
    const order = await ok(dir, ['order', 'worker-web', 'Open work']);

    const r = await run(dir, ['init', '--force']);
    expect(r.exitCode).toBe(0);
    expect(read(dir, 'orchestra.yaml')).toBe(text);
    expect(parse(read(dir, 'orchestra.yaml')).workers.map((w: { name: string }) => w.name)).toEqual(['worker-api', 'worker-web']);
    expect(read(dir, '.orchestra/prompts/worker-web.md')).toBe(mine);
    expect((await okJson(dir, ['show', order])).state).toBe('pending');
    expect((await okJson(dir, ['validate'])).ok).toBe(true);

    // Naming a worker the config lacks is refused, not a rewrite that drops the others.
    const more = await run(dir, ['init', '--force', '--workers', 'worker-api,worker-ops']);
    expect(more.exitCode).toBe(1);
    expect(more.stderr.trim()).toMatch(/worker-ops is not in orchestra.yaml: add it with `orchestra worker add`/);
    expect(read(dir, 'orchestra.yaml')).toBe(text);
  });
});
