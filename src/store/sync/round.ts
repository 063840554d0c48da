/**
 * One sync round on the sync target (target.ts): fetch, then fast-forward or rebase onto the remote branch, then
 * push, in a bounded loop with jittered backoff. The person's uncommitted changes are never touched: no stash, no
 * autostash; when they block the rebase or the fast-forward, the round is skipped with a warning and the next one
 * tries again. Conflicts in an order's status are resolved by the merge rule (core/sync-merge.ts); any other
 * conflict aborts the rebase cleanly. Every configured value reaches git after `--end-of-options` (or as an
 * option's value), so git can never take it as an option.
 */
import { backoffMs, type Backoff } from '../../core/backoff.js';
import { isRemoteUrl } from '../../core/refname.js';
import type { Git } from '../git.js';
import type { Workspace } from '../workspace.js';
import { foreignCommits } from '../git/history.js';
import { sleep } from '../retry.js';
import { resolveByRule } from './resolve.js';

export interface SyncConfig {
  remote: string;
  branch: string;
}

export interface SyncResult {
  /** Commits brought in from the remote. */
  pulled: number;
  /** Pushes that reached the remote. */
  pushed: number;
  /** Docs whose conflicting status changes the merge rule settled. */
  resolved?: string[];
  /** Set when this round was skipped or gave up (the reason, for a warning). */
  warning?: string;
  /** The remote could not be reached or refused (as opposed to a local reason to wait). */
  unreachable?: boolean;
  /** This clone's unpushed daemon docs taken out because another clone's daemon reacted to the same trigger. */
  dropped?: string[];
  /** Review mode: the proposals branch was brought in from the remote (moved, or merged with it) / pushed to it. */
  proposals?: { pulled: boolean; pushed: boolean };
}

/** Another clone pushed in between: give it a moment, longer each round, jittered so two clones do not collide again. */
const SYNC_BACKOFF: Backoff = { baseMs: 100, capMs: 2_000, jitter: 0.5 };

export function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, ' ').trim().slice(0, 240);
}

export function shown(v: string): string {
  return /^[\x21-\x7e]+$/.test(v) ? v : JSON.stringify(v);
}

/**
 * sync's merge carries orchestra's actor trailer: the next round knows it for orchestra's own. A remote given as a
 * URL is not named (it may hold a token, and the commit is pushed).
 */
function mergeMessage(cfg: SyncConfig): string {
  return `orchestra: sync ${isRemoteUrl(cfg.remote) ? 'the remote' : cfg.remote}: merge ${cfg.branch}\n\nOrchestra-Actor: daemon\n`;
}

/** What the remote's hooks printed (`remote: …` lines), as one line. */
function remoteLines(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const said = m.split('\n').filter((l) => l.startsWith('remote: ')).map((l) => l.slice(8).trim()).filter(Boolean);
  return said.join('; ').replace(/\s+/g, ' ').slice(0, 240);
}

export async function counts(git: Git, upstream: string): Promise<{ ahead: number; behind: number }> {
  const out = await git.exec(['rev-list', '--left-right', '--count', '--end-of-options', `HEAD...${upstream}`]);
  const [ahead, behind] = out.trim().split(/\s+/).map(Number);
  return { ahead: ahead || 0, behind: behind || 0 };
}

/**
 * Where the remote branch is fetched to: the remote's own tracking ref, or for a URL (which has none) one of
 * orchestra's.
 */
export function upstreamRef(cfg: SyncConfig): string {
  return isRemoteUrl(cfg.remote) ? `refs/orchestra/sync/${cfg.branch}` : `refs/remotes/${cfg.remote}/${cfg.branch}`;
}

