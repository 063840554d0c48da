/**
 * The coordinator: watch → settle → plan → apply → commit, exactly once per doc (DESIGN.md, "The daemon").
 *
 * Exactly once: a doc is handled when a daemon doc with `re: <id>` is on disk or the cursor lists it. The cursor
 * is appended only after the reaction is committed; a crash in between leaves the reaction on disk, which counts,
 * and a reaction written but not committed is committed at the next start (see recover.ts). One daemon per
 * workspace: a pid lock in `.orchestra/state/daemon.pid`.
 *
 * This file wires the parts and runs the queue: ledger.ts (what is handled), settle.ts (invalid docs), decide.ts
 * (planner and brain), apply.ts (writes and commits), retry.ts (commit failures), periodic.ts (re-scans, archive,
 * health, sync), pid-lock.ts. `startDaemon` is the programmatic entry (`orchestra daemon`, `up` and `demo` call it
 * in-process).
 */
import path from 'node:path';
import { loadConfig } from '../store/config-file.js';
import type { Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import { DEFAULT_LIMITS, type Limits } from '../core/plan.js';
import { OrchestraError } from '../errors.js';
import { Git, docsGit } from '../store/git.js';
import { LiveDocs, openLiveDocsCount, type Change, type LiveEvent } from '../store/live-docs.js';
import { openWatcherCount } from '../store/watcher.js';
import type { Workspace } from '../store/workspace.js';
import type { Brain } from './brain.js';
import { createBrain } from './brains/index.js';
import { derive } from '../core/state.js';
import { applyBatch } from './apply.js';
import { BestEffortState } from './best-effort.js';
import type { DaemonContext } from './context.js';
import { decideBatch, reportDecision } from './decide.js';
import { Ledger } from './ledger.js';
import { errorLine, openEventLog, type DaemonEvent, type EventLog } from './log.js';
import { PeriodicWork } from './periodic.js';
import type { DaemonOptions } from './options.js';
import { acquireDaemonLock } from './pid-lock.js';
import { openNotifier, type Notifier } from './notify.js';
import { commitLeftovers, removeStaleTemps } from './recover.js';
import { CommitRetry } from './retry.js';
import { InvalidDocs } from './settle.js';
import { SyncRole } from './sync-role.js';

export type { DaemonOptions, PeriodicScan } from './options.js';
export { pidLockPath, runningDaemon } from './pid-lock.js';

export interface DaemonStats {
  pid: number;
  brain: string;
  startedAt: string;
  liveDocs: number;
  invalidDocs: number;
  queued: number;
  /** Docs handled by this run (reacted to or logged). */
  handled: number;
  /** Reaction docs written by this run. */
  reactions: number;
  commits: number;
  errors: number;
  lastEventAt: string | null;
  /** Live doc models and file watchers open in this process (one of each, however many readers share them). */
  liveModels: number;
  watchers: number;
}

export interface DaemonHandle {
  /** Resolves when the start-up scan is done and the watcher is live (rejects if start-up failed). */
  ready: Promise<void>;
  /** Resolves when nothing is queued, settling or being handled. */
  idle(): Promise<void>;
  /** Finishes the reaction in hand, releases the lock; idempotent. */
  stop(): Promise<void>;
  stats(): DaemonStats;
  /** Resolves when the daemon has stopped (by `stop()`, or by itself after `--once`). */
  done: Promise<void>;
}

const BATCH = 250;

/** The orchestrator; its parts (ledger, settling, periodic work, decisions) get it as their `DaemonContext`. */
class Daemon implements DaemonContext {
  readonly ws: Workspace;
  private readonly opts: DaemonOptions;
  readonly now: () => Date;
  private readonly limits: Limits;
  config: Config;
  readonly git: Git;
  private brain!: Brain;
  private events!: EventLog;
  private release!: () => void;
  readonly live: LiveDocs;
  private readonly ownsLive: boolean;
  private unsubscribe: (() => void) | undefined;
  private readonly ledger: Ledger;
  private readonly invalid: InvalidDocs;
  private readonly periodic: PeriodicWork;
  private readonly role: SyncRole; // with `sync:`: following, the lease, pushing reactions at once
  readonly queue = new Set<string>();
  private pumping: Promise<void> | undefined;
  private readonly retry: CommitRetry;
  /** Alerts and cursor writes are best effort: each failing one is said once, and the daemon goes on. */
  readonly state: BestEffortState;
  private booted = false;
  stopping = false;
  private stopped: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private notifier: Notifier | undefined;
  private resolveDone!: () => void;
  readonly done: Promise<void>;
  private readonly counts = { handled: 0, reactions: 0, commits: 0, errors: 0 };
  private lastEventAt: string | null = null;
  private readonly startedAt: Date;

  constructor(ws: Workspace, opts: DaemonOptions) {
    this.ws = ws;
    this.opts = opts;
    this.now = opts.now ?? (() => new Date());
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.config = opts.live?.config ?? opts.config ?? loadConfig(ws);
    this.git = opts.git ?? opts.live?.git ?? docsGit(ws);
    this.ownsLive = !opts.live;
    // The daemon's own periodic scan drives full re-scans (every `rescanMs`), so the model's timer rarely fires.
    this.live = opts.live ?? new LiveDocs(ws, { config: this.config, git: this.git, rescanMs: opts.rescanMs });
    this.state = new BestEffortState(ws, this.now, (message) => this.emit({ kind: 'warning', message }));
    this.ledger = new Ledger(this);
    this.retry = new CommitRetry(this, () => this.pump());
    this.invalid = new InvalidDocs(this, opts.settleMs ?? 300, (c) => this.consider(c));
    this.periodic = new PeriodicWork(this, opts);
    this.role = new SyncRole(this, { pulled: () => this.periodic.rescan('after pull'), reacting: () => this.wake(), caughtUp: () => this.ledger.refreshProposed() });
    this.startedAt = this.now();
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Takes the pid lock and builds the brain; throws (with the lock released) when either fails. */
  async open(): Promise<void> {
    const release = acquireDaemonLock(this.ws);
    this.release = release;
    try {
      this.brain = await createBrain(this.opts.brain ?? this.config.brain.kind, {
        ws: this.ws,
        config: this.config,
        now: this.now,
        onLogError: (e) => this.state.faults.failed('brain log', `${e.message}; the brain goes on without its log`),
      });
    } catch (e) {
      release();
      throw e;
    }
    this.events = openEventLog(this.ws, this.opts.log ?? ((line) => process.stderr.write(`${line}\n`)), this.now);
    // A commit that waits on another process's git lock says so in the daemon's log.
    this.git.notice = (message) => this.emit({ kind: 'warning', message });
  }

  emit(e: DaemonEvent): void {
    this.lastEventAt = this.now().toISOString();
    this.events.event(e);
  }

  /** Pumps the queue, then resolves the idle waiters if nothing is left. */
  wake(): void {
    this.pump();
    this.checkIdle();
  }

  // ---- start-up ----------------------------------------------------------------------------------------------

  async boot(): Promise<void> {
    removeStaleTemps(this.ws);
    await this.live.load();
    const recovered = await commitLeftovers(this.git, (p) => this.live.entry(p)?.doc, (id) => this.live.byId(id));
    if (recovered) this.emit({ kind: 'recovered', docs: recovered.docs, commit: recovered.commit });
    // Where another clone's daemon has held the lease, what has no reaction yet is handled, never adopted.
    const shared = !this.opts.once && (await this.role.shared());
    const adopted = await this.ledger.load(!!this.opts.catchUp || shared, { ignoreHistory: shared });

    this.invalid.resolveStale();
    if (this.config.notify) {
      const docs = this.live.docs();
      const derived = derive(docs, this.config);
      const log = (message: string) => this.emit({ kind: 'warning', message });
      this.notifier = openNotifier({ ws: this.ws, config: this.config.notify, log, now: this.now, docs, isResolved: (d) => derived.isResolved(d) });
    }
    // Everything the model holds is new to this run (a shared model may have read it before the daemon started);
    // from here on its events arrive through the subscription, in the same turn as the read that found them.
    for (const entry of this.live.entries()) this.consider(entry.problems ? { kind: 'invalid', entry } : { kind: 'added', entry });
    this.unsubscribe = this.live.subscribe((e) => this.onLive(e));
    this.emit({
      kind: 'start',
      pid: process.pid,
      brain: this.brain.name,
      liveDocs: this.live.size,
      adopted,
      pending: this.queue.size,
      catchUp: !!this.opts.catchUp,
      once: !!this.opts.once,
    });

    if (!this.opts.once) await this.periodic.start().then(() => this.role.start());
    this.booted = true;
    this.wake();
  }

  // ---- events → live docs → queue ----------------------------------------------------------------------------

  /** What the live doc model heard (from the watcher, a re-scan, or a refresh after a write). */
  private onLive(e: LiveEvent): void {
    if (this.stopping) return;
    if (e.kind === 'docs') for (const c of e.changes) this.consider(c);
    else if (e.kind === 'config') this.config = e.config;
    else if (e.kind === 'config_invalid') this.emit({ kind: 'warning', message: `orchestra.yaml changed but is invalid, keeping the previous config: ${errorLine(e.message)}` });
    else if (e.kind === 'missed') this.emit({ kind: 'rescan', reason: 'missed events', changed: e.paths, queued: 0, ms: 0 });
    else if (e.kind === 'watch_error') this.emit({ kind: 'warning', message: `watcher: ${errorLine(e.message)}` });
    if (e.kind === 'docs' || e.kind === 'config' || e.kind === 'settled') this.wake();
  }

  private consider(c: Change): void {
    if (c.kind === 'same') return;
    const relPath = c.kind === 'removed' ? c.rel : c.entry.rel;
    if (c.kind === 'invalid') {
      this.dropReaction(relPath);
      this.invalid.invalid(c.entry);
      return;
    }
    this.invalid.cleared(relPath);
    if (c.kind === 'removed') {
      this.dropReaction(relPath);
      return;
    }
    const doc = c.entry.doc!;
    this.notifier?.doc(doc, (id) => this.live.byId(id));
    if (doc.from === 'daemon') {
      if (doc.re && this.ledger.addReaction(relPath, doc.re)) this.queue.delete(doc.re);
      return;
    }
    if (!this.ledger.isHandled(doc.id)) this.queue.add(doc.id);
  }

  /** A daemon doc left the disk: its trigger is queued again unless the cursor lists it (see ledger.ts). */
  private dropReaction(relPath: string): void {
    const trigger = this.ledger.dropReaction(relPath);
    if (trigger && this.live.byId(trigger)) this.queue.add(trigger);
  }

  // ---- handling ----------------------------------------------------------------------------------------------

  private pump(): void {
    if (this.pumping || this.stopping || this.retry.waiting || !this.queue.size) return;
    if (!this.opts.once && !this.role.reacting) return; // with `sync:`, only the lease holder reacts
    this.pumping = (async () => {
      while (this.queue.size && !this.stopping && !this.retry.waiting && (this.opts.once || this.role.reacting)) {
        const batch: Doc[] = [];
        for (const id of this.queue) {
          const d = this.live.byId(id);
          if (!d || this.ledger.isHandled(id) || d.from === 'daemon') this.queue.delete(id);
          else batch.push(d);
        }
        if (!batch.length) break;
        batch.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1));
        await this.handleBatch(batch.slice(0, BATCH));
      }
    })()
      .catch((e) => {
        this.counts.errors++;
        this.emit({ kind: 'error', message: `handling failed: ${errorLine(e)}` });
        // Whatever threw, what is queued is tried again soon, not left for the next periodic scan.
        if (!this.opts.once && this.queue.size) this.retry.schedule();
      })
      .finally(() => {
        this.pumping = undefined;
        this.checkIdle();
      });
  }

  private async handleBatch(batch: Doc[]): Promise<void> {
    const now = this.now();
    const planned = await decideBatch(this, this.brain, this.limits, batch, now);

    let applied;
    try {
      applied = await applyBatch(this.ws, this.git, planned, now, { review: !!(this.opts.review || this.config.review) });
    } catch (e) {
      this.counts.errors++;
      const error = errorLine(e);
      this.retry.failed(planned.map((p) => p.trigger.id), error, !!this.opts.once);
      if (this.opts.once) {
        for (const p of planned) this.queue.delete(p.trigger.id);
        throw new OrchestraError(`could not commit the daemon's reactions: ${error}`);
      }
      return;
    }
    this.retry.succeeded();

    for (const a of applied.authored) {
      this.counts.commits++;
      this.emit({ kind: 'committed_author', docs: a.docs, author: a.author, commit: a.commit });
    }
    if (applied.commit) this.counts.commits++;
    const ids: string[] = [];
    planned.forEach((p, i) => {
      if (applied.vanished?.has(p.trigger.id)) {
        this.queue.delete(p.trigger.id);
        return;
      }
      const written = applied.written[i];
      if (!applied.proposed) for (const w of written) this.live.refresh(path.join(this.ws.root, w.path));
      else this.notifier?.proposed(written, p.reaction.docs, (id) => this.live.byId(id), applied.proposed);
      this.ledger.markHandled(p.trigger.id);
      this.queue.delete(p.trigger.id);
      ids.push(p.trigger.id);
      this.counts.handled++;
      this.counts.reactions += written.length;
      reportDecision(this, p, written, now, applied.proposed);
    });
    this.ledger.append(ids);
    // Budget and breaker alerts are raised while deciding: tell the lead now rather than at the next poll.
    this.notifier?.checkAlerts();
    // With `sync:`, the reactions reach the remote before the next trigger is handled (see sync-role.ts).
    if (applied.commit || applied.authored.length) await this.role.syncNow();
  }

  // ---- idle / stop -------------------------------------------------------------------------------------------

  private isIdle(): boolean {
    return this.booted && !this.pumping && this.live.settled && this.invalid.settlingCount === 0 && (this.queue.size === 0 || this.stopping || (!this.opts.once && !this.role.reacting));
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.waiters.splice(0)) w();
  }

  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.checkIdle();
    });
  }

  stop(reason = 'stopped'): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.periodic.stop();
      this.invalid.stop();
      this.retry.stop();
      this.unsubscribe?.();
      if (this.ownsLive) await this.live.close().catch(() => undefined);
      // The reaction in hand is finished (or rolled back by the writer) before the lock goes.
      await this.pumping;
      await this.periodic.drain();
      await this.role.stop().catch(() => undefined);
      await this.brain.close?.().catch(() => undefined);
      await this.notifier?.close();
      this.emit({ kind: 'stop', reason, handled: this.counts.handled, reactions: this.counts.reactions });
      this.events.close();
      this.release();
      for (const w of this.waiters.splice(0)) w();
      this.resolveDone();
    })();
    return this.stopped;
  }

  stats(): DaemonStats {
    return {
      pid: process.pid,
      brain: this.brain.name,
      startedAt: this.startedAt.toISOString(),
      liveDocs: this.live.size,
      invalidDocs: this.invalid.size,
      queued: this.queue.size,
      ...this.counts,
      lastEventAt: this.lastEventAt,
      liveModels: openLiveDocsCount(),
      watchers: openWatcherCount(),
    };
  }
}

/**
 * Starts the daemon on a workspace. Throws at once (exit 1 from the CLI) when another daemon holds the workspace,
 * the config is invalid or the brain is unavailable; everything after that is reported through `ready`.
 */
export async function startDaemon(ws: Workspace, opts: DaemonOptions = {}): Promise<DaemonHandle> {
  const d = new Daemon(ws, opts);
  await d.open();
  const ready = d.boot();
  ready.catch(async () => {
    await d.stop('start-up failed');
  });
  if (opts.once) {
    void ready
      .then(() => d.idle())
      .then(() => d.stop('--once: done'))
      .catch(() => undefined);
  }
  return {
    ready,
    idle: () => d.idle(),
    stop: () => d.stop(),
    stats: () => d.stats(),
    done: d.done,
  };
}
