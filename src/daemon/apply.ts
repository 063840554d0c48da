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
import { batchCommit, createDocFiles, undoCreated, type Written } from '../store/write.js';
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

export async function applyBatch(ws: Workspace, git: Git, planned: readonly Planned[], now: Date): Promise<Applied> {
  await lockReleased(git);
  return git.withWriteLock(async () => {
    // Under the lock, the trigger must still be there: a CLI whose commit failed removes its doc again.
    const vanished = new Set(planned.filter((p) => !existsSync(path.join(ws.root, p.trigger.path))).map((p) => p.trigger.id));
    if (vanished.size) planned = planned.map((p) => (vanished.has(p.trigger.id) ? { ...p, reaction: { ...p.reaction, docs: [] } } : p));
    const inputs = planned.flatMap((p) => p.reaction.docs);
    const written = inputs.length ? createDocFiles(ws, inputs, now) : [];
    const paths = written.map((w) => w.path);
    try {
      // Two independent git calls at once: which triggers are hand-written and new (status reads without taking
      // the index lock), and staging the reactions.
      // Triggers an orchestra writer committed (the CLI, the dashboard) need no git status: the usual case.
      const committed = git.recentlyCommitted();
      const unsure = planned.map((p) => p.trigger.path).filter((p) => !committed.has(p));
      const [fresh] = await Promise.all([
        unsure.length ? newPaths(git, unsure) : new Set<string>(),
        paths.length ? retryOnGitLocks(() => git.exec(['add', '--intent-to-add', '--', ...paths]), { notice: git.notice }) : undefined,
      ]);
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
      if (!written.length) return { authored, written: planned.map(() => []), vanished };
      const commit = await git.commitStaged(batchCommit(written, 'daemon'));
      for (const w of written) w.commit = commit;
      const per: Written[][] = [];
      let i = 0;
      for (const p of planned) {
        per.push(written.slice(i, i + p.reaction.docs.length));
        i += p.reaction.docs.length;
      }
      return { authored, written: per, commit, vanished };
    } catch (e) {
      // The reactions were staged here (intent-to-add), not by commitPaths: unstage them too.
      await undoCreated(ws, git, written, { unstage: true });
      throw e;
    }
  }, 'daemon reactions');
}
