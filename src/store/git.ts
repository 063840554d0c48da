/**
 * The git layer's entry: the `Git` class every caller holds, over the modules in `git/` (running git, commits,
 * the committed journal, history). Every write goes through `commitPaths`, which commits exactly the given paths,
 * serialises orchestra's own writers with a lock in the common git dir, waits out other processes' `index.lock`,
 * and leaves nothing staged when it fails. The only user of simple-git, loaded on first use.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { SimpleGit } from 'simple-git';
import { acquireLock } from './lock.js';
import { Refusal } from '../errors.js';
import { ORCHESTRA_DIR, type Workspace } from './workspace.js';
import { GIT_CONFIG, execGit, execGitSync } from './git/exec.js';
import { addIntent, commitKnown, explainCommitFailure, hasHead, unstage, type CommitRequest } from './git/commit.js';
import { journalPath, noteCommitted, recentlyCommitted } from './git/journal.js';
import { FIRST_COMMITS_ARGS, expandBatches, parseFirstCommits, parseTimeline, timelineArgs, type TimelineEntry, type TimelineOptions } from './git/history.js';

export { retryOnGitLocks } from './git/exec.js';
export { ACTOR_TRAILER, COMMIT_LINE, DOC_TRAILER, messageOf, subjectOf, type CommitRequest } from './git/commit.js';
export type { TimelineEntry } from './git/history.js';

const require = createRequire(import.meta.url);

/**
 * Where a workspace's orchestration files are committed, as a `Git`: the main checkout in inline mode, the
 * orchestration worktree (`.orchestra/`, on its own branch) in branch mode. Callers pass and get back paths relative
 * to the workspace root either way (`.orchestra/docs/...`).
 */
export function docsGit(ws: Pick<Workspace, 'root' | 'gitDir' | 'mode' | 'docsRepo' | 'docsGitDir'>): Git {
  return ws.mode === 'branch'
    ? new Git(ws.root, ws.gitDir, { cwd: ws.docsRepo, prefix: `${ORCHESTRA_DIR}/`, worktreeGitDir: ws.docsGitDir })
    : new Git(ws.root, ws.gitDir);
}

export interface GitPlace {
  /** Where git runs, when not `root` (the orchestration worktree). */
  cwd?: string;
  /** The per-worktree git dir of `cwd` (where its HEAD is). */
  worktreeGitDir?: string;
  /** What `root`-relative paths lose on their way to git, and get back from it (`.orchestra/` in branch mode). */
  prefix?: string;
}

export class Git {
  /** Paths given to and returned by this class are relative to this folder (the workspace root). */
  readonly root: string;
  readonly gitDir: string;
  /** The worktree git runs in (`root` unless this commits in the orchestration worktree). */
  readonly cwd: string;
  readonly prefix: string;
  private readonly worktreeGitDir?: string;
  private codeGit?: Git;
  private sg?: SimpleGit;
  private sgReader?: SimpleGit;
  /** Where to say that a write waits on another process's git lock (a CLI's stderr, the daemon's log). */
  notice?: (line: string) => void;

  constructor(root: string, gitDir = path.join(root, '.git'), place: GitPlace = {}) {
    this.root = root;
    this.gitDir = gitDir;
    this.cwd = place.cwd ?? root;
    this.prefix = place.prefix ?? '';
    this.worktreeGitDir = place.worktreeGitDir;
  }

  /** The orchestration branch this commits on (branch mode), read from its worktree's HEAD without running git. */
  ownBranch(): string | undefined {
    if (!this.onOwnBranch || !this.worktreeGitDir) return undefined;
    try {
      return /^ref: refs\/heads\/(.+)$/m.exec(readFileSync(path.join(this.worktreeGitDir, 'HEAD'), 'utf8'))?.[1].trim();
    } catch {
      return undefined;
    }
  }

  /** Whether this commits on the orchestration branch, in its worktree (branch mode). */
  get onOwnBranch(): boolean {
    return this.prefix !== '';
  }

