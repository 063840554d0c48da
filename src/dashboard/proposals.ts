/**
 * Review mode on the page: what waits for the lead on the proposals branch (`GET /api/proposals`), the page's
 * `approve` and `reject` actions (store/review.ts, as `lead`, with the CLI's rules), and a light watch of the
 * proposals branch's tip so the page is told when a proposal arrives or leaves (the branch moves by plumbing:
 * no file of the docs folder changes, so the live doc model does not see it).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { workerNames } from '../core/workers.js';
import { PROPOSALS_BRANCH, PROPOSALS_BRANCH_BESIDE_ORCHESTRA, proposalsBranch, readProposals } from '../store/proposals.js';
import { resolveCommit } from '../store/git/plumbing.js';
import { approveProposals, rejectProposal, type Reviewed } from '../store/review.js';
import type { LiveModel } from './model.js';
import { renderMarkdown } from './render.js';

/** A page request for review mode (page-actions.ts builds it from the body). */
export type ReviewRequest = { action: 'approve'; proposal: string | 'all' } | { action: 'reject'; proposal: string; why: string };

export interface ProposalJson {
  id: string;
  worker: string;
  type: string | null;
  title: string;
  from: string | null;
  to: string | null;
  re: string | null;
  /** The title of the doc it answers or follows, when the docs hold it. */
  reTitle: string | null;
  created: string | null;
  /** Where it lands when approved (workspace-relative). */
  path: string;
  body: string;
  /** The body as Markdown, sanitised as every doc body the page shows. */
  html: string;
  /** Why it cannot be approved (it does not read as a doc): only reject is offered then. */
  problems: string[];
}

export interface ProposalsJson {
  /** Review mode in use: `review: true` in orchestra.yaml, or a proposals branch exists (daemon --review). */
  review: boolean;
  branch: string;
  tip: string | null;
  proposals: ProposalJson[];
}

/** What waits for review, oldest first. */
export async function proposalsView(model: LiveModel): Promise<ProposalsJson> {
  const { config, derived } = model.snapshot();
  const view = await readProposals(model.ws, model.git, workerNames(config));
  const proposals = view.pending.map((p): ProposalJson => {
    const d = p.doc;
    return {
      id: p.id,
      worker: p.worker,
      type: d?.type ?? null,
      title: d?.title ?? p.id,
      from: d?.from ?? null,
      to: d?.to ?? null,
      re: d?.re ?? null,
      reTitle: d?.re ? (derived.byId.get(d.re)?.title ?? null) : null,
      created: d?.created ?? null,
      path: p.path,
      body: d?.body ?? p.text,
      html: d ? renderMarkdown(d.body) : '',
      problems: p.problems.map((x) => x.message),
    };
  });
  return { review: config.review === true || !!view.tip, branch: view.branch, tip: view.tip ?? null, proposals };
}

/** Approves or rejects as `actor`; the approved files are read back into the live model at once. */
export async function performReview(model: LiveModel, actor: string, req: ReviewRequest): Promise<Reviewed> {
  const { config } = model.snapshot();
  const docIds = async () => model.snapshot().docs.map((d) => d.id);
  if (req.action === 'reject') return rejectProposal(model.ws, model.git, config, actor, req.proposal, req.why, docIds);
  const r = await approveProposals(model.ws, model.git, config, actor, req.proposal, docIds);
  for (const p of r.proposals) model.refreshFile(path.join(model.ws.root, p.path));
  return r;
}

/**
 * Follows the proposals branch's tip: every `intervalMs` it looks at the ref files' stat (no process spawned);
 * when they change, or every `fullEveryMs` whatever they say (refs packed by a gc), it resolves the tip with git
 * and calls `onMove` when it moved.
 */
export class ProposalsWatch {
  private timer: NodeJS.Timeout | undefined;
  private key = '';
  private tip: string | undefined;
  private lastFull = 0;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly model: LiveModel,
    private readonly onMove: (tip: string | null) => void,
    private readonly opts: { intervalMs?: number; fullEveryMs?: number } = {},
  ) {}

  async start(): Promise<void> {
    this.key = this.statKey();
    this.tip = await this.resolveTip().catch(() => undefined);
    this.lastFull = Date.now();
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private statKey(): string {
    const dir = this.model.ws.gitDir;
    const files = [`refs/heads/${PROPOSALS_BRANCH}`, `refs/heads/${PROPOSALS_BRANCH_BESIDE_ORCHESTRA}`, 'packed-refs'];
    return files
      .map((f) => {
        try {
          const s = statSync(path.join(dir, f));
          return `${s.ino}:${s.size}:${s.mtimeMs}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  }

  private async resolveTip(): Promise<string | undefined> {
    const git = this.model.git;
    return resolveCommit(git, `refs/heads/${await proposalsBranch(git)}`);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    const key = this.statKey();
    const full = Date.now() - this.lastFull >= (this.opts.fullEveryMs ?? 15_000);
    if (key === this.key && !full) return;
    this.busy = true;
    try {
      this.key = key;
      this.lastFull = Date.now();
      const tip = await this.resolveTip();
      if (tip !== this.tip && !this.stopped) {
        this.tip = tip;
        this.onMove(tip ?? null);
      }
    } catch {
      // The repository mid-rewrite (a gc, a fetch): the next tick looks again.
    } finally {
      this.busy = false;
    }
  }
}
