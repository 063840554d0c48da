/**
 * The demo's actors: the lead and simulated workers. They act only through the functions the CLI uses
 * (`writeDoc`, `editDoc`, `loadWorkspace`, `inboxOf`), each under its own identity, and a worker changes real
 * files in its own worktree and commits them on its branch with the `Orchestra-Actor` trailer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Doc, Outcome, Priority } from '../core/doc.js';
import { blockedBy, inboxOf, type Inbox } from '../core/state.js';
import { Git } from '../store/git.js';
import { loadWorkspace, type Loaded } from '../store/load.js';
import { editDoc, writeDoc } from '../store/write.js';
import type { Workspace } from '../store/workspace.js';

export interface Team {
  ws: Workspace;
  git: Git;
}

export async function snapshot(team: Team): Promise<Loaded> {
  return loadWorkspace(team.ws, { git: team.git, liveOnly: true });
}

export class Lead {
  readonly name = 'lead';
  constructor(private readonly team: Team) {}

  async order(worker: string, title: string, opts: { priority?: Priority; body?: string; after?: string[] } = {}): Promise<Doc['id']> {
    const w = await writeDoc(this.team.ws, this.team.git, { type: 'order', title, from: 'lead', to: worker, worker, priority: opts.priority ?? 'medium', after: opts.after, body: opts.body });
    return w.id;
  }

  /** Answers a doubt or an escalation, as `orchestra answer` does. */
  async answer(target: Doc, body: string): Promise<Doc['id']> {
    const to = target.type === 'doubt' ? target.from : target.worker;
    const w = await writeDoc(this.team.ws, this.team.git, { type: 'answer', title: `Re: ${target.title}`.slice(0, 200), from: 'lead', to, worker: target.worker, re: target.id, priority: target.priority, body });
    return w.id;
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
    await this.team.git.raw(['worktree', 'add', '-q', '-b', this.branch, this.worktree, 'HEAD']);
  }

  async inbox(): Promise<{ inbox: Inbox; loaded: Loaded }> {
    const loaded = await snapshot(this.team);
    return { inbox: inboxOf(this.name, loaded.docs, loaded.derived), loaded };
  }

  async start(order: Doc): Promise<void> {
    // As `orchestra start` does: starting a blocked order again records the blocked report it moves past.
    const { loaded } = await this.inbox();
    const resumes = blockedBy(order, loaded.derived);
    await editDoc(this.team.ws, this.team.git, { abs: path.join(this.team.ws.root, order.path), id: order.id, worker: order.worker, title: order.title }, 'status', 'in_progress', {
      actor: this.name,
      verb: 'start',
      also: resumes ? { resumed: resumes } : undefined,
    });
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
    const w = await writeDoc(this.team.ws, this.team.git, { type: 'doubt', title, from: this.name, to: 'daemon', worker: this.name, re, body }, { actor: this.name });
    return w.id;
  }

  /** Reports on an order and moves its status, in one commit, as `orchestra report` does. */
  async report(order: Doc, outcome: Outcome, body: string): Promise<Doc['id']> {
    const status = outcome === 'completed' ? 'completed' : outcome === 'blocked' ? 'blocked' : 'in_progress';
    const title = `${outcome === 'completed' ? 'Done' : outcome === 'partial' ? 'Progress' : 'Blocked'}: ${order.title}`.slice(0, 200);
    const w = await writeDoc(
      this.team.ws,
      this.team.git,
      { type: 'report', title, from: this.name, to: 'daemon', worker: this.name, re: order.id, outcome, priority: outcome === 'blocked' ? 'high' : order.priority, body },
      { actor: this.name, edits: [{ abs: path.join(this.team.ws.root, order.path), key: 'status', value: status }] },
    );
    return w.id;
  }
}
