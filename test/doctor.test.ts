/**
 * `orchestra doctor`: a healthy workspace passes every check (exit 0); then each check is broken in turn, in a
 * workspace of its own, and must be the one that fails (exit 1), naming its fix.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeCheck } from '../src/cli/commands/doctor.js';
import { cleanupTemp, git, makeWorkspace, ok, run, spawnCli, tempDir } from './helpers.js';

afterAll(cleanupTemp);

interface Check {
  name: string;
  ok: boolean;
  message: string;
  fix?: string;
}

const ALL = ['node', 'git', 'identity', 'config', 'dependencies', 'storage', 'prompts', 'docs', 'state', 'ignore', 'daemon', 'brain'];

async function doctor(dir: string, env: NodeJS.ProcessEnv = {}): Promise<{ exitCode: number; checks: Check[]; ok: boolean; stdout: string }> {
  const r = await run(dir, ['doctor', '--json'], { env });
  const parsed = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
  return { exitCode: r.exitCode, stdout: r.stdout, ...parsed };
}

const failed = (checks: Check[]) => checks.filter((c) => !c.ok).map((c) => c.name);
const check = (checks: Check[], name: string) => checks.find((c) => c.name === name)!;

/** Git that sees only the repository's own config (no user-wide identity). */
function isolatedGitEnv(): NodeJS.ProcessEnv {
  const home = tempDir('orchestra-home-');
  return { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_GLOBAL: path.join(home, 'none'), GIT_CONFIG_NOSYSTEM: '1' };
}

const edit = (dir: string, rel: string, f: (s: string) => string) => writeFileSync(path.join(dir, rel), f(readFileSync(path.join(dir, rel), 'utf8')));

