/**
 * Review mode's branch (`orchestra/proposals`): the daemon's reactions committed there instead of the docs
 * folder, with plumbing only (git/plumbing.ts), so the branch is never checked out and no user's index or working
 * tree is touched. It grows from the branch that holds the docs (docs-branch.ts): a pull request merging it into
 * that branch delivers every proposal at once, `orchestra approve` delivers some, `orchestra reject` drops some.
 *
 * What is waiting: docs in the proposals tip's tree whose id the docs' branch does not hold yet (in docs/ or
 * archive/). So a merge, an approval or an archive run never leaves a stale proposal, whatever order they ran in.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Doc } from '../core/doc.js';
import { normaliseDoc } from '../core/doc.js';
import { isValidId } from '../core/ids.js';
import { isoTime } from '../core/time.js';
import { GitFailure } from '../errors.js';
import type { Problem } from '../errors.js';
import { docsRef, docsTreePrefix } from './docs-branch.js';
import { parseDocFile } from './frontmatter.js';
import { execGit } from './git/exec.js';
import { ACTOR_TRAILER, messageOf, subjectOf } from './git/commit.js';
import { commitTree, isAncestor, listTree, readFiles, resolveCommit, swapRef, treeOf, treeWith, writeBlobs, type PlumbingRepo } from './git/plumbing.js';
import type { Workspace } from './workspace.js';

/** The branch review mode proposes on (DESIGN.md). */
export const PROPOSALS_BRANCH = 'orchestra/proposals';
/**
 * git cannot hold both `refs/heads/orchestra` (branch mode's default branch) and `refs/heads/orchestra/proposals`
 * (a ref cannot be a file and a folder at once): in such a repository the proposals go to this name instead.
 */
export const PROPOSALS_BRANCH_BESIDE_ORCHESTRA = 'orchestra-proposals';
/** On each proposal commit: the triggers it reacts to (what makes them handled, whatever becomes of the docs). */
export const TRIGGER_TRAILER = 'Orchestra-Trigger';
/** On an approval's commit on the docs' branch: who approved the daemon's docs. */
export const APPROVED_TRAILER = 'Orchestra-Approved-By';
/** On a commit that takes proposals off the branch: which. */
export const PROPOSAL_TRAILER = 'Orchestra-Proposal';

const CAS_TRIES = 20;

/**
 * Whether a proposals branch may exist, from the files alone (no git process): its loose ref, or its name in
 * packed-refs. False means it certainly does not; `status` then reads nothing of review mode.
 */
export function proposalsBranchMayExist(ws: Workspace): boolean {
  const loose = [PROPOSALS_BRANCH, PROPOSALS_BRANCH_BESIDE_ORCHESTRA].some((b) => existsSync(path.join(ws.gitDir, 'refs', 'heads', ...b.split('/'))));
  if (loose) return true;
  try {
    const packed = readFileSync(path.join(ws.gitDir, 'packed-refs'), 'utf8');
    return packed.includes(` refs/heads/${PROPOSALS_BRANCH}\n`) || packed.includes(` refs/heads/${PROPOSALS_BRANCH_BESIDE_ORCHESTRA}\n`);
  } catch {
    return false;
  }
}

/** The proposals branch's name in this repository (see PROPOSALS_BRANCH_BESIDE_ORCHESTRA). */
export async function proposalsBranch(repo: PlumbingRepo): Promise<string> {
  return (await resolveCommit(repo, 'refs/heads/orchestra')) ? PROPOSALS_BRANCH_BESIDE_ORCHESTRA : PROPOSALS_BRANCH;
}

export interface Proposal {
  id: string;
  worker: string;
  /** Path inside the docs' branch tree, where it lands when approved. */
  treePath: string;
  /** Workspace-relative path on disk, where `approve` writes it. */
  path: string;
  /** The file exactly as proposed. */
  text: string;
  doc?: Doc;
  problems: Problem[];
}

export interface ProposalsView {
  branch: string;
  ref: string;
  tip?: string;
  /** The docs' branch commit the view was computed against. */
  base?: string;
  /** Oldest first. */
  pending: Proposal[];
}

