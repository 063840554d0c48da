/**
 * The apply step: turns a batch of planned reactions into commits, inside orchestra's write lock. First the
 * hand-written triggers that are not committed yet are committed as their authors (under the lock, the CLI
 * cannot be half-way through committing one of its own), then every reaction of the batch in one commit of
 * exactly their paths.
 */
import { existsSync, watch } from 'node:fs';
import path from 'node:path';
import type { Doc } from '../core/doc.js';
import type { Reaction } from '../core/plan.js';
import { retryOnGitLocks, subjectOf, type Git } from '../store/git.js';
import { docPath } from '../store/docs.js';
import { propose, proposalsBranch } from '../store/proposals.js';
import { batchCommit, createDocFiles, renderDocs, undoCreated, type Written } from '../store/write.js';
import type { Workspace } from '../store/workspace.js';

export interface Planned {
  trigger: Doc;
  reaction: Reaction;
  /** `log`, `escalate`, or the brain's action. */
  decision: string;
  /** performance.now() when handling began. */
  started: number;
  brainMs?: number;
}

export interface Applied {
  /** Hand-written triggers committed as their authors. */
  authored: { author: string; docs: string[]; commit: string }[];
  /** The reactions written, per planned trigger (same order as the input). */
  written: Written[][];
  commit?: string;
  /** Triggers gone from disk by the time the lock was ours (a writer rolled back): no reaction, not handled. */
  vanished?: Set<string>;
  /** Review mode: the branch the reactions were proposed on (nothing was written on disk). */
  proposed?: string;
}

/** Paths among `paths` that git does not have yet: untracked, or staged as added but not committed. */
export async function newPaths(git: Git, paths: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < paths.length; i += 500) {
    const chunk = paths.slice(i, i + 500);
    const text = await git.exec(['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...chunk]);
    for (const entry of text.split('\0')) {
      // `??` untracked, `A ` staged, ` A` intent-to-add (how orchestra's writers stage a doc before committing it).
      if (entry.length > 3 && (entry[0] === '?' || entry[0] === 'A' || entry[1] === 'A')) out.add(git.fromGit(entry.slice(3)));
    }
  }
  return out;
}

/** Commits `docs` (new files) as `author`, grouped in one commit. The caller holds the write lock. */
export async function commitAsAuthor(git: Git, author: string, docs: readonly Doc[]): Promise<string> {
  const first = docs[0];
  const more = docs.length > 1 ? ` (+${docs.length - 1} more)` : '';
  return git.commitPaths({
    paths: docs.map((d) => d.path),
    subject: subjectOf(first.type, first.worker, `${first.title.slice(0, 120)}${more}`),
    doc: first.id,
    moreDocs: docs.slice(1).map((d) => d.id),
    actor: author,
    authorName: author === 'lead' ? undefined : author,
  });
}

/**
 * Resolves as soon as no orchestra writer holds the write lock (or after `maxMs`). The lock itself waits with a
 * growing backoff, which can overshoot a writer's release by tens of milliseconds; the daemon usually sees a
 * CLI's doc while that CLI is still committing it, so it waits for the release event instead and then takes
 * the lock at once.
 */
export function lockReleased(git: Git, maxMs = 2000): Promise<void> {
  const lock = git.writeLockPath;
  if (!existsSync(lock)) return Promise.resolve();
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const check = () => {
      if (!existsSync(lock)) finish();
    };
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(path.dirname(lock), (_ev, name) => {
        if (!name || name === path.basename(lock)) check();
      });
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    const poll = setInterval(check, 25);
    const timer = setTimeout(finish, maxMs);
    check();
  });
}

/**
 * Hand-written triggers of the batch that no commit holds yet, committed as their authors (grouped per author),
 * while `alongside` runs (the daemon stages its reactions meanwhile). The caller holds the write lock.
 */
