/**
 * The daemon's part in sync (`sync:` set): it keeps its clone current (the shared follower loop: `ls-remote` every
 * poll, a round when the remote moved, a full round every `sync.interval`), pushes its reactions as soon as they are
 * committed, and reacts only while it holds the lease (lease.ts). A daemon that does not hold it follows: it pulls,
 * pushes its clone's own writes, serves its readers, and queues triggers without handling them. On taking the lease
 * it syncs first, then handles every queued trigger that has no reaction on disk yet.
 */
import { startFollower, type Follower } from '../store/sync/follow.js';
import { syncTargetOf, targetGit, type SyncTarget } from '../store/sync/target.js';
import type { SyncResult } from '../store/sync/round.js';
import type { DaemonContext } from './context.js';
import { Lease } from './lease.js';
import { errorLine } from './log.js';

export class SyncRole {
  private readonly target: SyncTarget | undefined;
  private follower: Follower | undefined;
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Holding the lease and synced since taking it. */
  private active = false;
  /** The last round pushed everything: a holder whose reactions cannot reach the remote stops reacting. */
  private publishing = true;
  private stopped = false;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly hooks: { pulled: () => void; reacting: () => void; caughtUp: () => Promise<void> },
  ) {
    this.target = syncTargetOf(ctx.ws, ctx.config);
  }

  /** Whether this daemon may react now (always, without `sync:`). */
  get reacting(): boolean {
    if (!this.target) return true;
    return this.active && this.publishing && !!this.lease?.holding;
  }

  /** Whether triggers here may have been another daemon's to react to (see Lease.existedBefore). */
  async shared(): Promise<boolean> {
    if (!this.target) return false;
    this.lease ??= new Lease(targetGit(this.ctx.ws, this.target, this.ctx.git), this.target);
    return this.lease.existedBefore();
  }

  /** Starts following and the lease checks (every third of a lease). */
  async start(): Promise<void> {
    if (!this.target || this.stopped) return;
    const git = targetGit(this.ctx.ws, this.target, this.ctx.git);
    this.lease ??= new Lease(git, this.target);
    this.follower = startFollower(this.ctx.ws, this.ctx.config, this.ctx.git, {
      onWarning: (message) => this.ctx.emit({ kind: 'warning', message }),
      onRound: (r) => this.onRound(r),
      onResult: (r) => this.onResult(r),
    });
    this.ctx.emit({ kind: 'sync', pulled: 0, pushed: 0, message: `lease ${this.lease.id}: ${this.lease.ms / 1000} s; reacting only while holding it` });
    await this.tick();
    if (!this.stopped) this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.lease.ms / 3)));
  }

  private onRound(r: SyncResult): void {
    const parts = [`${r.pulled} commit${r.pulled === 1 ? '' : 's'} pulled`];
    if (r.pushed) parts.push('pushed');
    if (r.resolved?.length) parts.push(`merge rule settled ${r.resolved.join(', ')}`);
    if (r.dropped?.length) parts.push(`dropped ${r.dropped.length} reaction${r.dropped.length === 1 ? '' : 's'} another daemon had made already (${r.dropped.join(', ')})`);
    if (r.proposals) parts.push(`proposals ${[r.proposals.pulled && 'pulled', r.proposals.pushed && 'pushed'].filter(Boolean).join(' and ')}`);
    this.ctx.emit({ kind: 'sync', pulled: r.pulled, pushed: r.pushed, message: parts.join(', ') });
    if (r.pulled && !this.ctx.stopping) this.hooks.pulled();
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped || !this.lease) return this.ticking ?? Promise.resolve();
    const lease = this.lease;
    this.ticking = (async () => {
      try {
        const was = this.reacting;
        const c = await lease.tick();
        if (c.kind === 'acquired') {
          this.ctx.emit({ kind: 'sync', pulled: 0, pushed: 0, message: c.takeover ? `took the lease over from ${c.previous ?? 'a daemon that stopped renewing it'}: syncing, then reacting to what has no reaction yet` : 'holding the lease: reacting' });
          // What the previous holder pushed is pulled (its reactions, and in review mode its proposals, count as
          // handled) before anything is handled.
          await this.syncNow();
          await this.hooks.caughtUp();
          this.active = true;
        } else if (c.kind === 'renewed' && !this.active) {
          // Held all along but not reacting (the remote was away): catch up before reacting again.
          await this.syncNow();
          await this.hooks.caughtUp();
          this.active = true;
        } else if (c.kind === 'lost') {
          this.active = false;
          this.ctx.emit({ kind: 'warning', message: `lease lost (${c.why}): following, not reacting` });
        } else if (c.kind === 'following') {
          this.ctx.emit({ kind: 'sync', pulled: 0, pushed: 0, message: `following: ${c.holder} holds the lease and reacts` });
        } else if (c.kind === 'unreachable' && !lease.holding) {
          this.active = false;
        }
        if (!was && this.reacting) this.hooks.reacting();
      } catch (e) {
        this.ctx.emit({ kind: 'warning', message: `lease check failed: ${errorLine(e)}` });
      }
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** A round now: after the daemon's own commit (its reactions reach the remote before the next trigger). */
  async syncNow(): Promise<void> {
    await this.follower?.now();
  }

  /** Every round: a holder whose reactions cannot reach the remote stops reacting until one succeeds. */
  private onResult(r: SyncResult | undefined): void {
    const was = this.reacting;
    this.publishing = !r?.warning;
    if (was && !this.publishing) this.ctx.emit({ kind: 'warning', message: 'reactions cannot reach the remote: not reacting until a round succeeds (another daemon may take the lease meanwhile)' });
    if (!was && this.reacting) this.hooks.reacting();
  }

  /** Stops the loops and hands the lease back. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.follower?.stop();
    await this.lease?.release();
  }
}
