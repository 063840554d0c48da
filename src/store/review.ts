/**
 * The lead's side of review mode: approving proposals (the daemon's docs written into the docs folder and committed
 * there, as the daemon's, naming who approved them) and rejecting them (the refusal recorded in the timeline).
 * Both run under orchestra's write lock and take the proposals off the branch afterwards (proposals.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { mayReview } from '../core/actions-rules.js';
import { ambiguityMessage, resolveId } from '../core/ids.js';
import { workerNames, type Config } from '../core/workers.js';
import { Forbidden, NotFoundError, Refusal, UsageError } from '../errors.js';
import { docsRef } from './docs-branch.js';
import { execGit } from './git/exec.js';
import { messageOf, subjectOf, type Git } from './git.js';
import { commitTree, resolveCommit, swapRef, treeOf } from './git/plumbing.js';
import { APPROVED_TRAILER, TRIGGER_TRAILER, readProposals, withdraw, type Proposal, type ProposalsView } from './proposals.js';
import { publishAfterWrite } from './sync/publish.js';
import { commitFilesLocked } from './write.js';
import type { Workspace } from './workspace.js';

/** Every doc id in the docs folder and the archive, read only when a proposal is not waiting (to say why). */
export type DocIds = () => Promise<Iterable<string>>;

export interface Reviewed {
  /** The commit on the docs' branch: the approved docs, or the rejection's record. */
  commit: string;
  proposals: Proposal[];
}

function checkLead(actor: string, verb: 'approve' | 'reject'): void {
  const r = mayReview(actor, verb);
  if (r) throw new Forbidden(r.message, r.rule);
}

/** What became of a proposal id that is not waiting: its rejection's commit, if the docs' branch records one. */
async function rejectionOf(ws: Workspace, git: Git, query: string): Promise<{ id: string; commit: string } | undefined> {
  const out = await execGit(git.root, ['log', '--format=%h%x1f%(trailers:key=Orchestra-Doc,valueonly,separator=%x2c)', '--grep=^orchestra: reject ', '--end-of-options', docsRef(ws), '--']).catch(() => '');
  for (const line of out.split('\n')) {
    const [commit, doc = ''] = line.split('\x1f');
    const id = doc.trim();
    if (id && (id === query || id.endsWith(query) || id.startsWith(query))) return { id, commit };
  }
  return undefined;
}

/** The waiting proposal `query` names (a whole id, a unique tail or prefix), or a refusal saying what became of it. */
async function pick(ws: Workspace, git: Git, view: ProposalsView, query: string, docIds: DocIds): Promise<Proposal> {
  const r = resolveId(view.pending.map((p) => p.id), query);
  if (r.ok) return view.pending.find((p) => p.id === r.id)!;
  if (r.reason === 'invalid') throw new UsageError(`"${query}" is not a valid doc id: ids use letters, digits, ".", "_" and "-"`);
  if (r.reason === 'ambiguous') throw new UsageError(ambiguityMessage(query, r.candidates));
  // Not waiting: approved (or merged) already, rejected already, or never proposed.
  const done = resolveId(await docIds(), query);
  if (done.ok) throw new Refusal(`${done.id} is not waiting for review: it is approved already (it is in the docs; see \`orchestra show ${done.id}\`)`);
  const rejected = await rejectionOf(ws, git, query);
  if (rejected) throw new Refusal(`${rejected.id} is not waiting for review: it was rejected (commit ${rejected.commit}; see \`orchestra log --type reject\`)`);
  throw new NotFoundError(`no proposal "${query}" is waiting for review (see \`orchestra list --proposals\`)`);
}

function refuseBroken(p: Proposal): void {
  if (p.problems.length || !p.doc) throw new Refusal(`${p.id} cannot be approved: ${p.problems.map((x) => x.message).join('; ') || 'it does not read as a doc'} (reject it instead)`);
  // Approving commits it as the daemon's: a doc someone else put on the branch would be delivered in its name.
  if (p.doc.from !== 'daemon') throw new Refusal(`${p.id} cannot be approved: it is from ${p.doc.from}, not from the daemon (only the daemon proposes; reject it instead)`);
}

/**
 * Approves one proposal (`query`) or all of them (`'all'`): writes them into the docs folder and commits exactly
 * those files, as the daemon's docs (`Orchestra-Actor: daemon`) with `Orchestra-Approved-By: <actor>`; then takes
 * them off the proposals branch. The daemon never reacts to its own docs, so approving makes no new reaction.
 */
