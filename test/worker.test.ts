/** `orchestra worker add|remove` on real workspaces, through the built CLI. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderBriefing } from '../src/core/briefing.js';
import { loadConfig } from '../src/store/config-file.js';
import { workspaceAt } from '../src/store/workspace.js';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run, subjects, trailersOf } from './helpers.js';

afterAll(cleanupTemp);

/** The briefing as the brain, the watchdog and `orchestra prompt` read it: the prompt file rendered with the config. */
function briefing(dir: string, worker: string): string {
  return renderBriefing(loadConfig(workspaceAt(dir)), worker, readFileSync(path.join(dir, '.orchestra', 'prompts', `${worker}.md`), 'utf8'));
}


const read = (dir: string, rel = 'orchestra.yaml') => readFileSync(path.join(dir, rel), 'utf8');

/** A config written by hand, with comments everywhere and a layout of its own. */
const HAND_WRITTEN = `# Our team. Keep this file tidy: reviewers read it.
version: 1
lead: ana   # she decides

workers:
  # the API people
  - name: worker-api
    scope: ["src/api/**"]     # only the API
    depends_on: []

  - name: worker-web          # the front end
    scope:
      - "web/**"
    depends_on: [worker-api]  # needs the API first
# trailing note about workers

faq:
  - match: "lint"             # the usual question
    answer: "Run npm run lint."
`;

async function handWritten(): Promise<string> {
  const dir = await makeWorkspace({ workers: 'worker-api,worker-web' });
  writeFileSync(path.join(dir, 'orchestra.yaml'), HAND_WRITTEN);
  git(dir, ['commit', '-q', '-m', 'hand-written config', '--', 'orchestra.yaml']);
  return dir;
}

