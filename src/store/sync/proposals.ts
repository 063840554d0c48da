/**
 * Review mode across clones: the proposals branch travels with the docs' branch, so the lead on any clone (or a
 * pull request on the remote) sees what the reacting daemon proposed, an approval or a rejection made on another
 * clone takes the proposal off everywhere, and a daemon that takes the lease over knows which triggers were
 * proposed for already (proposedTriggers reads this branch's history).
 *
 * The branch only ever gains whole files (a proposal) or loses them (approved, rejected), and is only ever moved by
 * compare-and-swap: two clones that moved it apart are joined by a merge commit whose tree is the file-by-file
 * union of both sides (plumbing's mergeTrees, no content merge, no checkout, no index but a temporary one). Nothing
 * is ever force-pushed. A branch deleted on the remote (a host's "delete the branch after merging the pull
 * request") is not pushed back while everything on it here was merged into the docs' branch already.
 */
import { docsRef } from '../docs-branch.js';
import type { Git } from '../git.js';
import { commitTree, isAncestor, mergeTrees, resolveCommit, swapRef } from '../git/plumbing.js';
import { PROPOSALS_BRANCH, PROPOSALS_BRANCH_BESIDE_ORCHESTRA, proposalsBranch } from '../proposals.js';
import type { Workspace } from '../workspace.js';
import { firstLine, shown, upstreamRef, type SyncConfig } from './round.js';

export interface ProposalsSyncResult {
  /** The local branch moved to what the remote had (or to a merge with it). */
  pulled: boolean;
  /** The remote branch moved to what this clone had. */
  pushed: boolean;
  warning?: string;
  unreachable?: boolean;
}

/** What this clone last knew of the remote's proposals branch (its own namespace: a remote URL has no tracking refs). */
export function proposalsTrackRef(branch: string): string {
  return `refs/orchestra/sync-proposals/${branch}`;
}

const REJECTED = /\[rejected\]|non-fast-forward|fetch first|stale info/i;
const NO_REMOTE_REF = /couldn't find remote ref|could not find remote ref/i;

/** This clone's proposals branch: its name, its commit and what the remote last had, read in one `for-each-ref`. */
export interface ProposalsRefs {
  branch: string;
  local?: string;
  track?: string;
}

export async function proposalsRefs(git: Git): Promise<ProposalsRefs> {
  const refs = ['refs/heads/orchestra', ...[PROPOSALS_BRANCH, PROPOSALS_BRANCH_BESIDE_ORCHESTRA].flatMap((b) => [`refs/heads/${b}`, proposalsTrackRef(b)])];
  const out = await git.exec(['for-each-ref', '--format=%(refname)%00%(objectname)', '--end-of-options', ...refs]);
  const at = new Map(out.split('\n').filter(Boolean).map((l) => l.split('\0') as [string, string]));
  // As proposalsBranch: beside `refs/heads/orchestra` the branch takes its other name.
  const branch = at.has('refs/heads/orchestra') ? PROPOSALS_BRANCH_BESIDE_ORCHESTRA : PROPOSALS_BRANCH;
  return { branch, local: at.get(`refs/heads/${branch}`), track: at.get(proposalsTrackRef(branch)) };
}

/**
 * Whether a round has anything to do, from what `ls-remote` said of the remote branch (`remote`: its commit, '' when
 * the remote has none) and the local refs only (no network).
 */
export async function proposalsOwed(ws: Workspace, git: Git, target: SyncConfig, refs: ProposalsRefs, remote: string): Promise<boolean> {
  const { local, track } = refs;
  if ((remote || undefined) !== track) return true;
  return !!local && local !== track && !(await nothingToShare(ws, git, target, local, remote));
}

/** Whether this clone's proposals branch moved since it last reached the remote (local refs only: after a write). */
export async function proposalsToPush(ws: Workspace, git: Git, target: SyncConfig): Promise<boolean> {
  const { local, track } = await proposalsRefs(git);
  if (!local || local === track) return false;
  return !!track || !(await nothingToShare(ws, git, target, local, ''));
}

