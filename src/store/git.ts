/**
 * The git layer: the only user of simple-git. Every write goes through `commitPaths`, which commits exactly the
 * given paths (never anything else staged or unstaged), serialises orchestra's own writers with a lock in the
 * common git dir, waits out other processes' `index.lock`, and leaves nothing staged when it fails.
 */
import { isoTime } from '../core/time.js';
import path from 'node:path';
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { SimpleGit } from 'simple-git';
import { GitFailure } from '../errors.js';
import { retryOnGitLocks } from './git-locks.js';
import { acquireLock } from './lock.js';

export const DOC_TRAILER = 'Orchestra-Doc';
export const ACTOR_TRAILER = 'Orchestra-Actor';

export interface CommitRequest {
  /** Paths relative to the repository root (`/`-separated). Deleted paths are committed as deletions. */
  paths: string[];
  /** Subject line, `orchestra: <type> <worker>: <title>`. */
  subject: string;
  /** The doc this commit is about. */
  doc: string;
  /** Further docs in the same commit (a batch): one more `Orchestra-Doc` trailer each. */
  moreDocs?: string[];
  /** Who acted: lead, daemon or a worker. */
  actor: string;
  /** Author name; when absent git's configured identity is used (the lead's own). */
  authorName?: string;
}

const require = createRequire(import.meta.url);

/** Variables a git hook or a parent git may have set that would point our git at another repository or index. */
const REDIRECTING_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX', 'GIT_ALTERNATE_OBJECT_DIRECTORIES'];

export { retryOnGitLocks };

/** `[branch (root-commit) abc1234] subject`; a branch name may itself hold `]`. */
export const COMMIT_LINE = /^\[.*? ([0-9a-f]{7,40})\] /m;

/** Paths come back as they are (`src/café.ts`), not C-quoted, so they compare equal across git commands. */
const GIT_OPTS = ['-c', 'core.quotePath=false'];

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of REDIRECTING_ENV) delete env[k];
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

/**
 * Runs git directly. Used on the write path, where simple-git's completion handling adds about 50 ms per call
 * (measured: `git add` 16 ms through execFile, 70 ms through simple-git, in a 10,000-file repository).
 */
function execGit(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', [...GIT_OPTS, ...args], { cwd, env: cleanEnv(), maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const e = new Error(`${stderr || stdout || err.message}`.trim()) as Error & { stdout?: string };
        e.stdout = stdout;
        reject(e);
      } else resolve(stdout);
    });
  });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Removes characters that would break a commit subject (newlines) and bounds its length. */
export function subjectOf(type: string, worker: string, title: string): string {
  const t = oneLine(title);
  return `orchestra: ${type} ${worker}: ${t.length > 150 ? `${t.slice(0, 147)}...` : t}`;
}

export function messageOf(req: Pick<CommitRequest, 'subject' | 'doc' | 'actor' | 'moreDocs'>): string {
  const docs = [req.doc, ...(req.moreDocs ?? [])].map((d) => `${DOC_TRAILER}: ${d}\n`).join('');
  return `${req.subject}\n\n${docs}${ACTOR_TRAILER}: ${req.actor}\n`;
}

export interface TimelineEntry {
  commit: string;
  at: string;
  actor: string;
  type: string;
  worker: string;
  doc: string;
  title: string;
}

export class Git {
  readonly root: string;
  readonly gitDir: string;
  private sg?: SimpleGit;
  /** Where to say that a write waits on another process's git lock (a CLI's stderr, the daemon's log). */
  notice?: (line: string) => void;

  constructor(root: string, gitDir = path.join(root, '.git')) {
    this.root = root;
    this.gitDir = gitDir;
  }

  /** simple-git, loaded on first use (the write path does not need it). */
  private get git(): SimpleGit {
    if (!this.sg) {
      const { simpleGit } = require('simple-git') as typeof import('simple-git');
      this.sg = simpleGit({ baseDir: this.root, maxConcurrentProcesses: 4, trimmed: false, config: ['core.quotePath=false'] });
    }
    return this.sg;
  }

  /** Lock file that serialises every orchestra writer of this repository (CLI, daemon, dashboard). */
  get writeLockPath(): string {
    return path.join(this.gitDir, 'orchestra-write.lock');
  }

  async raw(args: string[]): Promise<string> {
    return this.git.raw(args);
  }

  /** git without simple-git's per-call overhead; rejects with git's own message. */
  async exec(args: string[]): Promise<string> {
    return execGit(this.root, args);
  }

