/**
 * The apply step: turns a batch of planned reactions into commits, inside orchestra's write lock. First the
 * hand-written triggers that are not committed yet are committed as their authors (under the lock, the CLI
 * cannot be half-way through committing one of its own), then every reaction of the batch in one commit of
 * exactly their paths.
 */
import type { Doc } from '../core/doc.js';
import type { Reaction } from '../core/plan.js';
import { subjectOf, type Git } from '../store/git.js';
import { writeDocsLocked, type Written } from '../store/write.js';
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
}

/** Paths among `paths` that git does not have yet: untracked, or staged as added but not committed. */
export async function newPaths(git: Git, paths: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < paths.length; i += 500) {
    const chunk = paths.slice(i, i + 500);
    const text = await git.exec(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...chunk]);
    for (const entry of text.split('\0')) {
      if (entry.length > 3 && (entry[0] === '?' || entry[0] === 'A')) out.add(entry.slice(3));
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

export async function applyBatch(ws: Workspace, git: Git, planned: readonly Planned[], now: Date): Promise<Applied> {
  return git.withWriteLock(async () => {
    const authored: Applied['authored'] = [];
    const fresh = await newPaths(
      git,
      planned.map((p) => p.trigger.path),
    );
    if (fresh.size) {
      const byAuthor = new Map<string, Doc[]>();
      for (const p of planned) {
        if (!fresh.has(p.trigger.path)) continue;
        const list = byAuthor.get(p.trigger.from) ?? [];
        list.push(p.trigger);
        byAuthor.set(p.trigger.from, list);
      }
      for (const [author, docs] of byAuthor) {
        const commit = await commitAsAuthor(git, author, docs);
        authored.push({ author, docs: docs.map((d) => d.id), commit });
      }
    }
    const all = planned.flatMap((p) => p.reaction.docs);
    if (!all.length) return { authored, written: planned.map(() => []) };
    const written = await writeDocsLocked(ws, git, all, { actor: 'daemon', now });
    const per: Written[][] = [];
    let i = 0;
    for (const p of planned) {
      per.push(written.slice(i, i + p.reaction.docs.length));
      i += p.reaction.docs.length;
    }
    return { authored, written: per, commit: written[0]?.commit };
  }, 'daemon reactions');
}
