/**
 * The README's commands, copied out of the README itself (so it cannot drift), run as a new user runs them:
 * on a fresh clone of this repository's committed HEAD, with a home folder of their own.
 *
 * - The quick start: `npm install && npx orchestra demo` runs as written; `npm test` is the test command (it is
 *   not run from inside the test suite).
 * - Every block marked `<!-- readme-test: run -->` runs, in order, as one shell script: install, set up a
 *   repository of your own with two workers, give orders, add a worker, and a worker's loop.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, cleanupTemp, git, tempDir } from './helpers.js';
import { porcelain } from './daemon-fixture.js';

afterAll(cleanupTemp);

interface Block {
  lang: string;
  code: string;
  runnable: boolean;
}

/** Fenced code blocks, and whether the line before each is the run marker. */
export function codeBlocks(md: string): Block[] {
  const lines = md.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    let k = i - 1;
    while (k >= 0 && !lines[k].trim()) k--;
    out.push({ lang: open[1], code: lines.slice(i + 1, j).join('\n'), runnable: k >= 0 && lines[k].trim() === '<!-- readme-test: run -->' });
    i = j;
  }
  return out;
}

function sh(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-e', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms running:\n${script}\n--- output ---\n${out.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = codeBlocks(readme);

  it('opens with exactly the two commands: install and demo, then the tests', () => {
    expect(blocks[0].lang).toBe('sh');
    expect(blocks[0].code.split('\n')).toEqual(['npm install && npx orchestra demo', 'npm test']);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toMatch(/^vitest run/);
    expect(pkg.bin.orchestra).toBe('bin/orchestra.js');
    expect(blocks.filter((b) => b.runnable).length).toBeGreaterThanOrEqual(4);
  });

  it('its commands run as written on a fresh clone, and set up a repository with two workers', async () => {
    const base = tempDir('orchestra-readme-');
    const clone = path.join(base, 'orchestra');
    git(base, ['clone', '-q', ROOT, clone]);
    const cloned = codeBlocks(readFileSync(path.join(clone, 'README.md'), 'utf8'));

    // A new user: an empty home with a git identity, npm's global prefix in a folder of the test's own (so
    // `npm link` touches nothing outside it), and npm's usual cache (so `npm install` can work offline).
    const home = path.join(base, 'home');
    const prefix = path.join(base, 'prefix');
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = Ana Lead\n\temail = ana@example.com\n[init]\n\tdefaultBranch = main\n');
    const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}`,
      npm_config_prefix: prefix,
      npm_config_cache: cache,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      NO_COLOR: '1',
    };
    for (const k of ['ORCHESTRA_AS', 'ANTHROPIC_API_KEY', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'npm_command', 'npm_lifecycle_event', 'INIT_CWD', 'VITEST', 'VITEST_MODE', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'NODE_OPTIONS']) delete env[k];

    const [install] = cloned[0].code.split('\n');
    const quick = await sh(install, clone, env, 420_000);
    expect(quick.code, quick.out.slice(-4000)).toBe(0);
    expect(quick.out).toMatch(/Scenario B/);
    expect(quick.out).toMatch(/^Dashboard\s+http:\/\/127\.0\.0\.1:\d+\//m);

    const script = cloned
      .filter((b) => b.runnable)
      .map((b) => b.code)
      .join('\n');
    const setup = await sh(script, clone, env, 300_000);
    expect(setup.code, `${script}\n--- output ---\n${setup.out.slice(-4000)}`).toBe(0);

    // What those commands must have left in the new repository.
    const shop = path.join(home, 'src', 'shop');
    const orchestra = (args: string[]) => execFileSync(path.join(prefix, 'bin', 'orchestra'), args, { cwd: shop, env, encoding: 'utf8' });
    const docs = JSON.parse(orchestra(['list', '--json'])) as { type: string; title: string; to: string; state: string }[];
    const state = (title: string) => docs.find((d) => d.title === title)?.state;
    expect(state('Add the /health endpoint')).toBe('completed');
    expect(state('Show the API health in the footer')).toBe('pending');
    expect(state('Document the health endpoint')).toBe('pending');
    expect(docs.filter((d) => d.type === 'doubt').map((d) => d.title)).toEqual(['Which test framework should I use?']);
    expect(JSON.parse(orchestra(['validate', '--json'])).ok).toBe(true);
    expect(porcelain(shop)).toBe('');
    // The worker's commits are its own: the report (and the order it completed) by worker-api, on the
    // orchestration branch (branch mode, init's default); the code's branch got only the team's config.
    expect(git(shop, ['log', '--format=%an', '--grep', '^orchestra: report worker-api:', 'orchestra']).trim()).toBe('worker-api');
    expect(git(shop, ['log', '--format=%s', 'main']).trim().split('\n').filter((l) => l.startsWith('orchestra: ') && !/: worker-add |: init lead: /.test(l))).toEqual([]);
  }, 900_000);
});