  /**
   * The main checkout's git, for what concerns the code (worker branches, worktrees, the branch the user stands
   * on): this same object in inline mode.
   */
  get code(): Git {
    if (!this.onOwnBranch) return this;
    if (!this.codeGit) {
      this.codeGit = new Git(this.root, this.gitDir);
      this.codeGit.notice = (line) => this.notice?.(line);
    }
    return this.codeGit;
  }

  /** A `root`-relative path as git sees it from `cwd`. */
  toGit(p: string): string {
    if (!this.prefix) return p;
    if (p === this.prefix.slice(0, -1)) return '.';
    return p.startsWith(this.prefix) ? p.slice(this.prefix.length) : p;
  }

  /** A path git printed (relative to `cwd`'s top), relative to `root` again. */
  fromGit(p: string): string {
    return this.prefix ? `${this.prefix}${p}` : p;
  }

  /** Every argument after the first `--` is a path: translated for `cwd`. */
  private args(args: string[]): string[] {
    if (!this.prefix) return args;
    const sep = args.indexOf('--');
    return sep < 0 ? args : [...args.slice(0, sep + 1), ...args.slice(sep + 1).map((a) => this.toGit(a))];
  }

  /** simple-git, loaded on first use (the write path does not need it). */
  private get git(): SimpleGit {
    if (!this.sg) {
      const { simpleGit } = require('simple-git') as typeof import('simple-git');
      // simple-git refuses a configured hooks path unless told; ours points at no hooks at all (see NO_HOOKS).
      this.sg = simpleGit({ baseDir: this.cwd, maxConcurrentProcesses: 4, trimmed: false, config: GIT_CONFIG, unsafe: { allowUnsafeHooksPath: true } });
    }
    return this.sg;
  }