/**
 * Nothing on the local branch the remote lacks and needs: it has no branch, and all of ours reached the docs'
 * branch, here or on the remote as last fetched (merged there before this clone pulled the merge).
 */
async function nothingToShare(ws: Workspace, git: Git, target: SyncConfig, local: string, remote: string): Promise<boolean> {
  if (remote) return false;
  for (const ref of [docsRef(ws), upstreamRef(target)]) {
    const docs = await resolveCommit(git, ref);
    if (docs && (await isAncestor(git, local, docs))) return true;
  }
  return false;
}

/**
 * One round for the proposals branch: fetch it, then fast-forward the local branch, push it, or join the two with
 * a merge commit and push that, in a bounded loop when another clone pushes in between.
 */
export async function syncProposals(ws: Workspace, git: Git, target: SyncConfig, opts: { attempts?: number } = {}): Promise<ProposalsSyncResult> {
  const remoteName = target.remote;
  const branch = await proposalsBranch(git);
  const ref = `refs/heads/${branch}`;
  const track = proposalsTrackRef(branch);
  const result: ProposalsSyncResult = { pulled: false, pushed: false };
  const say = `${shown(remoteName)}/${shown(branch)}`;
  const attempts = opts.attempts ?? 6;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let remote: string | undefined;
    try {
      await git.exec(['fetch', '--quiet', '--no-tags', '--end-of-options', remoteName, `+${ref}:${track}`]);
      remote = await resolveCommit(git, track);
    } catch (e) {
      const msg = firstLine(e);
      if (!NO_REMOTE_REF.test(msg)) return { ...result, warning: `fetch of ${say} failed: ${msg}`, unreachable: true };
      // The remote has no such branch (never pushed, or deleted after its pull request was merged).
      await git.exec(['update-ref', '-d', '--end-of-options', track]).catch(() => undefined);
    }
    const local = await resolveCommit(git, ref);
    if (!local) {
      if (remote && (await swapRef(git, ref, remote, undefined, `orchestra: sync ${branch} from the remote`))) result.pulled = true;
      else if (remote) continue; // made here meanwhile: look again
      return result;
    }
    if (local === remote) return result;
    if (!remote && (await nothingToShare(ws, git, target, local, ''))) return result;
    let next = local;
    if (remote && !(await isAncestor(git, remote, local))) {
      if (await isAncestor(git, local, remote)) {
        if (await swapRef(git, ref, remote, local, `orchestra: sync ${branch} from the remote`)) result.pulled = true;
        else continue; // a proposal or a withdrawal landed here meanwhile
        return result;
      }
      // Both moved: the union of both sides, file by file.
      const tree = await mergeTrees(git, local, remote);
      if (!tree) return { ...result, warning: `${branch} here and on ${shown(remoteName)} changed the same proposal differently: left as it is; merge them by hand (git merge ${track})` };
      // Never the remote's URL in a message (it may hold a token): its branch name says where from.
      const message = `orchestra: sync: merge ${branch} from the remote\n\nOrchestra-Actor: daemon\n`;
      next = await commitTree(git, tree, [local, remote], message, 'daemon');
      if (!(await swapRef(git, ref, next, local, `orchestra: sync: merge ${branch} from the remote`))) continue;
      result.pulled = true;
    }
    try {
      await git.exec(['push', '--quiet', '--end-of-options', remoteName, `${next}:${ref}`]);
      await git.exec(['update-ref', '--end-of-options', track, next]).catch(() => undefined);
      result.pushed = true;
      return result;
    } catch (e) {
      const msg = firstLine(e);
      if (!REJECTED.test(msg)) return { ...result, warning: `push of ${say} failed: ${msg}`, unreachable: true };
      // Another clone pushed first: fetch again and join.
    }
  }
  return { ...result, warning: `gave up after ${attempts} attempts: ${say} keeps moving` };
}
