/**
 * How orchestra runs git directly: a scrubbed environment, options that make output comparable and keep the
 * user's hooks out, and the one retry for git's lock files.
 */
import { retryOnGitLocks } from '../git-locks.js';
import { execFile, execFileSync } from 'node:child_process';
import { GitFailure } from '../../errors.js';

/**
 * Where git looks for hooks on every orchestra call: nowhere. A user's `prepare-commit-msg` runs even with
 * `--no-verify` and rewrites subjects; a failing `pre-commit` would refuse orchestra's commits. Verified with git
 * 2.39: `core.hooksPath=/dev/null` makes git find no hook (it cannot look inside a device), and nothing can be put
 * there.
 */
export const NO_HOOKS = '/dev/null';

/**
 * `core.quotePath=false`: paths come back as they are (`src/café.ts`), not C-quoted, so they compare equal across
 * git commands. `core.hooksPath`: see NO_HOOKS. `maintenance.auto=false` and `gc.auto=0`: orchestra's many small
 * commits and fetches do not each start `git maintenance run --auto` (about 5 ms, a quarter of a small commit,
 * in the writer's path); the daemon runs it itself, off every write's path (`runMaintenance`).
 */
export const GIT_CONFIG = ['core.quotePath=false', `core.hooksPath=${NO_HOOKS}`, 'maintenance.auto=false', 'gc.auto=0'];
const GIT_OPTS = GIT_CONFIG.flatMap((c) => ['-c', c]);

/** Variables a git hook or a parent git may have set that would point our git at another repository or index. */
const REDIRECTING_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX', 'GIT_ALTERNATE_OBJECT_DIRECTORIES'];

export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of REDIRECTING_ENV) delete env[k];
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Runs git directly. Used on the write path, where simple-git's completion handling adds about 50 ms per call
 * (measured: `git add` 16 ms through execFile, 70 ms through simple-git, in a 10,000-file repository).
 * Rejects with git's own message (stderr), never the command line.
 */
export function execGit(cwd: string, args: string[], opts: ExecOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    // The scrubbed environment first, then what this one call asks for (a temporary index of its own).
    const env = opts.env ? { ...cleanEnv(), ...opts.env } : cleanEnv();
    const child = execFile('git', [...GIT_OPTS, ...args], { cwd, env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const e = new Error(`${stderr || stdout || err.message}`.trim()) as Error & { stdout?: string };
        e.stdout = stdout;
        reject(e);
      } else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/**
 * What one plumbing call may add: `GIT_INDEX_FILE` pointing at a temporary index inside the git dir (never the
 * user's), the author of a commit built with `commit-tree`, and text for git's stdin (`cat-file --batch`).
 * cleanEnv() still scrubs whatever the parent process inherited; only these explicit values go through.
 */
export interface ExecOptions {
  env?: Partial<Record<'GIT_INDEX_FILE' | 'GIT_AUTHOR_NAME' | 'GIT_AUTHOR_EMAIL' | 'GIT_AUTHOR_DATE' | 'GIT_COMMITTER_NAME' | 'GIT_COMMITTER_EMAIL' | 'GIT_COMMITTER_DATE', string>>;
  input?: string;
}

/**
 * `git maintenance run --auto` in `cwd`: what git would have started after each of orchestra's commits and fetches
 * (see GIT_CONFIG), run by the daemon now and then, off every write's path. It does work only past git's own
 * thresholds (loose objects, packs); a failure is git's to report next time, never a problem of the caller.
 */
export function runMaintenance(cwd: string): Promise<void> {
  return new Promise((resolve) => {
    // Not detached: the daemon already runs it beside its work, and knows when it is done.
    execFile('git', ['-c', `core.hooksPath=${NO_HOOKS}`, '-c', 'gc.autoDetach=false', '-c', 'maintenance.autoDetach=false', 'maintenance', 'run', '--auto', '--quiet'], { cwd, env: cleanEnv(), timeout: 30 * 60_000 }, () => resolve());
  });
}

/** Synchronous git, for tiny read-only queries whose answer decides what to ask next. */
export function execGitSync(cwd: string, args: string[]): string {
  return execFileSync('git', [...GIT_OPTS, ...args], { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export { retryOnGitLocks };

/** `retryOnGitLocks`, then any failure as one GitFailure line naming the git command (not its arguments). */
export async function retrying<T>(what: string, fn: () => Promise<T>, notice?: (line: string) => void): Promise<T> {
  try {
    return await retryOnGitLocks(fn, { notice });
  } catch (e) {
    throw new GitFailure(`git ${what} failed: ${oneLine(e instanceof Error ? e.message : String(e)).slice(0, 300)}`);
  }
}

/** What the commit, journal and history helpers need of a repository. */
export interface GitRunner {
  readonly root: string;
  exec(args: string[]): Promise<string>;
  /** A path git printed, relative to `root` (see Git.fromGit). */
  fromGit?(p: string): string;
  /** Where to say that a write waits on another process's git lock (a CLI's stderr, the daemon's log). */
  notice?: (line: string) => void;
}