function idOf(treePath: string): { worker: string; id: string } | undefined {
  const m = /(?:^|\/)(?:docs|archive)\/([^/]+)\/([^/]+)\.md$/.exec(treePath);
  return m ? { worker: m[1], id: m[2] } : undefined;
}

/** Every proposal waiting for review, parsed as docs (a proposal that does not parse keeps its problems). */
export async function readProposals(ws: Workspace, repo: PlumbingRepo, workers: ReadonlySet<string>): Promise<ProposalsView> {
  const branch = await proposalsBranch(repo);
  const ref = `refs/heads/${branch}`;
  const [tip, base] = await Promise.all([resolveCommit(repo, ref), resolveCommit(repo, docsRef(ws))]);
  const view: ProposalsView = { branch, ref, tip, base, pending: [] };
  if (!tip || (base && (await isAncestor(repo, tip, base)))) return view;
  const prefix = docsTreePrefix(ws);
  const [proposed, held] = await Promise.all([
    listTree(repo, tip, [`${prefix}docs`]),
    base ? listTree(repo, base, [`${prefix}docs`, `${prefix}archive`]) : Promise.resolve([]),
  ]);
  const heldIds = new Set(held.map((p) => idOf(p)?.id));
  const waiting = proposed.filter((p) => {
    const at = idOf(p);
    return at && !heldIds.has(at.id);
  });
  const files = await readFiles(repo, tip, waiting);
  for (const treePath of waiting) {
    const { worker, id } = idOf(treePath)!;
    const bytes = files.get(treePath);
    if (bytes === undefined) continue;
    const relPath = path.relative(ws.root, path.join(ws.docsDir, worker, `${id}.md`)).split(path.sep).join('/');
    const p: Proposal = { id, worker, treePath, path: relPath, text: bytes.toString('utf8'), problems: [] };
    // Anyone who can push may have put anything on the branch: only a declared worker's folder and a valid id
    // can be written into the docs folder by `approve`.
    const parsed = !workers.has(worker) || !isValidId(id) ? { ok: false as const, message: `is not under a declared worker's folder with a valid id` } : parseDocFile(bytes);
    if (!parsed.ok) p.problems.push({ file: treePath, field: '-', message: parsed.message });
    else {
      const r = normaliseDoc(parsed.data, parsed.body, { path: relPath, worker, id, archived: false, workers, fallbackCreated: () => isoTime(new Date()) });
      if (r.ok) p.doc = r.doc;
      else p.problems.push(...r.problems);
    }
    view.pending.push(p);
  }
  view.pending.sort((a, b) => ((a.doc?.created ?? '') < (b.doc?.created ?? '') ? -1 : (a.doc?.created ?? '') > (b.doc?.created ?? '') ? 1 : a.id < b.id ? -1 : 1));
  return view;
}

export interface NewProposal {
  id: string;
  worker: string;
  type: string;
  title: string;
  text: string;
}

/**
 * Commits `docs` on the proposals branch as the daemon, naming the `triggers` they react to. The branch grows
 * from its tip; once the docs' branch has merged it (the tip is an ancestor), it starts again from the docs'
 * branch, a fast-forward. Compare-and-swap: a concurrent approve or reject moves the tip, and this tries again.
 */