/** The remote's branches, asked cheaply in one `ls-remote` (no objects): branch → commit ('' for one it does not have). */
export async function remoteHeads(git: Git, remote: string, branches: readonly string[]): Promise<Map<string, string>> {
  const out = await git.exec(['ls-remote', '--end-of-options', remote, ...branches.map((b) => `refs/heads/${b}`)]);
  const heads = new Map(branches.map((b) => [b, '']));
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref?.startsWith('refs/heads/') && heads.has(ref.slice(11))) heads.set(ref.slice(11), sha);
  }
  return heads;
}

/** The last fetched commit of the remote branch ('' before the first fetch). */
export async function fetchedHead(git: Git, cfg: SyncConfig): Promise<string> {
  return (await git.exec(['rev-parse', '--verify', '-q', '--end-of-options', upstreamRef(cfg)]).catch(() => '')).trim();
}

/** Ahead/behind of the checked-out branch against what was last fetched (no network). */
export async function aheadBehind(git: Git, cfg: SyncConfig): Promise<{ ahead: number; behind: number } | undefined> {
  if (!(await fetchedHead(git, cfg))) return undefined;
  return counts(git, upstreamRef(cfg)).catch(() => undefined);
}


/**
 * Pushes the commit HEAD is on now, then records it as what the remote holds (the next poll compares against it):
 * the sha is taken first, so a commit made meanwhile is never taken for pushed.
 */
export async function pushHead(git: Git, cfg: SyncConfig): Promise<void> {
  const sha = (await git.exec(['rev-parse', '--verify', 'HEAD'])).trim();
  await git.exec(['push', '--quiet', '--end-of-options', cfg.remote, `${sha}:refs/heads/${cfg.branch}`]);
  await git.exec(['update-ref', '--end-of-options', upstreamRef(cfg), sha]).catch(() => undefined);
}

/**
 * One sync round. Integration and push run inside the write lock, so no orchestra writer commits in the middle of
 * a rebase. `attempts` bounds the fetch → rebase → push loop when someone else pushes in between.
 */