  /**
   * Synchronous git, for tiny read-only queries whose answer decides what to ask next (`worktree list`): slower
   * queries can then start at once, instead of waiting for a busy event loop to see the first answer.
   */
  execSync(args: string[]): string {
    return execFileSync('git', [...GIT_OPTS, ...args], { cwd: this.root, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs `fn` holding orchestra's write lock. Callers that write files and commit them do both inside. */
  async withWriteLock<T>(fn: () => Promise<T>, purpose = 'write'): Promise<T> {
    const release = await acquireLock(this.writeLockPath, { purpose, timeoutMs: 120_000 });
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Retries git operations that failed only because another process held a git lock. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await retryOnGitLocks(fn, { notice: this.notice });
    } catch (e) {
      throw new GitFailure(`git ${what} failed: ${oneLine(e instanceof Error ? e.message : String(e)).slice(0, 300)}`);
    }
  }

  async hasHead(): Promise<boolean> {
    try {
      await this.exec(['rev-parse', '--verify', '-q', 'HEAD']);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Commits exactly `paths`. Must be called inside `withWriteLock` by callers that also wrote the files, so no
   * other orchestra process commits them first. Returns the new commit's hash.
   */
  async commitPaths(req: CommitRequest): Promise<string> {
    const paths = [...new Set(req.paths)];
    const present = paths.filter((p) => existsSync(path.join(this.root, p)));
    try {
      // New files must be known to the index before `commit --only` can take them: intent-to-add only, so a
      // plain `git commit` someone runs meanwhile does not take them (it ignores intent-to-add entries).
      if (present.length) await this.retrying('add', () => this.exec(['add', '--intent-to-add', '--', ...present]));
      return await this.commitStaged({ ...req, paths });
    } catch (e) {
      await this.unstage(paths);
      if (e instanceof GitFailure && /Please tell me who you are|empty ident|user\.email/i.test(e.message)) {
        throw new GitFailure('git does not know who you are: run `git config user.name "Your Name"` and `git config user.email you@example.com` in this repository');
      }
      throw e;
    }
  }

  /**
   * `git commit --only` of paths the index already knows (added, or intent-to-add): commits exactly those, notes
   * them in the committed journal and returns the short hash. Leaves the index as it is on failure (callers
   * decide what to unstage).
   */
  async commitStaged(req: CommitRequest): Promise<string> {
    const args = ['commit', '--only', '--no-verify', '-m', messageOf(req)];
    if (req.authorName) args.push('--author', `${req.authorName} <${req.authorName}@orchestra.invalid>`);
    args.push('--', ...req.paths);
    const out = await this.retrying('commit', () => this.exec(args));
    // git prints `[branch (root-commit) abc1234] subject`; "nothing to commit" exits 1 on stdout only.
    const m = COMMIT_LINE.exec(out);
    if (!m) throw new GitFailure(`git commit made no commit: ${oneLine(out).slice(0, 200) || 'nothing to commit'}`);
    this.noteCommitted(req.paths.filter((p) => existsSync(path.join(this.root, p))));
    return m[1];
  }

  /**
   * Orchestra's writers note the paths they commit in `<git dir>/orchestra-committed` (under the write lock), so
   * the daemon knows a CLI-written trigger is committed without asking `git status` on its hot path. Only a hint:
   * a path not listed is checked with git. Kept short: past 256 KB only the newest half is kept.
   */
  get committedJournal(): string {
    return path.join(this.gitDir, 'orchestra-committed');
  }

  noteCommitted(paths: readonly string[]): void {
    if (!paths.length) return;
    try {
      appendFileSync(this.committedJournal, `${paths.join('\n')}\n`);
      if (statSync(this.committedJournal).size > 256 * 1024) {
        const lines = readFileSync(this.committedJournal, 'utf8').split('\n');
        const tmp = `${this.committedJournal}.${process.pid}.tmp`;
        writeFileSync(tmp, lines.slice(Math.floor(lines.length / 2)).join('\n'));
        renameSync(tmp, this.committedJournal);
      }
    } catch {
      /* a hint only: the daemon falls back to git status */
    }
  }

  /** Which of `paths` HEAD holds: a rollback must never delete what some commit already took. */
  async inHead(paths: readonly string[]): Promise<Set<string>> {
    if (!paths.length) return new Set();
    try {
      const out = await this.exec(['ls-tree', '--name-only', '-z', 'HEAD', '--', ...paths]);
      return new Set(out.split('\0').filter(Boolean));
    } catch {
      return new Set();
    }
  }

  /** Paths orchestra's writers committed recently (see `noteCommitted`). */
  recentlyCommitted(): Set<string> {
    try {
      return new Set(readFileSync(this.committedJournal, 'utf8').split('\n'));
    } catch {
      return new Set();
    }
  }

  /** Puts the index entries of `paths` back to HEAD (or removes them when HEAD has none). Best effort. */
  async unstage(paths: string[]): Promise<void> {
    try {
      if (await this.hasHead()) await this.retrying('reset', () => this.exec(['reset', '-q', 'HEAD', '--', ...paths]));
      else await this.retrying('rm', () => this.exec(['rm', '-q', '--cached', '--ignore-unmatch', '--', ...paths]));
    } catch {
      /* the original error is what the user needs to see */
    }
  }

  /** Paths among `paths` that git does not know (untracked), or that differ from HEAD. */
  async uncommitted(paths: string[]): Promise<Set<string>> {
    if (!paths.length) return new Set();
    const out = await this.exec(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...paths]);
    const result = new Set<string>();
    for (const entry of out.split('\0')) {
      if (entry.length > 3) result.add(entry.slice(3));
    }
    return result;
  }

  /**
   * When each doc first appeared, keyed by file name without `.md` (ids are unique across docs/ and archive/,
   * so a doc keeps its date when archived). One pass over the log, never one git call per file.
   */
  async firstCommitTimes(): Promise<Map<string, string>> {
    const out = await this.git.raw(['log', '--format=%x00%aI', '--name-only', '--diff-filter=A', '--no-renames', '--', '.orchestra/docs', '.orchestra/archive']);
    const map = new Map<string, string>();
    for (const chunk of out.split('\0')) {
      if (!chunk) continue;
      const lines = chunk.split('\n');
      const at = new Date(lines[0].trim()).toISOString();
      for (const line of lines.slice(1)) {
        if (!line.endsWith('.md')) continue;
        // Newest first: the last seen is the first commit.
        map.set(path.basename(line, '.md'), at);
      }
    }
    return map;
  }

  /** The activity timeline, newest first, read back from orchestra's commit trailers. */
  async timeline(opts: { since?: Date; limit?: number; ref?: string; batches?: boolean } = {}): Promise<TimelineEntry[]> {
    const args = ['log', '--format=%H%x1f%aI%x1f%s%x1f%(trailers:key=Orchestra-Doc,valueonly,separator=%x2c)%x1f%(trailers:key=Orchestra-Actor,valueonly,separator=%x2c)%x1e'];
    if (opts.since) args.push(`--since=${opts.since.toISOString()}`);
    if (opts.limit) args.push(`-n${opts.limit}`);
    args.push('--grep=^orchestra: ', opts.ref ?? 'HEAD', '--');
    let out: string;
    try {
      out = await this.git.raw(args);
    } catch (e) {
      if (/does not have any commits|unknown revision|bad revision|ambiguous argument 'HEAD'/i.test((e as Error).message)) return [];
      throw e;
    }
    const entries: TimelineEntry[] = [];
    const batches = new Map<string, { first: number; more: string[] }>();
    for (const rec of out.split('\x1e')) {
      const r = rec.replace(/^\n/, '');
      if (!r) continue;
      const [commit, at, subject, doc, actor] = r.split('\x1f');
      const m = /^orchestra: (\S+) (\S+?): (.*)$/.exec(subject ?? '');
      if (!m || !doc) continue;
      const docs = doc.trim().split(',').map((d) => d.trim()).filter(Boolean);
      entries.push({
        commit,
        at: isoTime(at),
        actor: (actor ?? '').trim().split(',')[0],
        type: m[1],
        worker: m[2],
        doc: docs[0],
        title: docs.length > 1 ? m[3].replace(/ \(\+\d+ more\)$/, '') : m[3],
      });
      if (docs.length > 1) batches.set(commit, { first: entries.length - 1, more: docs.slice(1) });
    }
    // `batches: false` for callers after single-doc commits only (start, cancel): spares the `git show`.
    if (batches.size && opts.batches !== false) await this.expandBatches(entries, batches);
    return entries;
  }

  /**
   * A batch commit (the daemon's reactions, a burst of hand-written docs) carries one Orchestra-Doc trailer per
   * doc: give each its own entry, with its type from its id and its worker from its folder (one `git show` for
   * all batch commits). Titles of the extra docs are their ids; callers that hold the docs show their titles.
   */
  private async expandBatches(entries: TimelineEntry[], batches: Map<string, { first: number; more: string[] }>): Promise<void> {
    const out = await this.exec(['show', '--no-renames', '--name-only', '--format=%x1e%H', ...batches.keys(), '--']);
    const folderOf = new Map<string, string>();
    for (const chunk of out.split('\x1e')) {
      for (const line of chunk.split('\n').slice(1)) {
        const m = /^\.orchestra\/(?:docs|archive)\/([^/]+)\/([^/]+)\.md$/.exec(line.trim());
        if (m) folderOf.set(m[2], m[1]);
      }
    }
    // Insert after each batch's first entry, from the last batch backwards so indexes stay valid.
    for (const [, b] of [...batches].sort((x, y) => y[1].first - x[1].first)) {
      const head = entries[b.first];
      const extra = b.more.map((id): TimelineEntry => ({
        ...head,
        doc: id,
        type: /^\d{8}-\d{6}-(order|report|doubt|answer|escalation)-/.exec(id)?.[1] ?? head.type,
        worker: folderOf.get(id) ?? head.worker,
        title: id,
      }));
      entries.splice(b.first + 1, 0, ...extra);
    }
  }
}