export async function propose(ws: Workspace, repo: PlumbingRepo, docs: readonly NewProposal[], triggers: readonly string[]): Promise<string> {
  const branch = await proposalsBranch(repo);
  const ref = `refs/heads/${branch}`;
  const blobs = await writeBlobs(repo, docs.map((d) => d.text));
  const prefix = docsTreePrefix(ws);
  const changes = docs.map((d, i) => ({ path: `${prefix}docs/${d.worker}/${d.id}.md`, blob: blobs[i] }));
  const first = docs[0];
  const more = docs.length > 1 ? ` (+${docs.length - 1} more)` : '';
  const message = messageOf({
    subject: subjectOf(first.type, first.worker, `${first.title.slice(0, 120)}${more}`),
    doc: first.id,
    moreDocs: docs.slice(1).map((d) => d.id),
    actor: 'daemon',
    trailers: [...new Set(triggers)].map((t) => [TRIGGER_TRAILER, t] as const),
  });
  for (let i = 0; i < CAS_TRIES; i++) {
    const [tip, base] = await Promise.all([resolveCommit(repo, ref), resolveCommit(repo, docsRef(ws))]);
    const parent = tip && !(base && (await isAncestor(repo, tip, base))) ? tip : base;
    const tree = await treeWith(repo, parent, changes);
    const commit = await commitTree(repo, tree, parent ? [parent] : [], message, 'daemon');
    if (await swapRef(repo, ref, commit, tip, `orchestra: propose ${first.id}`)) return commit;
  }
  throw new GitFailure(`could not move ${branch}: it kept changing under ${CAS_TRIES} tries`);
}

/**
 * Takes proposals off the branch (approved, or rejected) in one commit by `actor`. Not a doc commit (no
 * `Orchestra-Doc`): if the branch is merged later, the timeline shows what reached the docs, not this.
 */
export async function withdraw(ws: Workspace, repo: PlumbingRepo, gone: readonly Proposal[], verb: 'approved' | 'rejected', actor: string): Promise<string | undefined> {
  if (!gone.length) return undefined;
  const branch = await proposalsBranch(repo);
  const ref = `refs/heads/${branch}`;
  const first = gone[0];
  const more = gone.length > 1 ? ` (+${gone.length - 1} more)` : '';
  const subject = subjectOf(verb, first.worker, `${(first.doc?.title ?? first.id).slice(0, 120)}${more}`);
  const trailers = gone.map((p) => `${PROPOSAL_TRAILER}: ${p.id}\n`).join('');
  const message = `${subject}\n\n${trailers}${ACTOR_TRAILER}: ${actor}\n`;
  for (let i = 0; i < CAS_TRIES; i++) {
    const tip = await resolveCommit(repo, ref);
    if (!tip) return undefined;
    const tree = await treeWith(repo, tip, gone.map((p) => ({ path: p.treePath, blob: undefined })));
    if (tree === (await treeOf(repo, tip))) return undefined; // gone already (a concurrent approve took them)
    const commit = await commitTree(repo, tree, [tip], message, actor === 'lead' ? undefined : actor);
    if (await swapRef(repo, ref, commit, tip, `orchestra: ${verb} ${first.id}`)) return commit;
  }
  throw new GitFailure(`could not move ${branch}: it kept changing under ${CAS_TRIES} tries`);
}

/**
 * Every trigger the daemon ever proposed a reaction to (the proposals branch's history) or whose proposal was
 * rejected (the docs' branch): handled, whatever became of the proposal. One `git log` over both.
 */
export async function proposedTriggers(ws: Workspace, repo: PlumbingRepo): Promise<Set<string>> {
  const ref = `refs/heads/${await proposalsBranch(repo)}`;
  const refs = [docsRef(ws)];
  if (await resolveCommit(repo, ref)) refs.push(ref);
  const out = await execGit(repo.root, ['log', `--format=%(trailers:key=${TRIGGER_TRAILER},valueonly,separator=%x2c)`, `--grep=^${TRIGGER_TRAILER}: `, '--end-of-options', ...refs, '--']).catch(() => '');
  const ids = new Set<string>();
  for (const line of out.split('\n')) for (const id of line.split(',')) if (id.trim()) ids.add(id.trim());
  return ids;
}

/** When the daemon last proposed (ISO), or undefined when it never did. */
export async function lastProposal(repo: PlumbingRepo): Promise<string | undefined> {
  const ref = `refs/heads/${await proposalsBranch(repo)}`;
  if (!(await resolveCommit(repo, ref))) return undefined;
  const out = await execGit(repo.root, ['log', '-1', '--format=%cI', `--grep=^${TRIGGER_TRAILER}: `, '--end-of-options', ref, '--']).catch(() => '');
  return out.trim() || undefined;
}