export async function syncOnce(git: Git, cfg: SyncConfig, opts: { attempts?: number; ws?: Workspace } = {}): Promise<SyncResult> {
  const upstream = upstreamRef(cfg);
  // Messages quote odd values, so a warning stays one line whatever the config holds.
  const say = { remote: shown(cfg.remote), branch: shown(cfg.branch) };
  const attempts = opts.attempts ?? 8;
  let pulled = 0;
  let pushed = 0;
  const resolved: string[] = [];
  const droppedIds: string[] = [];
  const result = (extra: Partial<SyncResult> = {}): SyncResult => ({ pulled, pushed, ...(resolved.length ? { resolved } : {}), ...(droppedIds.length ? { dropped: droppedIds } : {}), ...extra });
  const current = (await git.exec(['rev-parse', '--abbrev-ref', 'HEAD']).catch(() => '')).trim();
  if (current !== cfg.branch) {
    return result({ warning: `HEAD is on "${current || '(none)'}", not on the sync branch "${say.branch}": sync skipped` });
  }
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await git.exec(['fetch', '--quiet', '--no-tags', '--end-of-options', cfg.remote, `+refs/heads/${cfg.branch}:${upstream}`]);
    } catch (e) {
      const msg = firstLine(e);
      // An empty remote has no branch yet: push ours to create it.
      if (!/couldn't find remote ref|could not find remote ref/i.test(msg)) {
        // Two rounds of this clone fetching at once: the other one got the ref lock; try again.
        if (/cannot lock ref|unable to update local ref/i.test(msg) && attempt < attempts) {
          await sleep(backoffMs(SYNC_BACKOFF, attempt, Math.random));
          continue;
        }
        return result({ warning: `fetch from ${say.remote} failed: ${msg}`, unreachable: true });
      }
    }
    const hasUpstream = await git.exec(['rev-parse', '--verify', '-q', '--end-of-options', upstream]).then(() => true, () => false);
    const outcome = await git.withWriteLock(async (): Promise<'done' | 'retry' | SyncResult> => {
      if (hasUpstream) {
        const { ahead, behind } = await counts(git, upstream);
        // Only orchestra's own commits (by their trailers) are ever rebased or pushed: the person's unpushed work is
        // theirs to publish. The orchestration worktree of branch mode (a git whose cwd is not the root) holds only
        // orchestration, hand-committed docs included: all of it is shared.
        const orchestrationOnly = git.cwd !== git.root;
        if (ahead > 0 && !orchestrationOnly && (await foreignCommits(git, `${upstream}..HEAD`)).length) {
          return result({ warning: `${say.branch} has commits of your own not yet on ${say.remote}: sync waits until you push them (orchestra never publishes your work)` });
        }
        // This clone's unpushed reactions to triggers another clone's daemon reacted to meanwhile (duplicates.ts).
        const dups = ahead > 0 && behind > 0 && opts.ws ? await (await import('./duplicates.js')).findDuplicateReactions(opts.ws, git, upstream).catch(() => []) : [];
        if (behind > 0) {
          // A clean tree is rebased (a straight history); with uncommitted work, a merge leaves that work alone.
          const dirty = ahead > 0 && (await git.hasTrackedChanges());
          const op = dirty ? 'merge' : 'rebase';
          try {
            if (ahead === 0) await git.exec(['merge', '--ff-only', '--quiet', '--end-of-options', upstream]);
            else if (dirty) await git.exec(['merge', '--no-edit', '--quiet', `--message=${mergeMessage(say)}`, '--end-of-options', upstream]);
            else await git.exec(['rebase', '--quiet', '--end-of-options', upstream]);
            pulled += behind;
          } catch (e) {
            // Stopped on conflicts: the merge rule settles status changes to the same order; anything else aborts.
            const stopped = ahead > 0 && (await git.exec(['diff', '--name-only', '--diff-filter=U']).catch(() => '')).trim() !== '';
            if (stopped) {
              try {
                resolved.push(...(await resolveByRule(git, op)));
                pulled += behind;
              } catch (r) {
                return result({ warning: `could not ${op} onto ${say.remote}/${say.branch}: ${firstLine(r)}; the ${op} was aborted, nothing changed, the next round tries again` });
              }
            } else {
              if (ahead > 0) await git.exec([op, '--abort']).catch(() => undefined);
              return result({ warning: `could not ${ahead ? (dirty ? 'merge' : 'rebase onto') : 'fast-forward to'} ${say.remote}/${say.branch} (${firstLine(e)}): uncommitted changes or a conflict block it; skipped this round, your changes are untouched` });
            }
          }
        }
        if (dups.length && opts.ws) {
          const dropped = await (await import('./duplicates.js')).dropDuplicateReactions(opts.ws, git, dups, upstream);
          if (dropped.length) droppedIds.push(...dropped);
        }
        if ((await counts(git, upstream)).ahead === 0) return 'done';
      }
      try {
        await pushHead(git, cfg);
        pushed++;
        return 'done';
      } catch (e) {
        const msg = firstLine(e);
        // A hook on the remote said no ("[remote rejected]"): its own words, not a race to retry.
        const remoteSaid = /\[remote rejected\]/.test(msg) ? remoteLines(e) : undefined;
        if (remoteSaid !== undefined) return result({ warning: `push to ${say.remote} failed: the remote refused it${remoteSaid ? `: ${remoteSaid}` : ''}`, unreachable: true });
        if (/\[rejected\]|non-fast-forward|fetch first|stale info/i.test(msg)) return 'retry';
        return result({ warning: `push to ${say.remote} failed: ${msg}`, unreachable: true });
      }
    }, 'sync');
    if (outcome === 'done') return result();
    if (outcome !== 'retry') return outcome;
    await sleep(backoffMs(SYNC_BACKOFF, attempt, Math.random));
  }
  return result({ warning: `gave up after ${attempts} attempts: ${say.remote}/${say.branch} keeps moving` });
}
