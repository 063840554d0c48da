/**
 * Moves settled threads to `.orchestra/archive/<worker>/` with `git mv`, all in one commit of exactly the moved
 * paths, under the write lock. Used by the daemon's periodic scan and by `orchestra archive`.
 */
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { planArchive, type ArchiveThread } from '../core/archive.js';
import { workerNames, type Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import { derive } from '../core/state.js';
import { readDocs } from './docs.js';
import { subjectOf, type Git } from './git.js';
import type { Workspace } from './workspace.js';

export interface ArchiveMove {
  id: string;
  worker: string;
  from: string;
  to: string;
}

export interface ArchiveResult {
  threads: number;
  moves: ArchiveMove[];
  /** The commit made; absent on a dry run or when nothing was settled. */
  commit?: string;
}

export interface ArchiveOptions {
  now: Date;
  dryRun?: boolean;
  /** Who acts (Orchestra-Actor): `daemon` from the daemon, else the CLI's identity. */
  actor: string;
}

const MAX_PER_RUN = 2000;

function archivedPath(doc: Doc): string {
  return `.orchestra/archive/${doc.worker}/${doc.id}.md`;
}

/**
 * Plans and performs one archive run. Reads the live docs itself, inside the write lock, so no writer adds to a
 * thread while it is being moved. Threads with a doc that is not committed yet stay where they are.
 */
export async function archiveSettled(ws: Workspace, git: Git, config: Config, opts: ArchiveOptions): Promise<ArchiveResult> {
  const run = async (): Promise<ArchiveResult> => {
    const { docs } = await readDocs(ws, { workers: workerNames(config), liveOnly: true, firstCommitTimes: () => git.firstCommitTimes() });
    const plan = planArchive(docs, derive(docs, config), config, opts.now);
    let threads: ArchiveThread[] = plan.threads;
    if (!threads.length) return { threads: 0, moves: [] };
    const dirty = await git.uncommitted(plan.docs.map((d) => d.path));
    if (dirty.size) threads = threads.filter((t) => !t.docs.some((d) => dirty.has(d.path)));
    // Bounded runs keep one commit's argument list and size sane; the next run takes the rest.
    let count = 0;
    threads = threads.filter((t) => (count += t.docs.length) <= MAX_PER_RUN || count === t.docs.length);
    const moves = threads.flatMap((t) => t.docs.map((d) => ({ id: d.id, worker: d.worker, from: d.path, to: archivedPath(d) })));
    if (opts.dryRun || !moves.length) return { threads: threads.length, moves };

    const byWorker = new Map<string, ArchiveMove[]>();
    for (const m of moves) byWorker.set(m.worker, [...(byWorker.get(m.worker) ?? []), m]);
    const done: ArchiveMove[] = [];
    try {
      for (const [worker, list] of byWorker) {
        mkdirSync(path.join(ws.archiveDir, worker), { recursive: true });
        // One `git mv` per worker folder, in chunks so the argument list stays far below the OS limit.
        for (let i = 0; i < list.length; i += 500) {
          const chunk = list.slice(i, i + 500);
          await git.exec(['mv', '--', ...chunk.map((m) => m.from), `.orchestra/archive/${worker}/`]);
          done.push(...chunk);
        }
      }
      const commit = await git.commitPaths({
        paths: moves.flatMap((m) => [m.from, m.to]),
        subject: subjectOf('archive', 'workspace', `${moves.length} settled doc${moves.length === 1 ? '' : 's'} in ${threads.length} thread${threads.length === 1 ? '' : 's'}`),
        doc: moves[0].id,
        moreDocs: moves.slice(1).map((m) => m.id),
        actor: opts.actor,
        authorName: opts.actor === 'lead' ? undefined : opts.actor,
      });
      return { threads: threads.length, moves, commit };
    } catch (e) {
      // Put every moved file back where it was; commitPaths already unstaged its paths.
      await git.exec(['reset', '-q', 'HEAD', '--', ...done.flatMap((m) => [m.from, m.to])]).catch(() => undefined);
      for (const m of done) {
        try {
          renameSync(path.join(ws.root, m.to), path.join(ws.root, m.from));
        } catch {
          /* already back */
        }
      }
      throw e;
    }
  };
  return opts.dryRun ? run() : git.withWriteLock(run, 'archive');
}
