/** Real parts for tests: temporary git repositories, the built CLI spawned as a process, waits with deadlines. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin', 'orchestra.js');

const made: string[] = [];

export function tempDir(prefix = 'orchestra-test-'): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** Removes every temp dir made so far (call from afterAll). */
export function cleanupTemp(): void {
  if (process.env.ORCHESTRA_KEEP_TEMP) return;
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A real repository with a fixed identity, branch main and no signing or hooks. */
export function gitdir(dir = tempDir()): string {
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Test Lead']);
  git(dir, ['config', 'user.email', 'lead@example.com']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  git(dir, ['config', 'core.hooksPath', '/dev/null']);
  return dir;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.ORCHESTRA_AS;
  delete env.ANTHROPIC_API_KEY;
  return env;
};

/** Runs the built CLI as a separate process. */
export function run(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...baseEnv(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`orchestra ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode: code ?? -1 });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs the CLI and fails the test with its stderr when it does not exit 0; returns trimmed stdout. */
export async function ok(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  const r = await run(cwd, args, opts);
  if (r.exitCode !== 0) throw new Error(`orchestra ${args.join(' ')} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout.trim();
}

export async function okJson<T = any>(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  return JSON.parse(await ok(cwd, [...args, '--json'], opts)) as T;
}

/** The two storage modes (DESIGN.md "Files"): scenario tests run in both (`describe.each(MODES)`). */
export type Mode = 'branch' | 'inline';
export const MODES: Mode[] = ['branch', 'inline'];

/**
 * A fresh repository made a workspace by `orchestra init` (the seed's four workers unless `workers`). Inline mode
 * unless `mode` says otherwise: tests about one mode's layout say which; scenario tests run both.
 */
export async function makeWorkspace(opts: { workers?: string; mode?: Mode } = {}): Promise<string> {
  const dir = gitdir();
  await ok(dir, ['init', ...(opts.mode === 'branch' ? [] : ['--inline']), ...(opts.workers ? ['--workers', opts.workers] : [])]);
  return dir;
}

/** Where orchestra commits the workspace at `dir`: its mounted orchestration worktree (branch mode), else `dir`. */
export function docsRepo(dir: string): string {
  const mount = path.join(dir, '.orchestra');
  return existsSync(path.join(mount, '.git')) ? mount : dir;
}

/**
 * git where orchestra commits (`docsRepo`), with workspace-relative paths: arguments after `--` lose
 * `.orchestra/` on the way in (branch mode), and paths in `--name-only`, `ls-files` and `status` output get it back.
 */
export function ogit(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const repo = docsRepo(dir);
  if (repo === dir) return git(dir, args, env);
  const sep = args.indexOf('--');
  const mapped = sep < 0 ? args : [...args.slice(0, sep + 1), ...args.slice(sep + 1).map((a) => (a === '.orchestra' ? '.' : a.replace(/^\.orchestra\//, '')))];
  const out = git(repo, mapped, env);
  const cmd = args.find((a) => !a.startsWith('-'));
  if (cmd === 'status') return out.replace(/^(..) (.+)$/gm, '$1 .orchestra/$2');
  if (cmd === 'ls-files' || args.includes('--name-only')) return out.replace(/^((?:docs|archive|prompts)\/.+|\.gitignore|orchestra\.schema\.json)$/gm, '.orchestra/$1');
  return out;
}

/** Waits until `cond` returns a truthy value, polling, up to a deadline; never a fixed sleep. */
export async function waitFor<T>(cond: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.message ?? 'condition'}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/** A long-running CLI process (daemon, watch, dashboard) whose output is collected as it arrives. */
export interface LongRunning {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout/stderr line matching `re`, searching what arrived so far too. */
  waitForOutput: (re: RegExp, timeoutMs?: number) => Promise<string>;
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** `user` runs it as another user (as root, to meet file modes root itself bypasses). */
export function spawnCli(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; user?: { uid: number; gid: number } } = {}): LongRunning {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...baseEnv(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], ...opts.user });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput: (re, timeoutMs = 30_000) =>
      waitFor(
        () => {
          for (const line of `${out}\n${err}`.split('\n')) if (re.test(line)) return line;
          if (child.exitCode !== null) throw new Error(`process exited ${child.exitCode}: ${err.slice(-500)}`);
          return undefined;
        },
        { timeoutMs, message: `output ${re}\nstdout: ${out.slice(-1000)}\nstderr: ${err.slice(-1000)}` },
      ),
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** An ephemeral free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Chromium for browser tests: $CHROMIUM_PATH or /usr/bin/chromium. Undefined when absent (tests skip, except under CI). */
export function chromiumPath(): string | undefined {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(p)) return p;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true but no Chromium at ${p}: .ci/run installs it with apt-get`);
  console.warn(`\n⚠ browser tests skipped: no Chromium at ${p} (install Debian's chromium, or set CHROMIUM_PATH)\n`);
  return undefined;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Commit subjects of HEAD's history, newest first. */
export function subjects(cwd: string): string[] {
  return ogit(cwd, ['log', '--format=%s']).trim().split('\n');
}

/** Trailers of the commit that added a path. */
export function trailersOf(cwd: string, file: string): Record<string, string> {
  const out = ogit(cwd, ['log', '--diff-filter=A', '--format=%(trailers:only,unfold)', '--', file]).trim();
  const t: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([\w-]+):\s*(.*)$/.exec(line);
    if (m) t[m[1]] = m[2];
  }
  return t;
}
