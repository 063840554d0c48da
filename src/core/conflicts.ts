/**
 * Conflicts, as DESIGN.md defines them: two workers whose current changes share a file, and changes outside a
 * worker's `scope`. Pure: the store gathers the changes from git, this decides.
 */
import picomatch from 'picomatch';
import type { Config } from './config.js';

/** Where a change was seen. */
export type ChangeWhere = 'branch' | 'worktree' | 'trailer';

export interface Change {
  worker: string;
  /** Repository-relative, `/`-separated. */
  file: string;
  where: ChangeWhere;
  /** The commit (branch, trailer) or the worktree folder (worktree) that holds the change. */
  ref: string;
  /** The branch the change is on, when known. */
  branch?: string;
}

export type ConflictKind = 'overlap' | 'scope';

export interface Conflict {
  file: string;
  /** `overlap`: the two workers that changed the file. `scope`: the worker, then the worker whose scope holds the file (if any). */
  workers: string[];
  kind: ConflictKind;
  /** Every change behind the conflict, so each worker can find its side. */
  changes: Change[];
  /** Dedup key for the alert that records it. */
  key: string;
}

/** orchestra's own files never make a conflict: every worker writes its thread there. */
export function isOrchestraPath(file: string): boolean {
  return file === '.orchestra' || file.startsWith('.orchestra/');
}

const WHERE_RANK: Record<ChangeWhere, number> = { worktree: 0, branch: 1, trailer: 2 };

function uniqueChanges(changes: readonly Change[]): Change[] {
  const seen = new Set<string>();
  const out: Change[] = [];
  for (const c of changes) {
    const k = `${c.worker}\0${c.file}\0${c.where}\0${c.ref}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out.sort((a, b) => (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : WHERE_RANK[a.where] - WHERE_RANK[b.where]));
}

/**
 * Every pair of workers that changed the same file (kind `overlap`, one entry per file and pair), and every file a
 * worker with a declared scope changed outside it (kind `scope`). Sorted by file, then workers, so output is stable.
 */
export function detectConflicts(changes: readonly Change[], config: Pick<Config, 'workers'>): Conflict[] {
  const byFile = new Map<string, Change[]>();
  for (const c of changes) {
    if (isOrchestraPath(c.file)) continue;
    const list = byFile.get(c.file);
    if (list) list.push(c);
    else byFile.set(c.file, [c]);
  }

  const scopes = config.workers.map((w) => ({
    name: w.name,
    hasScope: w.scope.length > 0,
    match: w.scope.length ? picomatch(w.scope, { dot: true }) : () => false,
  }));
  const scopeOf = new Map(scopes.map((s) => [s.name, s]));

  const out: Conflict[] = [];
  for (const [file, list] of byFile) {
    const workers = [...new Set(list.map((c) => c.worker))].sort();
    for (let i = 0; i < workers.length; i++) {
      for (let j = i + 1; j < workers.length; j++) {
        const pair = [workers[i], workers[j]];
        out.push({
          file,
          workers: pair,
          kind: 'overlap',
          changes: uniqueChanges(list.filter((c) => pair.includes(c.worker))),
          key: `conflict:${pair[0]}:${pair[1]}:${file}`,
        });
      }
    }
    for (const w of workers) {
      const s = scopeOf.get(w);
      if (!s?.hasScope || s.match(file)) continue;
      const owners = scopes.filter((o) => o.name !== w && o.match(file)).map((o) => o.name);
      out.push({
        file,
        workers: owners.length === 1 ? [w, owners[0]] : [w],
        kind: 'scope',
        changes: uniqueChanges(list.filter((c) => c.worker === w)),
        key: `scope:${w}:${file}`,
      });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.key < b.key ? -1 : 1));
}

/** The JSON shape: the documented `{file, workers: [a, b], kind}`, plus where each change is. */
export interface ConflictJson {
  file: string;
  workers: string[];
  kind: ConflictKind;
  changes: { worker: string; where: ChangeWhere; ref: string; branch?: string }[];
}

export function conflictJson(c: Conflict): ConflictJson {
  return {
    file: c.file,
    workers: c.workers,
    kind: c.kind,
    changes: c.changes.map((x) => ({ worker: x.worker, where: x.where, ref: x.ref, ...(x.branch ? { branch: x.branch } : {}) })),
  };
}

/** The conflicts a worker should hear about: those that name it. */
export function conflictsOf(worker: string, conflicts: readonly Conflict[]): Conflict[] {
  return conflicts.filter((c) => c.workers.includes(worker));
}

/** One line for people: `src/x.ts: worker-a (branch worker/a abc1234) and worker-b (uncommitted in ../wt-b)`. */
export function describeChange(c: Change): string {
  if (c.where === 'worktree') return `uncommitted in ${c.ref}`;
  if (c.where === 'branch') return `commit ${c.ref.slice(0, 7)} on ${c.branch ?? 'its branch'}`;
  return `commit ${c.ref.slice(0, 7)}${c.branch ? ` on ${c.branch}` : ''} during an order in progress`;
}

export function describeConflict(c: Conflict): string {
  const where = (w: string) => c.changes.filter((x) => x.worker === w).map(describeChange).join('; ');
  if (c.kind === 'overlap') {
    const [a, b] = c.workers;
    return `${c.file}: changed by both ${a} and ${b} (${a}: ${where(a)}; ${b}: ${where(b)})`;
  }
  const owner = c.workers[1] ? ` (${c.workers[1]}'s)` : '';
  return `${c.file}: ${c.workers[0]} changed it outside its scope${owner} (${where(c.workers[0])})`;
}