describe('orchestra worker add', () => {
  it('adds the worker keeping every comment and line of the file, writes its prompt, commits only those', async () => {
    const dir = await handWritten();
    writeFileSync(path.join(dir, 'notes.txt'), 'unrelated, uncommitted\n');
    const out = await okJson(dir, ['worker', 'add', 'worker-docs', '--scope', 'docs/**', '--scope', '*.md', '--depends-on', 'worker-api', '--depends-on', 'worker-web', '--priority', '7']);
    expect(out).toMatchObject({ worker: 'worker-docs', priority: 7, prompt: '.orchestra/prompts/worker-docs.md', order: null });

    const after = read(dir);
    // Every original line is still there, in the same order, byte for byte.
    const before = HAND_WRITTEN.split('\n');
    const lines = after.split('\n');
    let at = 0;
    for (const l of before) {
      const i = lines.indexOf(l, at);
      expect(i, `line kept: ${l}`).toBeGreaterThanOrEqual(at);
      at = i + 1;
    }
    expect(lines.length - before.length).toBe(5);
    // The new item sits in the workers block, before the comment that closes it, laid out like the others.
    expect(after).toContain(`    depends_on: [worker-api]  # needs the API first
  - name: worker-docs
    scope: ["docs/**", "*.md"]
    prompt: .orchestra/prompts/worker-docs.md
    priority: 7
    depends_on: ["worker-api", "worker-web"]
# trailing note about workers`);

    const cfg = await okJson(dir, ['validate']);
    expect(cfg.ok).toBe(true);
    const prompt = briefing(dir, 'worker-docs');
    expect(prompt).toContain('orchestra --as worker-docs next worker-docs');
    expect(prompt).toContain('`docs/**`');
    expect(subjects(dir)[0]).toBe('orchestra: worker-add worker-docs: add worker-docs (scope docs/**, *.md)');
    expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').sort()).toEqual(['.orchestra/prompts/worker-docs.md', 'orchestra.yaml']);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('?? notes.txt');
    // The new worker is usable at once.
    const id = await ok(dir, ['order', 'worker-docs', 'Write the guide']);
    expect((await okJson(dir, ['pending', 'worker-docs'])).waiting.map((d: { id: string }) => d.id)).toEqual([]);
    expect(id).toMatch(/order-write-the-guide/);
  });

  it('--order writes the first order in its own commit, by the acting identity', async () => {
    const dir = await makeWorkspace({ workers: 'worker-api' });
    const out = await okJson(dir, ['worker', 'add', 'worker-web', '--order', 'Build the home page', '--body', 'Done when / renders']);
    expect(out.order).toMatch(/order-build-the-home-page/);
    const doc = await okJson(dir, ['show', out.order]);
    expect(doc).toMatchObject({ type: 'order', to: 'worker-web', from: 'lead', body: expect.stringContaining('Done when / renders') });
    expect(subjects(dir).slice(0, 2)).toEqual(['orchestra: order worker-web: Build the home page', 'orchestra: worker-add worker-web: add worker-web']);
    expect(trailersOf(dir, `.orchestra/docs/worker-web/${out.order}.md`)['Orchestra-Actor']).toBe('lead');
    // Default priority: after the others.
    expect(read(dir)).toMatch(/name: worker-web[\s\S]*priority: 2/);

    // --branch goes in the config (conflict detection reads it) and in the prompt.
    await ok(dir, ['worker', 'add', 'worker-ops', '--branch', 'worker/ops', '--description', 'deployment scripts']);
    expect(read(dir)).toMatch(/  - name: worker-ops {2,}# deployment scripts\n(    .*\n){4}    branch: worker\/ops\n/);
    expect(briefing(dir, 'worker-ops')).toContain('git worktree add -b worker/ops');
    expect((await okJson(dir, ['validate'])).ok).toBe(true);
  });

  it('refuses bad names, reserved names, duplicates, unknown dependencies and self-dependency, changing nothing', async () => {
    const dir = await handWritten();
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    const cases: [string[], RegExp][] = [
      [['Worker_Docs'], /not a valid worker name/],
      [['daemon'], /reserved/],
      [['lead'], /reserved/],
      [['worker-api'], /already exists/],
      [['worker-docs', '--depends-on', 'worker-nope'], /--depends-on worker-nope: no such worker/],
      [['worker-docs', '--depends-on', 'worker-docs'], /cannot depend on itself/],
      [['worker-docs', '--scope', '../outside/**'], /leaves the repository/],
      [['worker-docs', '--body', 'x'], /give --order/],
    ];
    for (const [args, re] of cases) {
      const r = await run(dir, ['worker', 'add', ...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(read(dir)).toBe(HAND_WRITTEN);
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
  });

  it('refuses a dependency cycle (through an entry already in the file) before writing anything', async () => {
    const dir = await makeWorkspace({ workers: 'worker-a' });
    // worker-a already depends on worker-b, which is not declared yet: adding worker-b after worker-a closes a cycle.
    writeFileSync(path.join(dir, 'orchestra.yaml'), read(dir).replace('depends_on: []', 'depends_on: ["worker-b"]'));
    git(dir, ['commit', '-q', '-m', 'a needs b', '--', 'orchestra.yaml']);
    const before = read(dir);
    const r = await run(dir, ['worker', 'add', 'worker-b', '--depends-on', 'worker-a']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/dependency cycle worker-a -> worker-b -> worker-a/);
    expect(read(dir)).toBe(before);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    // Without the back edge it is accepted, and fixes the dangling reference.
    await ok(dir, ['worker', 'add', 'worker-b']);
    expect((await okJson(dir, ['validate'])).ok).toBe(true);
  });

  it('refuses while orchestra.yaml has uncommitted edits (they would be swept into the commit)', async () => {
    const dir = await makeWorkspace({ workers: 'worker-api' });
    writeFileSync(path.join(dir, 'orchestra.yaml'), `${read(dir)}# my edit in progress\n`);
    const r = await run(dir, ['worker', 'add', 'worker-web']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/uncommitted changes/);
    expect(read(dir)).toMatch(/# my edit in progress\n$/);
  });
});

describe('orchestra worker remove', () => {
  it('refuses while the worker has open orders or others depend on it; then removes it, keeping comments', async () => {
    const dir = await handWritten();
    await ok(dir, ['worker', 'add', 'worker-docs']);
    const order = await ok(dir, ['order', 'worker-docs', 'Write the guide']);

    let r = await run(dir, ['worker', 'remove', 'worker-api']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/worker-web depends on worker-api/);

    r = await run(dir, ['worker', 'remove', 'worker-docs']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/worker-docs has 1 open order .*cancel/);

    await ok(dir, ['cancel', order]);
    await ok(dir, ['worker', 'remove', 'worker-docs']);
    expect(read(dir)).toBe(HAND_WRITTEN);
    expect(subjects(dir)[0]).toBe('orchestra: worker-remove worker-docs: remove worker-docs');
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    expect((await okJson(dir, ['validate'])).ok).toBe(true);
    // History keeps the removed worker's docs.
    expect(git(dir, ['log', '--format=%s', '--', `.orchestra/docs/worker-docs/${order}.md`])).toContain('orchestra: order worker-docs');

    r = await run(dir, ['worker', 'remove', 'worker-nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown worker "worker-nope"/);
  });
});
