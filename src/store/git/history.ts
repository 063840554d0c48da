/**
 * Reading orchestra's history back: the timeline, when each doc first appeared, and which commits are orchestra's.
 * A commit is orchestra's by its trailers (`Orchestra-Doc`, `Orchestra-Actor`), and its subject's
 * `orchestra: <type> <worker>: ` is found wherever it stands, so a subject some hook prefixed still reads.
 */
import path from 'node:path';
import { isoTime } from '../../core/time.js';
import type { GitRunner } from './exec.js';

export interface TimelineEntry {
  commit: string;
  at: string;
  actor: string;
  type: string;
  worker: string;
  doc: string;
  title: string;
}

export interface TimelineOptions {
  since?: Date;
  limit?: number;
  ref?: string;
  batches?: boolean;
}

/** `orchestra: <type> <worker>: <title>`, anywhere in the subject (the first one). */
const SUBJECT = /orchestra: (\S+) (\S+?): (.*)$/;

const TRAILERS = '%(trailers:key=Orchestra-Doc,valueonly,separator=%x2c)%x1f%(trailers:key=Orchestra-Actor,valueonly,separator=%x2c)';

function list(s: string | undefined): string[] {
  return (s ?? '').trim().split(',').map((d) => d.trim()).filter(Boolean);
}

/** Whether a commit with these trailers and subject is one of orchestra's own (a doc commit, or sync's merge). */
export function isOrchestraCommit(c: { docs: string[]; actors: string[]; subject: string; merge: boolean }): boolean {
  return c.actors.length > 0 && SUBJECT.test(c.subject) && (c.docs.length > 0 || c.merge);
}

export function timelineArgs(opts: TimelineOptions): string[] {
  const args = ['log', `--format=%H%x1f%aI%x1f%s%x1f${TRAILERS}%x1e`];
  if (opts.since) args.push(`--since=${opts.since.toISOString()}`);
  if (opts.limit) args.push(`-n${opts.limit}`);
  return [...args, '--grep=^Orchestra-Doc: ', '--end-of-options', opts.ref ?? 'HEAD', '--'];
}

export type Batches = Map<string, { first: number; more: string[] }>;

export function parseTimeline(out: string): { entries: TimelineEntry[]; batches: Batches } {
  const entries: TimelineEntry[] = [];
  const batches: Batches = new Map();
  for (const rec of out.split('\x1e')) {
    const r = rec.replace(/^\n/, '');
    if (!r) continue;
    const [commit, at, subject = '', doc, actor] = r.split('\x1f');
    const docs = list(doc);
    const actors = list(actor);
    const m = SUBJECT.exec(subject);
    if (!m || !isOrchestraCommit({ docs, actors, subject, merge: false })) continue;
    entries.push({
      commit,
      at: isoTime(at),
      actor: actors[0],
      type: m[1],
      worker: m[2],
      doc: docs[0],
      title: docs.length > 1 ? m[3].replace(/ \(\+\d+ more\)$/, '') : m[3],
    });
    if (docs.length > 1) batches.set(commit, { first: entries.length - 1, more: docs.slice(1) });
  }
  return { entries, batches };
}

/**
 * A batch commit (the daemon's reactions, a burst of hand-written docs) carries one Orchestra-Doc trailer per
 * doc: give each its own entry, with its type from its id and its worker from its folder (one `git show` for
 * all batch commits). Titles of the extra docs are their ids; callers that hold the docs show their titles.
 */
export async function expandBatches(git: GitRunner, entries: TimelineEntry[], batches: Batches): Promise<void> {
  const out = await git.exec(['show', '--no-renames', '--name-only', '--format=%x1e%H', '--end-of-options', ...batches.keys(), '--']);
  const folderOf = new Map<string, string>();
  for (const chunk of out.split('\x1e')) {
    for (const line of chunk.split('\n').slice(1)) {
      const m = /^\.orchestra\/(?:docs|archive)\/([^/]+)\/([^/]+)\.md$/.exec(git.fromGit?.(line.trim()) ?? line.trim());
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

export const FIRST_COMMITS_ARGS = ['log', '--format=%x00%aI', '--name-only', '--diff-filter=A', '--no-renames', '--', '.orchestra/docs', '.orchestra/archive'];

/** When each doc first appeared, keyed by file name without `.md`, from `FIRST_COMMITS_ARGS`' output. */
export function parseFirstCommits(out: string): Map<string, string> {
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

/** The commits in `range` (`a..b`) that are not orchestra's own, as `hash subject` for a message. */
export async function foreignCommits(git: GitRunner, range: string): Promise<string[]> {
  const out = await git.exec(['log', `--format=%H%x1f%P%x1f%s%x1f${TRAILERS}%x1e`, '--end-of-options', range, '--']);
  const foreign: string[] = [];
  for (const rec of out.split('\x1e')) {
    const r = rec.replace(/^\n/, '');
    if (!r) continue;
    const [commit, parents = '', subject = '', doc, actor] = r.split('\x1f');
    const merge = parents.trim().split(' ').length > 1;
    if (!isOrchestraCommit({ docs: list(doc), actors: list(actor), subject, merge })) foreign.push(`${commit.slice(0, 7)} ${subject}`);
  }
  return foreign;
}

/** `FIRST_COMMITS_ARGS` limited to the commits of a revision range (checked by the caller): the docs it added. */
export function addedInArgs(range: string): string[] {
  const at = FIRST_COMMITS_ARGS.indexOf('--');
  return [...FIRST_COMMITS_ARGS.slice(0, at), '--end-of-options', range, ...FIRST_COMMITS_ARGS.slice(at)];
}

/** The docs the commits of `range` added, keyed by id, with the time of the commit that added each. */
export async function docsAddedIn(git: GitRunner, range: string): Promise<Map<string, string>> {
  return parseFirstCommits(await git.exec(addedInArgs(range)));
}

/** The first of `revs` that names no commit here, if any (each checked by `git rev-parse --verify`, never as an option). */
export async function unknownRevision(git: GitRunner, revs: readonly string[]): Promise<string | undefined> {
  for (const rev of revs) {
    try {
      await git.exec(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    } catch {
      return rev;
    }
  }
  return undefined;
}

/** The folders that hold docs, as pathspecs (those `FIRST_COMMITS_ARGS` reads). */
export const DOC_PATHSPECS: readonly string[] = FIRST_COMMITS_ARGS.slice(FIRST_COMMITS_ARGS.indexOf('--') + 1);

/**
 * The doc files that differ between `base` and the worktree (since where `base` and HEAD meet, as a pull request's
 * diff counts them), untracked ones included, deleted ones not: what `validate --changed <base>` checks.
 * `base` must have been checked with `unknownRevision`.
 */
export async function changedDocPaths(git: GitRunner, base: string): Promise<string[]> {
  let since = base;
  try {
    since = (await git.exec(['merge-base', '--end-of-options', base, 'HEAD'])).trim() || base;
  } catch {
    // No common ancestor (or no HEAD yet): compare with base itself.
  }
  const [changed, untracked] = await Promise.all([
    git.exec(['diff', '--name-only', '-z', '--no-renames', '--diff-filter=d', '--end-of-options', since, '--', ...DOC_PATHSPECS]),
    git.exec(['ls-files', '-z', '--others', '--exclude-standard', '--', ...DOC_PATHSPECS]),
  ]);
  return [...new Set([...changed.split('\0'), ...untracked.split('\0')].filter((p) => p.endsWith('.md')))].sort();
}