describe('orchestra doctor', () => {
  it('passes every check on a fresh workspace, one line per check, exit 0', async () => {
    const dir = await makeWorkspace();
    const r = await doctor(dir);
    expect(r.exitCode).toBe(0);
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(ALL);
    const text = await run(dir, ['doctor']);
    expect(text.exitCode).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(ALL.length + 1);
    // The daemon is not running in a fresh workspace: a warning (issue 12 item 6), not a tick.
    for (const [i, name] of ALL.entries()) expect(lines[i]).toMatch(new RegExp(`^${name === 'daemon' ? '!' : '✔'} ${name}\\s`));
    expect(lines.at(-1)).toBe('ready');
  });

  it('node: versions before 20.19 fail with the fix', () => {
    expect(nodeCheck('v20.18.3')).toMatchObject({ ok: false, fix: expect.stringContaining('20.19') });
    expect(nodeCheck('v18.20.0').ok).toBe(false);
    expect(nodeCheck('v20.19.0').ok).toBe(true);
    expect(nodeCheck('v22.1.0').ok).toBe(true);
    expect(nodeCheck(process.version).ok).toBe(true);
  });

  it('git: outside a repository', async () => {
    const r = await doctor(tempDir());
    expect(r.exitCode).toBe(1);
    expect(failed(r.checks)).toEqual(['git']);
    expect(check(r.checks, 'git').fix).toMatch(/orchestra init/);
  });

  it('identity: no user.name / user.email', async () => {
    const dir = await makeWorkspace();
    git(dir, ['config', '--unset', 'user.name']);
    git(dir, ['config', '--unset', 'user.email']);
    const r = await doctor(dir, isolatedGitEnv());
    expect(r.exitCode).toBe(1);
    expect(failed(r.checks)).toEqual(['identity']);
    expect(check(r.checks, 'identity').fix).toMatch(/git config user\.name/);
    const text = await run(dir, ['doctor'], { env: isolatedGitEnv() });
    expect(text.stdout).toMatch(/^✖ identity\s.*→ fix: git config user\.name/m);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('1 check failed');
  });

  it('config: invalid orchestra.yaml', async () => {
    const dir = await makeWorkspace();
    edit(dir, 'orchestra.yaml', (s) => s.replace('archive_after: 14d', 'archive_after: fortnight'));
    const r = await doctor(dir);
    expect(r.exitCode).toBe(1);
    expect(failed(r.checks)).toEqual(['config']);
    expect(check(r.checks, 'config').message).toMatch(/archive_after/);
  });

  it('config: missing orchestra.yaml', async () => {
    const dir = await makeWorkspace();
    unlinkSync(path.join(dir, 'orchestra.yaml'));
    const r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['config']);
    expect(check(r.checks, 'config').fix).toMatch(/orchestra init/);
  });

  it('dependencies: a cycle is named (and the rest of the config passes)', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    edit(dir, 'orchestra.yaml', (s) => s.replace(/(name: worker-core[\s\S]*?depends_on: )\[\]/, '$1["worker-nlp"]'));
    const r = await doctor(dir);
    expect(r.exitCode).toBe(1);
    expect(failed(r.checks)).toEqual(['dependencies']);
    expect(check(r.checks, 'dependencies').message).toMatch(/worker-core -> worker-nlp -> worker-core|worker-nlp -> worker-core -> worker-nlp/);
  });

  it('prompts: a prompt file missing', async () => {
    const dir = await makeWorkspace();
    unlinkSync(path.join(dir, '.orchestra/prompts/worker-ui.md'));
    const r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['prompts']);
    expect(check(r.checks, 'prompts').message).toContain('.orchestra/prompts/worker-ui.md');
  });

  it('docs: an invalid doc', async () => {
    const dir = await makeWorkspace();
    writeFileSync(path.join(dir, '.orchestra/docs/worker-core/bad.md'), '---\ntype: memo\ntitle: what is this\n---\nbody\n');
    const r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['docs']);
    expect(check(r.checks, 'docs').message).toContain('.orchestra/docs/worker-core/bad.md');
    expect(check(r.checks, 'docs').fix).toMatch(/orchestra validate/);
  });

  it('state: .orchestra/state cannot be written', async () => {
    const dir = await makeWorkspace();
    rmSync(path.join(dir, '.orchestra/state'), { recursive: true, force: true });
    writeFileSync(path.join(dir, '.orchestra/state'), 'not a folder');
    const r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['state']);
  });

  it('ignore: the state folder is not git-ignored', async () => {
    const dir = await makeWorkspace();
    unlinkSync(path.join(dir, '.orchestra/.gitignore'));
    const r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['ignore']);
    expect(check(r.checks, 'ignore').fix).toMatch(/state\//);
  });

  it('daemon: a lock left by a dead daemon is a warning and is cleared; a live daemon passes', async () => {
    const dir = await makeWorkspace();
    // A pid that cannot be alive: a finished child's.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    writeFileSync(path.join(dir, '.orchestra/state/daemon.pid'), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), at: Date.now() }));
    let r = await doctor(dir);
    expect(failed(r.checks)).toEqual([]);
    expect(check(r.checks, 'daemon')).toMatchObject({ level: 'warning', message: expect.stringMatching(new RegExp(`pid ${dead} is gone; its stale lock was cleared`)) });
    expect(existsSync(path.join(dir, '.orchestra/state/daemon.pid'))).toBe(false);

    r = await doctor(dir);
    expect(check(r.checks, 'daemon')).toMatchObject({ ok: true, message: expect.stringMatching(/not running/) });
    const d = spawnCli(dir, ['daemon']);
    try {
      await d.waitForOutput(/daemon started/);
      r = await doctor(dir);
      expect(r.exitCode).toBe(0);
      expect(check(r.checks, 'daemon').message).toBe(`daemon running (pid ${d.child.pid})`);
    } finally {
      await d.stop();
    }
  });

  it('brain: anthropic without ANTHROPIC_API_KEY fails; with it passes and never prints the key', async () => {
    const dir = await makeWorkspace();
    edit(dir, 'orchestra.yaml', (s) => s.replace('kind: rules', 'kind: anthropic'));
    let r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['brain']);
    expect(check(r.checks, 'brain').fix).toMatch(/ANTHROPIC_API_KEY/);
    const secret = 'sk-ant-test-DO-NOT-PRINT-1234567890';
    r = await doctor(dir, { ANTHROPIC_API_KEY: secret });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain(secret);
    const text = await run(dir, ['doctor'], { env: { ANTHROPIC_API_KEY: secret } });
    expect(text.stdout + text.stderr).not.toContain(secret);
  });

  it('remote: with sync on, a missing or unreachable remote fails; a reachable one passes', async () => {
    const dir = await makeWorkspace();
    edit(dir, 'orchestra.yaml', (s) => `${s}sync:\n  remote: origin\n  branch: main\n`);
    let r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['remote']);
    expect(check(r.checks, 'remote').fix).toMatch(/git remote add origin/);

    git(dir, ['remote', 'add', 'origin', path.join(tempDir(), 'nowhere.git')]);
    r = await doctor(dir);
    expect(failed(r.checks)).toEqual(['remote']);
    expect(check(r.checks, 'remote').message).toMatch(/not reachable/);

    const bare = path.join(tempDir(), 'shared.git');
    mkdirSync(bare);
    git(bare, ['init', '-q', '--bare']);
    git(dir, ['remote', 'set-url', 'origin', bare]);
    r = await doctor(dir);
    expect(r.exitCode).toBe(0);
    expect(check(r.checks, 'remote').message).toMatch(/reachable/);
    await ok(dir, ['validate']);
  });
});
