/**
 * orchestra's commits: the message format (DESIGN.md "Commit messages") and committing exactly the given paths,
 * never anything else staged or unstaged, leaving nothing staged when it fails.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GitFailure } from '../../errors.js';
import { oneLine, retrying, type GitRunner } from './exec.js';

export const DOC_TRAILER = 'Orchestra-Doc';
export const ACTOR_TRAILER = 'Orchestra-Actor';

export interface CommitRequest {
  /** Paths relative to the repository root (`/`-separated). Deleted paths are committed as deletions. */
  paths: string[];
  /** Subject line, `orchestra: <type> <worker>: <title>`. */
  subject: string;
  /** The doc this commit is about. */
  doc: string;
  /** Further docs in the same commit (a batch): one more `Orchestra-Doc` trailer each. */
  moreDocs?: string[];
  /** Who acted: lead, daemon or a worker. */
  actor: string;
  /** Author name; when absent git's configured identity is used (the lead's own). */
  authorName?: string;
  /** Further trailers after the actor (`Orchestra-Approved-By: lead`), values on one line. */
  trailers?: readonly (readonly [string, string])[];
  /** A paragraph between the subject and the trailers (a rejection's reason). */
  body?: string;
}

/** `[branch (root-commit) abc1234] subject`; a branch name may itself hold `]`. */
export const COMMIT_LINE = /^\[.*? ([0-9a-f]{7,40})\] /m;

/** Removes characters that would break a commit subject (newlines) and bounds its length. */
export function subjectOf(type: string, worker: string, title: string): string {
  const t = oneLine(title);
  return `orchestra: ${type} ${worker}: ${t.length > 150 ? `${t.slice(0, 147)}...` : t}`;
}

export function messageOf(req: Pick<CommitRequest, 'subject' | 'doc' | 'actor' | 'moreDocs' | 'trailers' | 'body'>): string {
  const docs = [req.doc, ...(req.moreDocs ?? [])].map((d) => `${DOC_TRAILER}: ${d}\n`).join('');
  const more = (req.trailers ?? []).map(([k, v]) => `${k}: ${oneLine(v)}\n`).join('');
  // The trailers stay the last paragraph, so a body line that looks like one is read as text.
  const body = req.body?.trim() ? `${req.body.trim()}\n\n` : '';
  return `${req.subject}\n\n${body}${docs}${ACTOR_TRAILER}: ${req.actor}\n${more}`;
}

/** The `git commit` arguments of a request: the message and author as option values, the paths after `--`. */
export function commitArgs(req: CommitRequest): string[] {
  const args = ['commit', '--only', '--no-verify', `--message=${messageOf(req)}`];
  if (req.authorName) args.push(`--author=${req.authorName} <${req.authorName}@orchestra.invalid>`);
  return [...args, '--', ...req.paths];
}

export async function hasHead(git: GitRunner): Promise<boolean> {
  try {
    await git.exec(['rev-parse', '--verify', '-q', 'HEAD']);
    return true;
  } catch {
    return false;
  }
}

/**
 * `git commit --only` of paths the index already knows (added, or intent-to-add): commits exactly those and
 * returns the short hash and the paths still on disk (for the journal). Leaves the index as it is on failure.
 */
export async function commitKnown(git: GitRunner, req: CommitRequest): Promise<{ commit: string; present: string[] }> {
  const out = await retrying('commit', () => git.exec(commitArgs(req)), git.notice);
  // git prints `[branch (root-commit) abc1234] subject`; "nothing to commit" exits 1 on stdout only.
  const m = COMMIT_LINE.exec(out);
  if (!m) throw new GitFailure(`git commit made no commit: ${oneLine(out).slice(0, 200) || 'nothing to commit'}`);
  return { commit: m[1], present: req.paths.filter((p) => existsSync(path.join(git.root, p))) };
}

/** New files must be known to the index before `commit --only` can take them. */
export async function addIntent(git: GitRunner, paths: readonly string[]): Promise<void> {
  // Intent-to-add only, so a plain `git commit` someone runs meanwhile does not take them (it ignores such entries).
  const present = paths.filter((p) => existsSync(path.join(git.root, p)));
  if (present.length) await retrying('add', () => git.exec(['add', '--intent-to-add', '--', ...present]), git.notice);
}

/** A commit failure as the user needs to read it. */
export function explainCommitFailure(e: unknown): unknown {
  if (e instanceof GitFailure && /Please tell me who you are|empty ident|user\.email/i.test(e.message)) {
    return new GitFailure('git does not know who you are: run `git config user.name "Your Name"` and `git config user.email you@example.com` in this repository');
  }
  return e;
}

/** Puts the index entries of `paths` back to HEAD (or removes them when HEAD has none). Best effort. */
export async function unstage(git: GitRunner, paths: string[]): Promise<void> {
  try {
    if (await hasHead(git)) await retrying('reset', () => git.exec(['reset', '-q', 'HEAD', '--', ...paths]), git.notice);
    else await retrying('rm', () => git.exec(['rm', '-q', '--cached', '--ignore-unmatch', '--', ...paths]), git.notice);
  } catch {
    /* the original error is what the user needs to see */
  }
}
