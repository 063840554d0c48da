/** `orchestra init` on new folders and on repositories that already hold work of their own. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderBriefing } from '../src/core/briefing.js';
import { loadConfig } from '../src/store/config-file.js';
import { workspaceAt } from '../src/store/workspace.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanupTemp, git, gitdir, ok, okJson, run, subjects, tempDir } from './helpers.js';

afterAll(cleanupTemp);

/** The briefing as the brain, the watchdog and `orchestra prompt` read it: the prompt file rendered with the config. */
function briefing(dir: string, worker: string): string {
  return renderBriefing(loadConfig(workspaceAt(dir)), worker, readFileSync(path.join(dir, '.orchestra', 'prompts', `${worker}.md`), 'utf8'));
}


const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), 'utf8');

const INIT_FILES = [
  '.orchestra/.gitignore',
  '.orchestra/docs/.gitkeep',
  '.orchestra/orchestra.schema.json',
  '.orchestra/prompts/worker-core.md',
  '.orchestra/prompts/worker-infra.md',
  '.orchestra/prompts/worker-nlp.md',
  '.orchestra/prompts/worker-ui.md',
  'orchestra.yaml',
];

describe('orchestra init', () => {
  it('on a repository with existing content changes nothing else: files, staged and unstaged changes, .gitignore', async () => {
    const dir = gitdir();
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n*.log\n');
    writeFileSync(path.join(dir, 'app.js'), 'console.log(1);\n');
    writeFileSync(path.join(dir, 'lib.js'), 'export const a = 1;\n');
    git(dir, ['add', '.']);
    git(dir, ['commit', '-q', '-m', 'app']);
    // Work in progress: one change staged, one unstaged, one new file staged, one untracked, one ignored.
    writeFileSync(path.join(dir, 'app.js'), 'console.log(2);\n');
    git(dir, ['add', 'app.js']);
    writeFileSync(path.join(dir, 'lib.js'), 'export const a = 2;\n');
    writeFileSync(path.join(dir, 'new.js'), 'new\n');
    git(dir, ['add', 'new.js']);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    writeFileSync(path.join(dir, 'debug.log'), 'ignored\n');
    const statusBefore = git(dir, ['status', '--porcelain', '--ignored']);
    const stagedBefore = git(dir, ['diff', '--cached']);
    const unstagedBefore = git(dir, ['diff']);

    const out = await okJson(dir, ['init', '--inline']);
    expect(out.workers).toEqual(['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui']);

    // The commit holds exactly orchestra's files.
    expect(subjects(dir)[0]).toBe('orchestra: init lead: set up 4 workers');
    expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').sort()).toEqual(INIT_FILES);
    // Everything else is as it was: the index, the working tree, the user's .gitignore.
    expect(git(dir, ['status', '--porcelain', '--ignored'])).toBe(statusBefore);
    expect(git(dir, ['diff', '--cached'])).toBe(stagedBefore);
    expect(git(dir, ['diff'])).toBe(unstagedBefore);
    expect(read(dir, '.gitignore')).toBe('node_modules/\n*.log\n');
    expect(read(dir, 'lib.js')).toBe('export const a = 2;\n');
    // The daemon's state stays out of git whatever the user's ignore rules say.
    mkdirSync(path.join(dir, '.orchestra/state/logs'), { recursive: true });
    writeFileSync(path.join(dir, '.orchestra/state/logs/x.jsonl'), '{}\n');
    expect(git(dir, ['status', '--porcelain', '--', '.orchestra'])).toBe('');
  });

  it('writes the seed\'s four workers with their dependencies, prompts that teach the CLI, and a JSON Schema the yaml points at', async () => {
    const dir = gitdir();
    await ok(dir, ['init', '--inline']);
    const text = read(dir, 'orchestra.yaml');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=.orchestra/orchestra.schema.json');
    const cfg = parse(text);
    expect(cfg.workers.map((w: { name: string; depends_on: string[] }) => [w.name, w.depends_on])).toEqual([
      ['worker-core', []],
      ['worker-infra', []],
      ['worker-nlp', ['worker-core']],
      ['worker-ui', ['worker-core', 'worker-infra']],
    ]);
    const schema = JSON.parse(read(dir, '.orchestra/orchestra.schema.json'));
    expect(schema.properties.workers.type).toBe('array');
    expect(Object.keys(schema.properties.brain.properties)).toContain('max_daily_calls');
    const prompt = briefing(dir, 'worker-nlp');
    for (const cmd of ['pending worker-nlp', 'next worker-nlp', 'start <order-id>', 'doubt worker-nlp', 'report <order-id>', 'watch worker-nlp']) expect(prompt).toContain(cmd);
    expect(prompt).toContain('You build on worker-core');
    expect((await okJson(dir, ['validate'])).ok).toBe(true);
  });

  it('makes a new folder a repository; --workers picks the team', async () => {
    const dir = path.join(tempDir(), 'fresh', 'project');
    const r = await run(path.dirname(path.dirname(dir)), ['-C', dir, 'init', '--inline', '--workers', 'worker-api,worker-web', '--lead', 'ana'], {
      env: { GIT_AUTHOR_NAME: 'Ana', GIT_AUTHOR_EMAIL: 'ana@example.com', GIT_COMMITTER_NAME: 'Ana', GIT_COMMITTER_EMAIL: 'ana@example.com' },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, '.git'))).toBe(true);
    expect(r.stdout).toContain('worker-api, worker-web');
    expect(r.stdout).toContain('orchestra doctor');
    const cfg = parse(read(dir, 'orchestra.yaml'));
    expect(cfg.lead).toBe('ana');
    expect(cfg.workers.map((w: { name: string }) => w.name)).toEqual(['worker-api', 'worker-web']);
  });

  it('refuses to overwrite without --force (exit 1, nothing changed); --force repairs and keeps the config', async () => {
    const dir = gitdir();
    await ok(dir, ['init', '--inline', '--workers', 'worker-api']);
    writeFileSync(path.join(dir, 'orchestra.yaml'), `${read(dir, 'orchestra.yaml')}# mine\n`);
    git(dir, ['commit', '-q', '-m', 'edit', '--', 'orchestra.yaml']);
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    const r = await run(dir, ['init', '--inline']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/already exists.*--force/);
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(read(dir, 'orchestra.yaml')).toMatch(/# mine\n$/);

    await ok(dir, ['init', '--inline', '--force', '--workers', 'worker-api']);
    expect(read(dir, 'orchestra.yaml')).toMatch(/# mine\n$/);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
  });

  it('refuses bad --workers lists with one line and exit 2', async () => {
    const dir = gitdir();
    for (const [list, re] of [
      ['Worker_A', /not a valid worker name/],
      ['lead', /reserved/],
      ['worker-a,worker-a', /listed twice/],
    ] as const) {
      const r = await run(dir, ['init', '--inline', '--workers', list]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(path.join(dir, 'orchestra.yaml'))).toBe(false);
  });
});

describe('init that cannot commit', () => {
  it('puts everything back, so init works once git knows who you are', async () => {
    const { mkdirSync: mk } = await import('node:fs');
    const dir = tempDir();
    git(dir, ['init', '-q', '-b', 'main']);
    const home = tempDir('home-');
    mk(home, { recursive: true });
    const env = { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', EMAIL: '', GIT_AUTHOR_NAME: '', GIT_COMMITTER_NAME: '' };
    const r = await run(dir, ['init', '--inline'], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/git does not know who you are/);
    expect(existsSync(path.join(dir, 'orchestra.yaml'))).toBe(false);
    git(dir, ['config', 'user.name', 'Ana']);
    git(dir, ['config', 'user.email', 'ana@example.com']);
    const again = await run(dir, ['init', '--inline'], { env: { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1' } });
    expect(again.stderr).toBe('');
    expect(again.exitCode).toBe(0);
  });
});