export async function approveProposals(ws: Workspace, git: Git, config: Config, actor: string, query: string | 'all', docIds: DocIds): Promise<Reviewed> {
  checkLead(actor, 'approve');
  return git.withWriteLock(async () => {
    const view = await readProposals(ws, git, workerNames(config));
    let chosen: Proposal[];
    if (query === 'all') {
      chosen = view.pending;
      if (!chosen.length) throw new Refusal('no proposal is waiting for review: nothing to approve');
    } else chosen = [await pick(ws, git, view, query, docIds)];
    for (const p of chosen) refuseBroken(p);
    // A doc already in the folder (merged by hand meanwhile) is not written twice; it only leaves the branch.
    const fresh = chosen.filter((p) => !existsSync(path.join(ws.root, p.path)));
    let commit = '';
    if (fresh.length) {
      const first = fresh[0].doc!;
      const more = fresh.length > 1 ? ` (+${fresh.length - 1} more)` : '';
      commit = await commitFilesLocked(
        ws,
        git,
        fresh.map((p) => ({ path: p.path, text: p.text })),
        {
          subject: subjectOf(first.type, first.worker, `${first.title.slice(0, 120)}${more}`),
          doc: first.id,
          moreDocs: fresh.slice(1).map((p) => p.id),
          actor: 'daemon',
          trailers: [[APPROVED_TRAILER, actor]],
        },
      );
    }
    await withdraw(ws, git, chosen, 'approved', actor);
    return { commit, proposals: chosen };
  }, `approve as ${actor}`).then(published(ws, git));
}

/** With `sync:` set, the approval's docs and the proposals branch go to the remote at once (best effort). */
const published = (ws: Workspace, git: Git) => async (r: Reviewed): Promise<Reviewed> => {
  await publishAfterWrite(ws, git);
  return r;
};

/**
 * Rejects one proposal: records the refusal on the docs' branch as a commit that changes no file
 * (`orchestra: reject <worker>: <title>`, `Orchestra-Doc: <proposal>`, `Orchestra-Actor: <actor>`, the reason in
 * its body, and the trigger, which stays handled), then takes the proposal off the branch. The record is built
 * with plumbing (the docs' branch's own tree, a compare-and-swap of its ref), so no index, hook or staged change
 * of anyone is involved, whichever worktree has that branch checked out.
 */
export async function rejectProposal(ws: Workspace, git: Git, config: Config, actor: string, query: string, why: string, docIds: DocIds): Promise<Reviewed> {
  checkLead(actor, 'reject');
  const reason = why.trim();
  if (!reason) throw new UsageError('--why is empty: say why the proposal is refused (the worker never sees it; the timeline keeps it)');
  return git.withWriteLock(async () => {
    const view = await readProposals(ws, git, workerNames(config));
    const p = await pick(ws, git, view, query, docIds);
    const message = messageOf({
      subject: subjectOf('reject', p.worker, p.doc?.title ?? p.id),
      doc: p.id,
      actor,
      body: reason,
      trailers: p.doc?.re ? [[TRIGGER_TRAILER, p.doc.re]] : [],
    });
    const ref = docsRef(ws);
    let commit: string | undefined;
    for (let i = 0; i < 20 && !commit; i++) {
      const base = await resolveCommit(git, ref);
      if (!base) throw new Refusal('the docs branch has no commit yet: commit the workspace first');
      const next = await commitTree(git, await treeOf(git, base), [base], message, actor === 'lead' ? undefined : actor);
      if (await swapRef(git, ref, next, base, `orchestra: reject ${p.id}`)) commit = next;
    }
    if (!commit) throw new Refusal(`could not record the rejection: ${ref} kept moving; try again`);
    await withdraw(ws, git, [p], 'rejected', actor);
    return { commit, proposals: [p] };
  }, `reject as ${actor}`).then(published(ws, git));
}

/** The reason each rejection commit gives (its body without the trailers), for the timeline. One `git show`. */
export async function rejectionReasons(git: Git, commits: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!commits.length) return out;
  const text = await execGit(git.root, ['show', '-s', '--format=%H%x1f%b%x1e', '--end-of-options', ...commits, '--']).catch(() => '');
  for (const rec of text.split('\x1e')) {
    const [commit, body = ''] = rec.replace(/^\n/, '').split('\x1f');
    if (!commit) continue;
    // The last paragraph is the trailers; what comes before it is the reason.
    const paragraphs = body.trim().split(/\n\s*\n/);
    const why = paragraphs.slice(0, -1).join('\n\n').trim();
    if (why) out.set(commit, why);
  }
  return out;
}
