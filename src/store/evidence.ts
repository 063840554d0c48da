/**
 * The commits a report stands on, derived from git when it is read (never stored, so a commit amended or pushed
 * later is still found): commits on the worker's branch, and commits carrying its `Orchestra-Actor` trailer,
 * after the order's own commit and up to the report. orchestra's own commits (docs) are not evidence.
 */
import type { Doc } from '../core/doc.js';
import type { WorkerConfig } from '../core/workers.js';
import { ACTOR_TRAILER, type Git } from './git.js';

export interface EvidenceCommit {
  commit: string;
  at: string;
  subject: string;
}

/** git's clock and the docs' clocks differ by the seconds a commit takes: a little slack on both ends. */
const SLACK_MS = 60_000;

async function logOf(git: Git, args: string[]): Promise<EvidenceCommit[]> {
  const out = await git.raw(['log', '--no-merges', '--format=%h%x1f%cI%x1f%s', ...args]).catch(() => '');
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [commit, at, subject] = l.split('\x1f');
      return { commit, at, subject };
    });
}

export async function reportCommits(git: Git, report: Doc, order: Doc | undefined, worker: WorkerConfig | undefined): Promise<EvidenceCommit[]> {
  if (report.type !== 'report' || !order || !worker) return [];
  // "Since the order" by ancestry, not by clock: what the order's own commit already contains came before it.
  const orderCommit = (await git.raw(['log', '-1', '--diff-filter=A', '--format=%H', '--', order.path]).catch(() => '')).trim();
  const since = orderCommit ? [`^${orderCommit}`] : [`--since=${new Date(Date.parse(order.created) - SLACK_MS).toISOString()}`];
  const window = [...since, `--until=${new Date(Date.parse(report.created) + SLACK_MS).toISOString()}`];
  const found = await logOf(git, ['--all', ...window, `--grep=^${ACTOR_TRAILER}: ${worker.name}$`]);
  if (worker.branch) {
    const exists = await git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${worker.branch}`]).then(() => true, () => false);
    if (exists) found.push(...(await logOf(git, [`refs/heads/${worker.branch}`, ...window])));
  }
  const seen = new Set<string>();
  return found
    .filter((c) => !c.subject.startsWith('orchestra: ') && !seen.has(c.commit) && seen.add(c.commit))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
}

/** `git --shortstat` of each commit (abbreviated ids as evidence gives them), in one git call. */
export async function diffStats(git: Git, commits: readonly string[]): Promise<Map<string, DiffStat>> {
  const ids = commits.filter((c) => /^[0-9a-f]{4,64}$/.test(c));
  const out = new Map<string, DiffStat>();
  if (!ids.length) return out;
  const text = await git.raw(['log', '--no-walk=unsorted', '--shortstat', '--format=%x1e%h', '--end-of-options', ...ids]).catch(() => '');
  for (const chunk of text.split('\x1e').filter((c) => c.trim())) {
    const [id, ...rest] = chunk.trim().split('\n');
    const line = rest.join(' ');
    const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? 0);
    out.set(id.trim(), { files: num(/(\d+) files? changed/), insertions: num(/(\d+) insertions?\(\+\)/), deletions: num(/(\d+) deletions?\(-\)/) });
  }
  return out;
}
