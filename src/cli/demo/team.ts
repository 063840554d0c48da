/**
 * The demo's actors: the lead and simulated workers. They act only through the one set of actions the CLI uses
 * (`core/actions.ts`, applied by `applyPlan`), each under its own identity, so the demo obeys the same rules; a
 * worker changes real files in its own worktree and commits them on its branch with the `Orchestra-Actor` trailer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionRequest } from '../../core/actions.js';
import type { Doc, Outcome, Priority } from '../../core/doc.js';
import { inboxOf, type Inbox } from '../../core/state.js';
import { Git } from '../../store/git.js';
import { loadWorkspace, type Loaded } from '../../store/load.js';
import { performAction } from '../../store/write.js';
import type { Workspace } from '../../store/workspace.js';

export interface Team {
  ws: Workspace;
  git: Git;
}

export async function snapshot(team: Team): Promise<Loaded> {
  return loadWorkspace(team.ws, { git: team.git, liveOnly: true });
}

/** Plans the action on a fresh read of the workspace and commits it; a refusal is a bug in the demo's script. */
async function act(team: Team, actor: string, req: ActionRequest): Promise<Doc['id']> {
  const r = await performAction(team.ws, team.git, actor, req);
  if (!r.ok) throw new Error(`demo: ${actor} ${req.action} refused: ${r.refusal.message}`);
  return r.applied.doc;
}

export class Lead {
  readonly name = 'lead';
  constructor(private readonly team: Team) {}

  async order(worker: string, title: string, opts: { priority?: Priority; body?: string; after?: string[] } = {}): Promise<Doc['id']> {
    return act(this.team, this.name, { action: 'order', to: worker, title, priority: opts.priority, after: opts.after, body: opts.body });
  }

  /** Answers a doubt or an escalation, as `orchestra answer` does. */
  async answer(target: Doc, body: string): Promise<Doc['id']> {
    return act(this.team, this.name, { action: 'answer', target: target.id, body });
  }
}
export class SimWorker {
  readonly worktree: string;
  private readonly wtGit: Git;

  constructor(
    private readonly team: Team,
    readonly name: string,
    readonly branch: string,
  ) {
    // Inside the git-ignored state folder, so the demo's main worktree stays clean.
    this.worktree = path.join(team.ws.stateDir, 'worktrees', name);
    this.wtGit = new Git(this.worktree, team.ws.gitDir);
  }

  /** Creates the worker's branch and worktree from the current main. */
  async checkout(): Promise<void> {
    mkdirSync(path.dirname(this.worktree), { recursive: true });
    await this.team.git.code.raw(['worktree', 'add', '-q', '-b', this.branch, this.worktree, 'HEAD']);
  }

  async inbox(): Promise<{ inbox: Inbox; loaded: Loaded }> {
    const loaded = await snapshot(this.team);
    return { inbox: inboxOf(this.name, loaded.docs, loaded.derived), loaded };
  }

  async start(order: Doc): Promise<void> {
    await act(this.team, this.name, { action: 'start', order: order.id });
  }

  /** Writes files in the worker's worktree and commits them on its branch; returns the short commit. */
  async change(order: Doc, files: Record<string, string>, message: string): Promise<string> {
    for (const [rel, text] of Object.entries(files)) {
      const abs = path.join(this.worktree, rel);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
    return this.wtGit.commitPaths({ paths: Object.keys(files), subject: message, doc: order.id, actor: this.name, authorName: this.name });
  }

  async doubt(title: string, body: string, re?: string): Promise<Doc['id']> {
    return act(this.team, this.name, { action: 'doubt', worker: this.name, title, body, re });
  }

  /** Reports on an order and moves its status, in one commit, as `orchestra report` does. */
  async report(order: Doc, outcome: Outcome, body: string): Promise<Doc['id']> {
    return act(this.team, this.name, { action: 'report', order: order.id, outcome, body });
  }
}