  /**
   * simple-git for reads that must not take the index lock (GIT_OPTIONAL_LOCKS=0): status of a worktree someone
   * works in. simple-git vets a given environment (EDITOR, PAGER... are refused), so it gets only what git needs.
   */
  private get reader(): SimpleGit {
    if (!this.sgReader) {
      const { simpleGit } = require('simple-git') as typeof import('simple-git');
      const env: Record<string, string> = { GIT_OPTIONAL_LOCKS: '0' };
      for (const k of ['PATH', 'HOME', 'XDG_CONFIG_HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'SYSTEMROOT']) {
        const v = process.env[k];
        if (v !== undefined) env[k] = v;
      }
      this.sgReader = simpleGit({ baseDir: this.cwd, trimmed: false, config: GIT_CONFIG, unsafe: { allowUnsafeHooksPath: true }, allowEnvironment: ['GIT_OPTIONAL_LOCKS'] }).env(env);
    }
    return this.sgReader;
  }

  /** Lock file that serialises every orchestra writer of this repository (CLI, daemon, dashboard). */
  get writeLockPath(): string {
    return path.join(this.gitDir, 'orchestra-write.lock');
  }

  async raw(args: string[]): Promise<string> {
    return this.git.raw(this.args(args));
  }

  /** git without simple-git's per-call overhead; rejects with git's own message. */
  async exec(args: string[]): Promise<string> {
    return execGit(this.cwd, this.args(args));
  }

  /**
   * Synchronous git, for tiny read-only queries whose answer decides what to ask next (`worktree list`): slower
   * queries can then start at once, instead of waiting for a busy event loop to see the first answer.
   */
  execSync(args: string[]): string {
    return execGitSync(this.cwd, this.args(args));
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

  async hasHead(): Promise<boolean> {
    return hasHead(this);
  }

  /**
   * Commits exactly `paths`. Must be called inside `withWriteLock` by callers that also wrote the files, so no
   * other orchestra process commits them first. Returns the new commit's hash.
   */
  async commitPaths(req: CommitRequest): Promise<string> {
    const paths = [...new Set(req.paths)];
    try {
      await addIntent(this, paths);
      return await this.commitStaged({ ...req, paths });
    } catch (e) {
      await unstage(this, paths);
      throw explainCommitFailure(e);
    }
  }

  /**
   * `git commit --only` of paths the index already knows (added, or intent-to-add): commits exactly those, notes
   * them in the committed journal and returns the short hash. Leaves the index as it is on failure (callers
   * decide what to unstage).
   */
  async commitStaged(req: CommitRequest): Promise<string> {
    if (this.onOwnBranch && this.worktreeGitDir && !this.ownBranch()) {
      throw new Refusal(`${this.cwd} has no branch checked out (a detached HEAD): orchestra commits only on the orchestration branch; check it out there again (\`orchestra doctor\` names it)`);
    }
    const { commit, present } = await commitKnown(this, req);
    this.noteCommitted(present);
    return commit;
  }

  /** See git/journal.ts. */
  get committedJournal(): string {
    return journalPath(this.gitDir);
  }

  noteCommitted(paths: readonly string[]): void {
    noteCommitted(this.committedJournal, paths);
  }

  /** Paths orchestra's writers committed recently (see `noteCommitted`). */
  recentlyCommitted(): Set<string> {
    return recentlyCommitted(this.committedJournal);
  }

  /** Which of `paths` HEAD holds: a rollback must never delete what some commit already took. */
  async inHead(paths: readonly string[]): Promise<Set<string>> {
    if (!paths.length) return new Set();
    try {
      const out = await this.exec(['ls-tree', '--name-only', '-z', 'HEAD', '--', ...paths]);
      return new Set(out.split('\0').filter(Boolean).map((p) => this.fromGit(p)));
    } catch {
      return new Set();
    }
  }

  /** Puts the index entries of `paths` back to HEAD (or removes them when HEAD has none). Best effort. */
  async unstage(paths: string[]): Promise<void> {
    await unstage(this, paths);
  }

  /** Paths among `paths` that git does not know (untracked), or that differ from HEAD. */
  async uncommitted(paths: string[]): Promise<Set<string>> {
    if (!paths.length) return new Set();
    const status = await this.reader.status(['--untracked-files=all', '--no-renames', '--', ...paths.map((p) => this.toGit(p))]);
    return new Set(status.files.map((f) => this.fromGit(f.path)));
  }

  /**
   * Every path of this worktree that differs from HEAD, untracked ones included, through simple-git's status
   * parser; without taking the index lock, so a worker's own git commands never fail on it meanwhile.
   */
  async changedFiles(): Promise<string[]> {
    return (await this.reader.status(['--untracked-files=all', '--no-renames'])).files.map((f) => this.fromGit(f.path));
  }

  /**
   * Paths among `paths` (files or folders) that HEAD does not have yet: untracked, added, or intent-to-add (how
   * orchestra's writers stage a doc before committing it). The daemon's hot path keeps its own execFile query
   * (daemon/apply.ts `newPaths`); this one is for start-up repair.
   */
  async newFiles(paths: string[]): Promise<Set<string>> {
    const status = await this.reader.status(['--untracked-files=all', '--no-renames', '--', ...paths.map((p) => this.toGit(p))]);
    return new Set(status.files.filter((f) => f.index === '?' || f.index === 'A' || f.working_dir === 'A').map((f) => this.fromGit(f.path)));
  }

  /** Whether tracked files differ from HEAD (staged or not); untracked files do not count. */
  async hasTrackedChanges(): Promise<boolean> {
    return (await this.reader.status(['--untracked-files=no'])).files.length > 0;
  }

  /**
   * When each doc first appeared, keyed by file name without `.md` (ids are unique across docs/ and archive/,
   * so a doc keeps its date when archived). One pass over the log, never one git call per file.
   */
  async firstCommitTimes(): Promise<Map<string, string>> {
    return parseFirstCommits(await this.raw(FIRST_COMMITS_ARGS));
  }

  /** The activity timeline, newest first, read back from orchestra's commit trailers. */
  async timeline(opts: TimelineOptions = {}): Promise<TimelineEntry[]> {
    let out: string;
    try {
      out = await this.raw(timelineArgs(opts));
    } catch (e) {
      if (/does not have any commits|unknown revision|bad revision|ambiguous argument 'HEAD'/i.test((e as Error).message)) return [];
      throw e;
    }
    const { entries, batches } = parseTimeline(out);
    // `batches: false` for callers after single-doc commits only (start, cancel): spares the `git show`.
    if (batches.size && opts.batches !== false) await expandBatches(this, entries, batches);
    return entries;
  }
}