async function commitFreshTriggers<T>(git: Git, planned: readonly Planned[], alongside: Promise<T>): Promise<{ authored: Applied['authored']; alongside: T }> {
  // Triggers an orchestra writer committed (the CLI, the dashboard) need no git status: the usual case.
  const committed = git.recentlyCommitted();
  const unsure = planned.map((p) => p.trigger.path).filter((p) => !committed.has(p));
  // Two independent git calls at once: which triggers are hand-written and new (status reads without taking the
  // index lock), and the caller's own step.
  const [fresh, other] = await Promise.all([unsure.length ? newPaths(git, unsure) : new Set<string>(), alongside]);
  const authored: Applied['authored'] = [];
  if (fresh.size) {
    const byAuthor = new Map<string, Doc[]>();
    for (const p of planned) {
      if (!fresh.has(p.trigger.path)) continue;
      const list = byAuthor.get(p.trigger.from) ?? [];
      list.push(p.trigger);
      byAuthor.set(p.trigger.from, list);
    }
    // `commit --only` takes just these paths: the reactions stay staged for their own commit below.
    for (const [author, docs] of byAuthor) {
      const commit = await commitAsAuthor(git, author, docs);
      authored.push({ author, docs: docs.map((d) => d.id), commit });
    }
  }
  return { authored, alongside: other };
}

/** The reactions written, split back per planned trigger (same order as the input). */
function perTrigger(planned: readonly Planned[], written: readonly Written[]): Written[][] {
  const per: Written[][] = [];
  let i = 0;
  for (const p of planned) {
    per.push(written.slice(i, i + p.reaction.docs.length));
    i += p.reaction.docs.length;
  }
  return per;
}

/**
 * Review mode: the reactions are committed on the proposals branch (store/proposals.ts) instead of the docs
 * folder; nothing is written on disk. The triggers they react to are named in that commit, so they stay handled
 * after a restart or with no state folder. The caller holds the write lock.
 */
async function proposeLocked(ws: Workspace, git: Git, planned: readonly Planned[], now: Date, vanished: Set<string>): Promise<Applied> {
  const { authored } = await commitFreshTriggers(git, planned, Promise.resolve());
  const inputs = planned.flatMap((p) => p.reaction.docs);
  if (!inputs.length) return { authored, written: planned.map(() => []), vanished };
  const written = renderDocs(ws, inputs, now, (worker, id) => existsSync(docPath(ws, worker, id)));
  const triggers = planned.filter((p) => p.reaction.docs.length).map((p) => p.trigger.id);
  const commit = await propose(ws, git, written.map((w) => ({ id: w.id, worker: w.doc.worker, type: w.doc.type, title: w.doc.title, text: w.text })), triggers);
  for (const w of written) w.commit = commit;
  return { authored, written: perTrigger(planned, written), commit, vanished, proposed: (await proposalsBranch(git)) };
}

export async function applyBatch(ws: Workspace, git: Git, planned: readonly Planned[], now: Date, opts: { review?: boolean } = {}): Promise<Applied> {
  await lockReleased(git);
  return git.withWriteLock(async () => {
    // Under the lock, the trigger must still be there: a CLI whose commit failed removes its doc again.
    const vanished = new Set(planned.filter((p) => !existsSync(path.join(ws.root, p.trigger.path))).map((p) => p.trigger.id));
    if (vanished.size) planned = planned.map((p) => (vanished.has(p.trigger.id) ? { ...p, reaction: { ...p.reaction, docs: [] } } : p));
    if (opts.review) return proposeLocked(ws, git, planned, now, vanished);
    const inputs = planned.flatMap((p) => p.reaction.docs);
    const written = inputs.length ? createDocFiles(ws, inputs, now) : [];
    const paths = written.map((w) => w.path);
    try {
      const stage = paths.length ? retryOnGitLocks(() => git.exec(['add', '--intent-to-add', '--', ...paths]), { notice: git.notice }) : Promise.resolve(undefined);
      const { authored } = await commitFreshTriggers(git, planned, stage);
      if (!written.length) return { authored, written: planned.map(() => []), vanished };
      const commit = await git.commitStaged(batchCommit(written, 'daemon'));
      for (const w of written) w.commit = commit;
      return { authored, written: perTrigger(planned, written), commit, vanished };
    } catch (e) {
      // The reactions were staged here (intent-to-add), not by commitPaths: unstage them too.
      await undoCreated(ws, git, written, { unstage: true });
      throw e;
    }
  }, 'daemon reactions');
}
