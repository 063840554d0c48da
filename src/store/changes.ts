/**
 * Each worker's current changes, read from git as DESIGN.md "Conflicts" defines them: commits on its branch not
 * yet on the main branch, uncommitted changes in a worktree that has its branch checked out, and commits carrying
 * its `Orchestra-Actor` trailer made while it had an order in progress. Only reads; a few git calls per worker,
 * run side by side, never one per file.
 */
import { isoTime } from '../core/time.js';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.js';
import type { Change } from '../core/conflicts.js';
import { isOrchestraPath } from '../core/conflicts.js';
import type { Doc } from '../core/doc.js';
import type { Derived } from '../core/state.js';
import { Git } from './git.js';

export interface Worktree {
  path: string;
  /** The branch checked out there. */
  branch: string;
}

export interface WorkerChanges {
  changes: Change[];
  /** Latest moment each worker was seen changing something (commit time, or mtime of an uncommitted file). */
  activity: Map<string, string>;
  /** The branch taken as "main". */
  mainBranch: string;
  worktrees: Worktree[];
}

/** Keeps orchestra's own files out of every query: they are never a conflict. */
const NOT_ORCHESTRA = ['--', '.', ':(exclude).orchestra'];

function iso(ms: number | string): string {
  return isoTime(ms);
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/** Whether `worker` depends on `on`, directly or through other workers. */
function dependsOn(config: Pick<Config, 'workers'>, worker: string, on: string, seen = new Set<string>()): boolean {
  if (seen.has(worker)) return false;
  seen.add(worker);
  const deps = config.workers.find((w) => w.name === worker)?.dependsOn ?? [];
  return deps.includes(on) || deps.some((d) => dependsOn(config, d, on, seen));
}

/**
 * Whose change a branch commit is, given the worker branches that hold it: the only one, or, when branches are
 * stacked, the one all the others build on (depend on). Undefined when that cannot be told (a shared base of
 * unrelated workers): better no claim than a false conflict.
 */
export function ownerOf(holders: string[], config: Pick<Config, 'workers'>): string | undefined {
  if (holders.length <= 1) return holders[0];
  const upstream = holders.filter((h) => holders.every((o) => o === h || dependsOn(config, o, h)));
  return upstream.length === 1 ? upstream[0] : undefined;
}

/** Parses `git log --format=%x00%H%x1f%aI%x1f<extra> --name-only` into commits with their files. */
function parseLog(out: string): { commit: string; at: string; extra: string; files: string[] }[] {
  const commits = [];
  for (const chunk of out.split('\0')) {
    if (!chunk.trim()) continue;
    const lines = chunk.split('\n');
    const [commit, at, ...rest] = lines[0].split('\x1f');
    const extra = rest.join('\x1f');
    const files = lines.slice(1).map((l) => l.trim()).filter((l) => l && !isOrchestraPath(l));
    commits.push({ commit, at: iso(at), extra, files });
  }
  return commits;
}

async function tryRaw(git: Git, args: string[]): Promise<string> {
  try {
    // Read-only queries: straight to git, without simple-git's per-call overhead (tens of ms each).
    return await git.exec(args);
  } catch {
    // A branch that does not exist yet, an empty repository: nothing changed there.
    return '';
  }
}

function trySync(git: Git, args: string[]): string {
  try {
    return git.execSync(args);
  } catch {
    return '';
  }
}

function bump(activity: Map<string, string>, worker: string, at: string): void {
  const cur = activity.get(worker);
  // Instants, not strings: docs carry milliseconds, git's dates do not.
  if (!cur || Date.parse(at) > Date.parse(cur)) activity.set(worker, at);
}

/** When each in-progress order was started: its `start` commit, else its creation. */
async function startTimes(git: Git, orders: Doc[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!orders.length) return out;
  const earliest = orders.reduce((m, o) => (Date.parse(o.created) < Date.parse(m) ? o.created : m), orders[0].created);
  const wanted = new Set(orders.map((o) => o.id));
  // One pass over orchestra's commits since the oldest of these orders was written.
  const entries = await git.timeline({ since: new Date(Date.parse(earliest) - 1000), batches: false }).catch(() => []);
  for (const e of entries) {
    // Newest first: the last `start` seen is the first start of the order.
    if (e.type === 'start' && wanted.has(e.doc)) out.set(e.doc, e.at);
  }
  for (const o of orders) if (!out.has(o.id)) out.set(o.id, o.created);
  return out;
}

export interface CollectInput {
  git: Git;
  config: Config;
  docs: readonly Doc[];
  derived: Derived;
  /** Branch and worktree changes already being read (`collectBranchChanges`), e.g. while the docs load. */
  branchChanges?: Promise<WorkerChanges>;
}

/** Every worker's current changes. */
export async function collectChanges(input: CollectInput): Promise<WorkerChanges> {
  const [branch, trailer] = await Promise.all([input.branchChanges ?? collectBranchChanges(input.git, input.config), collectTrailerChanges(input)]);
  const activity = new Map(branch.activity);
  for (const [w, at] of trailer.activity) bump(activity, w, at);
  return { ...branch, changes: [...branch.changes, ...trailer.changes], activity };
}

/**
 * Commits on each worker's branch not yet on the main branch, and uncommitted changes in worktrees that have a
 * worker's branch checked out. Needs no docs, so it can run while they load.
 */
export async function collectBranchChanges(docs: Git, config: Config): Promise<WorkerChanges> {
  // Code branches and worktrees: the main checkout's git (in branch mode `docs` commits elsewhere).
  const git = docs.code;
  const changes: Change[] = [];
  const activity = new Map<string, string>();

  // Every branch and the worktree that has it checked out, in one small query that decides what to ask next;
  // asked synchronously, the slower queries below start at once and run while the caller reads the docs (simple-git
  // is asynchronous only and has no worktree query, so this stays on git's own format).
  // Branch names below come from the config (validated as branch names when it loads) or from git itself; they
  // reach git after `--end-of-options` all the same, so none can be read as an option.
  const refs = trySync(git, ['for-each-ref', '--format=%(refname:short)%00%(worktreepath)', 'refs/heads']);
  const local = new Set<string>();
  const worktrees: Worktree[] = [];
  for (const line of refs.split('\n')) {
    const [name, wtPath] = line.split('\0');
    if (!name) continue;
    local.add(name);
    if (wtPath) worktrees.push({ path: wtPath, branch: name });
  }
  const mainWt = worktrees.find((w) => samePath(w.path, git.root));
  const workerBranches = new Set(config.workers.map((w) => w.branch ?? w.name));
  // The main branch: sync's, else what the main worktree has checked out, unless a worker works there.
  const mainBranch =
    config.sync?.branch && local.has(config.sync.branch)
      ? config.sync.branch
      : mainWt?.branch && !workerBranches.has(mainWt.branch)
        ? mainWt.branch
        : (['main', 'master'].find((b) => local.has(b)) ?? 'main');

  // A worker's branch: the configured one, else a local branch named after the worker.
  const branches = new Map<string, string>();
  for (const w of config.workers) {
    const b = w.branch ?? (local.has(w.name) ? w.name : undefined);
    if (b && b !== mainBranch) branches.set(w.name, b);
  }

  // One `git log` for every worker branch gives the files; one `rev-list` per branch says which branches hold each
  // commit, so a commit shared by stacked branches (nlp built on core's unmerged work) is core's, not nlp's.
  const branchCommits = (async () => {
    if (!branches.size) return;
    const holdersOf = Promise.all(
      [...branches].map(async ([w, b]) => [w, new Set((await tryRaw(git, ['rev-list', '--end-of-options', b, `^${mainBranch}`])).split('\n').filter(Boolean))] as const),
    );
    const out = await tryRaw(git, [
      'log',
      '--no-merges',
      '--no-renames',
      '--name-only',
      '--source',
      '--format=%x00%H%x1f%aI%x1f%S',
      '--end-of-options',
      ...new Set(branches.values()),
      `^${mainBranch}`,
      ...NOT_ORCHESTRA,
    ]);
    const held = await holdersOf;
    for (const c of parseLog(out)) {
      const worker = ownerOf(
        held.filter(([, set]) => set.has(c.commit)).map(([w]) => w),
        config,
      );
      if (!worker) continue;
      const branch = branches.get(worker)!;
      bump(activity, worker, c.at);
      for (const file of c.files) changes.push({ worker, file, where: 'branch', ref: c.commit, branch });
    }
  })();

  const worktreeChanges = Promise.all(
    worktrees.map(async (wt) => {
      const worker = [...branches].find(([, b]) => b === wt.branch)?.[0];
      if (!worker) return;
      // A Git rooted in that worktree asks it directly (simple-git refuses `-C`); a worktree that cannot be read
      // (removed meanwhile) has no changes to show.
      const files = await new Git(wt.path, git.gitDir).changedFiles().catch(() => []);
      for (const file of files) {
        if (isOrchestraPath(file)) continue;
        changes.push({ worker, file, where: 'worktree', ref: wt.path, branch: wt.branch });
        try {
          bump(activity, worker, iso(statSync(path.join(wt.path, file)).mtimeMs));
        } catch {
          /* deleted: no mtime to learn from */
        }
      }
    }),
  );

  await Promise.all([branchCommits, worktreeChanges]);
  return { changes, activity, mainBranch, worktrees };
}

/** Commits carrying a worker's `Orchestra-Actor` trailer made since it started the order it has in progress. */
async function collectTrailerChanges(input: CollectInput): Promise<Pick<WorkerChanges, 'changes' | 'activity'>> {
  const { docs, derived } = input;
  const git = input.git.code;
  const changes: Change[] = [];
  const activity = new Map<string, string>();
  await (async () => {
    const inProgress = docs.filter((d) => d.type === 'order' && derived.orders.get(d.id)?.state === 'in_progress');
    if (!inProgress.length) return;
    const starts = await startTimes(input.git, inProgress);
    // The moment each worker's earliest order in progress started: its commits since then are current changes.
    const since = new Map<string, string>();
    for (const o of inProgress) {
      const s = starts.get(o.id)!;
      // Starting an order is activity: a worker that just started an old order is not stalled.
      bump(activity, o.to, s);
      const cur = since.get(o.to);
      if (!cur || Date.parse(s) < Date.parse(cur)) since.set(o.to, s);
    }
    const earliest = [...since.values()].sort((a, b) => Date.parse(a) - Date.parse(b))[0];
    const own = input.git.ownBranch();
    const out = await tryRaw(git, [
      'log',
      // The orchestration branch (branch mode) holds docs only: never a worker's change.
      ...(own ? [`--exclude=${own}`] : []),
      '--branches',
      'HEAD',
      '--no-merges',
      '--no-renames',
      '--name-only',
      '--source',
      `--since=${new Date(Date.parse(earliest) - 1000).toISOString()}`,
      '--grep=^Orchestra-Actor: ',
      '--format=%x00%H%x1f%aI%x1f%(trailers:key=Orchestra-Actor,valueonly,separator=%x2c)%x1f%S',
      ...NOT_ORCHESTRA,
    ]);
    for (const c of parseLog(out)) {
      const [actors, source = ''] = c.extra.split('\x1f');
      const branch = source.trim().replace(/^refs\/heads\//, '') || undefined;
      for (const actor of actors.split(',').map((a) => a.trim())) {
        const from = since.get(actor);
        if (!from || Date.parse(c.at) < Date.parse(from)) continue;
        bump(activity, actor, c.at);
        for (const file of c.files) changes.push({ worker: actor, file, where: 'trailer', ref: c.commit, branch });
      }
    }
  })();
  return { changes, activity };
}
