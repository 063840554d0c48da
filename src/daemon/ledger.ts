/**
 * Exactly once (DESIGN.md, "The daemon"): a doc is handled when a daemon doc with `re: <id>` is on disk or the
 * cursor lists it. The ledger keeps both in memory. The cursor is appended only after the reaction is committed;
 * a crash in between leaves the reaction on disk, which counts.
 */
import { appendCursor, readCursor, writeCursor } from '../store/cursor.js';
import { handledFromHistory, lastDaemonCommit } from '../store/cursor-history.js';
import { lastProposal, proposedTriggers } from '../store/proposals.js';
import type { DaemonContext } from './context.js';

/** The later of two ISO dates (either may be missing). */
function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a || !b) return a ?? b;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

export class Ledger {
  /** Ids the cursor lists, plus those handled by this run. */
  private readonly handled = new Set<string>();
  /** Daemon docs on disk per trigger id, and the trigger of each daemon doc by path. */
  private readonly reactions = new Map<string, number>();
  private readonly reactionAt = new Map<string, string>();

  constructor(private readonly ctx: DaemonContext) {}

  /**
   * Reads the cursor at start-up and compacts it; on the very first start in a workspace, adopts the live docs as
   * handled (unless `catchUp`; `ignoreHistory` when another clone's daemon may have reacted here). Returns how many docs with no reaction were adopted.
   */
  async load(catchUp: boolean, opts: { ignoreHistory?: boolean } = {}): Promise<number> {
    const { ws, live } = this.ctx;
    const reacted = new Set<string>();
    for (const d of live.docs()) if (d.from === 'daemon' && d.re) reacted.add(d.re);
    const cursor = readCursor(ws);
    let adopted = 0;
    const liveIds = new Set(live.docs().map((d) => d.id));
    // Review mode: a trigger whose reaction was proposed is handled, whatever became of the proposal (approved,
    // rejected, still waiting), and whether or not the cursor got to say so before a crash.
    const proposed = await proposedTriggers(ws, this.ctx.git).catch(() => new Set<string>());
    for (const id of proposed) if (liveIds.has(id)) this.handled.add(id);
    // Shared through a remote: the daemon commits in history are other clones' daemons', not this one's.
    const lastDaemon = cursor.existed || opts.ignoreHistory ? undefined : latest(await lastDaemonCommit(this.ctx.git), await lastProposal(this.ctx.git).catch(() => undefined));
    if (lastDaemon) {
      // No state folder, but this daemon has worked here before: not a first start (see cursor-history.ts).
      for (const id of handledFromHistory(live.docs(), lastDaemon)) this.handled.add(id);
      writeCursor(ws, [...this.handled].filter((id) => liveIds.has(id)));
      this.ctx.emit({ kind: 'warning', message: `no daemon cursor but daemon commits up to ${lastDaemon}: cursor rebuilt from history` });
    } else if (!cursor.existed) {
      if (!catchUp) {
        for (const d of live.docs()) {
          if (d.from === 'daemon') continue;
          if (!reacted.has(d.id)) adopted++;
          this.handled.add(d.id);
        }
      }
      this.ctx.state.cursor(() => writeCursor(ws, [...this.handled].filter((id) => liveIds.has(id))));
    } else {
      // Compaction: the cursor keeps only live ids (archived docs are never seen again), and loses a torn line.
      for (const id of cursor.handled) if (liveIds.has(id)) this.handled.add(id);
      this.ctx.state.cursor(() => writeCursor(ws, [...this.handled]));
    }
    return adopted;
  }

  /** Handled: the cursor (or this run) lists it, or a daemon doc answering it is on disk. */
  isHandled(id: string): boolean {
    return this.handled.has(id) || (this.reactions.get(id) ?? 0) > 0;
  }

  /** A daemon doc answering `trigger` is on disk at `relPath`; false when it was counted already. */
  addReaction(relPath: string, trigger: string): boolean {
    if (this.reactionAt.has(relPath)) return false;
    this.reactionAt.set(relPath, trigger);
    this.reactions.set(trigger, (this.reactions.get(trigger) ?? 0) + 1);
    return true;
  }

  /**
   * A daemon doc left the disk: a reaction rolled back after a failed commit (or one deleted by hand). Its
   * trigger is handled again unless the cursor lists it, so nothing is lost: returns that trigger, to queue again.
   */
  dropReaction(relPath: string): string | undefined {
    const trigger = this.reactionAt.get(relPath);
    if (!trigger) return undefined;
    this.reactionAt.delete(relPath);
    const left = (this.reactions.get(trigger) ?? 1) - 1;
    if (left > 0) this.reactions.set(trigger, left);
    else {
      this.reactions.delete(trigger);
      if (!this.handled.has(trigger)) return trigger;
    }
    return undefined;
  }

  /** Handled by this run: its reactions are committed. */
  markHandled(id: string): void {
    this.handled.add(id);
  }

  /**
   * Review mode across clones: the triggers another clone's daemon proposed for (its proposals branch, pulled by
   * sync) are handled here too. Read when this daemon takes the lease, before it reacts to anything.
   */
  async refreshProposed(): Promise<void> {
    const proposed = await proposedTriggers(this.ctx.ws, this.ctx.git).catch(() => new Set<string>());
    // Live or not yet seen: a trigger pulled in the same round may reach the watcher after this.
    const fresh = [...proposed].filter((id) => !this.handled.has(id));
    for (const id of fresh) this.handled.add(id);
    if (fresh.length) this.append(fresh);
  }

  /** Appends the triggers just handled to the cursor (after their commit). */
  append(ids: readonly string[]): void {
    this.ctx.state.cursor(() => appendCursor(this.ctx.ws, ids));
  }
}
