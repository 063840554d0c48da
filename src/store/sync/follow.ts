/**
 * Keeping a clone current: a small loop that asks the remote where the branch is (`git ls-remote`, no objects) and
 * runs a full sync round only when it moved or this clone has commits to push, plus a full round every
 * `sync.interval` whatever it heard. The daemon, `orchestra sync --watch`, `watch`, `wait` and the dashboard start
 * one; the file watchers of their live doc models see what a round brings in.
 */
import type { Config } from '../../core/config.js';
import type { Git } from '../git.js';
import type { Workspace } from '../workspace.js';
import { recordSync } from './state.js';
import { proposalsOwed, proposalsRefs, proposalsToPush, syncProposals } from './proposals.js';
import { aheadBehind, fetchedHead, firstLine, remoteHeads, syncOnce, type SyncResult } from './round.js';
import { syncTargetOf, targetGit, type SyncTarget } from './target.js';

/** How often the remote is asked whether it moved (`ORCHESTRA_SYNC_POLL_MS`, default 500 ms). */
export function pollMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.ORCHESTRA_SYNC_POLL_MS);
  return Number.isFinite(v) && v >= 20 ? v : 500;
}

export interface FollowOptions {
  /** Said once per change of state (the remote went away, came back), never every poll. */
  onWarning?: (message: string) => void;
  /** After a round that did something. */
  onRound?: (r: SyncResult) => void;
  /** After every check (`undefined`: in sync, nothing to do). */
  onResult?: (r: SyncResult | undefined) => void;
  pollMs?: number;
  now?: () => Date;
}

/**
 * One check: a full round when the remote moved or this clone is ahead; otherwise nothing (and no network but one
 * `ls-remote`, which also says whether review mode's proposals branch needs a round of its own). A forced round
 * (after a write, every `sync.interval`) skips the `ls-remote` (a whole connection to a real remote) and syncs the
 * proposals branch only when it moved here, unless `proposals` asks to look at the remote's too (`orchestra sync`).
 */
export async function pollOnce(ws: Workspace, git: Git, target: SyncTarget, opts: { force?: boolean; proposals?: boolean; now?: () => Date } = {}): Promise<SyncResult | undefined> {
  const now = opts.now ?? (() => new Date());
  const proposals = await proposalsRefs(git);
  let heads = new Map<string, string>();
  if (!opts.force || opts.proposals) {
    try {
      heads = await remoteHeads(git, target.remote, [target.branch, proposals.branch]);
    } catch (e) {
      // A forced round goes on: its fetch says why the remote cannot be reached.
      if (!opts.force) return { pulled: 0, pushed: 0, warning: `cannot reach ${target.remote}: ${firstLine(e)}`, unreachable: true };
    }
  }
  const proposalsDue = heads.has(proposals.branch) ? await proposalsOwed(ws, git, target, proposals, heads.get(proposals.branch)!) : await proposalsToPush(ws, git, target);
  let docsDue = true;
  if (!opts.force) {
    const fetched = await fetchedHead(git, target);
    const ahead = (await aheadBehind(git, target))?.ahead ?? 1;
    const remote = heads.get(target.branch) ?? '';
    // The remote answered and nothing is owed either way: this clone is in sync.
    docsDue = !(remote && remote === fetched && ahead === 0);
  }
  if (!docsDue && !proposalsDue) {
    recordSync(ws, { ok: true, at: now() });
    return undefined;
  }
  const r: SyncResult = docsDue ? await syncOnce(git, target, { ws }) : { pulled: 0, pushed: 0 };
  // The docs first: a proposal pulled here is judged against docs that are as current as they can be.
  if (proposalsDue && !r.unreachable) {
    const p = await syncProposals(ws, git, target);
    if (p.pulled || p.pushed) r.proposals = { pulled: p.pulled, pushed: p.pushed };
    if (p.warning && !r.warning) {
      r.warning = p.warning;
      r.unreachable = p.unreachable;
    }
  }
  if (!r.warning) recordSync(ws, { ok: true, at: now() });
  else if (r.unreachable) recordSync(ws, { ok: false, why: r.warning });
  return r;
}

export interface Follower {
  /** A round now (after a write), whatever the remote says; resolves when it is done. */
  now(): Promise<SyncResult | undefined>;
  stop(): Promise<void>;
}

/** Starts following when `sync:` is set; `undefined` otherwise. */
export function startFollower(ws: Workspace, config: Config, git: Git | undefined, opts: FollowOptions = {}): Follower | undefined {
  const target = syncTargetOf(ws, config);
  if (!target) return undefined;
  const g = targetGit(ws, target, git);
  const every = opts.pollMs ?? pollMs();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SyncResult | undefined> | undefined;
  let lastFull = Date.now();
  let failing: string | undefined;

  const round = (force: boolean): Promise<SyncResult | undefined> => {
    // One round at a time; a forced one asked meanwhile runs right after.
    const go = async (): Promise<SyncResult | undefined> => {
      const full = force || Date.now() - lastFull >= target.intervalMs;
      if (full) lastFull = Date.now();
      let r: SyncResult | undefined;
      try {
        r = await pollOnce(ws, g, target, { force: full, now: opts.now });
      } catch (e) {
        r = { pulled: 0, pushed: 0, warning: `sync failed: ${firstLine(e)}`, unreachable: true };
      }
      if (r?.warning) {
        if (failing !== r.warning) opts.onWarning?.(`sync: ${r.warning}${r.unreachable ? ' (work goes on here and is pushed when the remote is back)' : ''}`);
        failing = r.warning;
      } else if (failing !== undefined) {
        opts.onWarning?.(`sync: ${target.remote} reached again`);
        failing = undefined;
      }
      if (r && (r.pulled || r.pushed || r.resolved?.length || r.dropped?.length || r.proposals)) opts.onRound?.(r);
      opts.onResult?.(r);
      return r;
    };
    const p = (running ?? Promise.resolve(undefined)).then(go, go);
    const tracked: Promise<SyncResult | undefined> = p.finally(() => {
      if (running === tracked) running = undefined;
    });
    running = tracked;
    return p;
  };

  const tick = async () => {
    if (stopped) return;
    if (!running) await round(false);
    if (!stopped) timer = setTimeout(() => void tick(), every);
  };
  timer = setTimeout(() => void tick(), 0);
  return {
    now: () => (stopped ? Promise.resolve(undefined) : round(true)),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
