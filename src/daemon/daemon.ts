/**
 * The coordinator: watch → settle → plan → apply → commit, exactly once per doc (DESIGN.md, "The daemon").
 *
 * Exactly once: a doc is handled when a daemon doc with `re: <id>` is on disk or the cursor lists it. The cursor
 * is appended only after the reaction is committed; a crash in between leaves the reaction on disk, which counts,
 * and a reaction written but not committed is committed at the next start (see recover.ts). One daemon per
 * workspace: a pid lock in `.orchestra/state/daemon.pid`.
 *
 * `startDaemon` is the programmatic entry (`orchestra daemon`, `up` and `demo` call it in-process).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../store/config-file.js';
import type { BrainKind, Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import { derive, type Derived } from '../core/state.js';
import { DEFAULT_LIMITS, escalation, planTrigger, reactionsFor, recentReactions, type Limits, type PlanInput, type Reaction } from '../core/plan.js';
import { planArchive } from '../core/archive.js';
import { backoffMs, type Backoff } from '../core/backoff.js';
import { OrchestraError, formatProblem } from '../errors.js';
import { openAlerts } from '../store/alerts.js';
import { archiveSettled } from '../store/archive.js';
import { appendCursor, readCursor, writeCursor } from '../store/cursor.js';
import { renderBriefing } from '../core/briefing.js';
import { handledFromHistory, lastDaemonCommit } from '../store/cursor-history.js';
import { Git } from '../store/git.js';
import { LiveDocs, openLiveDocsCount, type Change, type LiveEvent } from '../store/live-docs.js';
import { openWatcherCount } from '../store/watcher.js';
import { lockHolder, readLock, tryAcquireLock } from '../store/lock.js';
import type { Workspace } from '../store/workspace.js';
import type { Brain } from './brain.js';
import { createBrain } from './brains/index.js';
import { applyBatch, type Planned } from './apply.js';
import { BestEffortState } from './best-effort.js';
import { openEventLog, type DaemonEvent, type EventLog } from './log.js';
import { openNotifier, type Notifier } from './notify.js';
import { commitLeftovers, removeStaleTemps } from './recover.js';
import { syncOnce } from './sync.js';

/** What the periodic-scan hook gets (health checks: conflicts, stalled workers...). */
export interface PeriodicScan {
  ws: Workspace;
  config: Config;
  git: Git;
  /** Live docs, oldest first. */
  docs: readonly Doc[];
  derived: Derived;
  now: Date;
  /** Writes a line to the daemon's log. */
  log: (message: string) => void;
}

export interface DaemonOptions {
  brain?: BrainKind;
  /** Handle what is new, then stop (for cron or CI). */
  once?: boolean;
  /** On the first start in a workspace, handle existing docs instead of adopting them as handled. */
  catchUp?: boolean;
  /** Where readable lines go (default: stderr). */
  log?: (line: string) => void;
  now?: () => Date;
  /** Full re-scan period (default 60 s). */
  rescanMs?: number;
  /** How long an invalid file must stay unchanged before it is reported (half-written files; default 300 ms). */
  settleMs?: number;
  /** Loop guards. */
  limits?: Partial<Limits>;
  /** Called on every periodic scan, after the re-scan, the archive run and the health scan. Errors are logged, never fatal. */
  onPeriodicScan?: (scan: PeriodicScan) => void | Promise<void>;
  /** Already-loaded config and git (callers that have them). */
  config?: Config;
  git?: Git;
  /** A live doc model shared with other readers (`orchestra up`); the caller closes it. Else the daemon opens its own. */
  live?: LiveDocs;
}

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
const WATCHER_READY_MS = 20_000;
/** A failed commit is tried again soon (most causes pass: a lock, a moment of full disk), then less often. */
const COMMIT_RETRY: Backoff = { baseMs: 1000, capMs: 30_000, jitter: 0.2 };

export function pidLockPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'daemon.pid');
}

function msg(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim().slice(0, 300);
}

class Daemon {
  private readonly ws: Workspace;
  private readonly opts: DaemonOptions;
  private readonly now: () => Date;
  private readonly limits: Limits;
  private config: Config;
  private readonly git: Git;
  private brain!: Brain;
  private events!: EventLog;
  private release!: () => void;
  private readonly live: LiveDocs;
  private readonly ownsLive: boolean;
  private unsubscribe: (() => void) | undefined;
  /** Ids the cursor lists, plus those handled by this run. */
  private readonly handled = new Set<string>();
  /** Daemon docs on disk per trigger id, and the trigger of each daemon doc by path. */
  private readonly reactions = new Map<string, number>();
  private readonly reactionAt = new Map<string, string>();
  private readonly queue = new Set<string>();
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private readonly invalidAlerts = new Map<string, string>();
  private pumping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed batches in a row (the commit retry's attempt number). */
  private commitFailures = 0;
  /** Alerts and cursor writes are best effort: each failing one is said once, and the daemon goes on. */
  private readonly state: BestEffortState;
  private booted = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> | undefined;
  private syncSoon: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
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
    this.git = opts.git ?? opts.live?.git ?? new Git(ws.root, ws.gitDir);
    this.ownsLive = !opts.live;
    // The daemon's own periodic scan drives full re-scans (every `rescanMs`), so the model's timer rarely fires.
    this.live = opts.live ?? new LiveDocs(ws, { config: this.config, git: this.git, rescanMs: opts.rescanMs });
    this.state = new BestEffortState(ws, this.now, (message) => this.emit({ kind: 'warning', message }));
    this.startedAt = this.now();
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Takes the pid lock and builds the brain; throws (with the lock released) when either fails. */
  async open(): Promise<void> {
    mkdirSync(this.ws.stateDir, { recursive: true });
    const lock = pidLockPath(this.ws);
    const release = tryAcquireLock(lock, { purpose: 'daemon' });
    if (!release) {
      const holder = readLock(lock);
      throw new OrchestraError(`another daemon${holder ? ` (pid ${holder.pid})` : ''} is already running in this workspace: stop it first (or delete ${lock} if no daemon is running)`);
    }
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

  private emit(e: DaemonEvent): void {
    this.lastEventAt = this.now().toISOString();
    this.events.event(e);
  }

  // ---- start-up ----------------------------------------------------------------------------------------------

  async boot(): Promise<void> {
    removeStaleTemps(this.ws);
    await this.live.load();
    const recovered = await commitLeftovers(this.git, (p) => this.live.entry(p)?.doc, (id) => this.live.byId(id));
    if (recovered) this.emit({ kind: 'recovered', docs: recovered.docs, commit: recovered.commit });

    const reacted = new Set<string>();
    for (const d of this.live.docs()) if (d.from === 'daemon' && d.re) reacted.add(d.re);
    const cursor = readCursor(this.ws);
    let adopted = 0;
    const liveIds = new Set(this.live.docs().map((d) => d.id));
    const lastDaemon = cursor.existed ? undefined : await lastDaemonCommit(this.git);
    if (lastDaemon) {
      // No state folder, but this daemon has worked here before: not a first start (see cursor-history.ts).
      for (const id of handledFromHistory(this.live.docs(), lastDaemon)) this.handled.add(id);
      writeCursor(this.ws, [...this.handled].filter((id) => liveIds.has(id)));
      this.emit({ kind: 'warning', message: `no daemon cursor but daemon commits up to ${lastDaemon}: cursor rebuilt from history` });
    } else if (!cursor.existed) {
      if (!this.opts.catchUp) {
        for (const d of this.live.docs()) {
          if (d.from === 'daemon') continue;
          if (!reacted.has(d.id)) adopted++;
          this.handled.add(d.id);
        }
      }
      this.state.cursor(() => writeCursor(this.ws, [...this.handled].filter((id) => liveIds.has(id))));
    } else {
      // Compaction: the cursor keeps only live ids (archived docs are never seen again), and loses a torn line.
      for (const id of cursor.handled) if (liveIds.has(id)) this.handled.add(id);
      this.state.cursor(() => writeCursor(this.ws, [...cursor.handled].filter((id) => liveIds.has(id))));
    }

    this.resolveStaleInvalidAlerts();
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

    if (!this.opts.once) {
      // chokidar's `ready` can be late (or, after a file vanished mid-scan, never come): the re-scans below cover
      // anything it has not reported, so start-up does not wait on it forever.
      let late: NodeJS.Timeout | undefined;
      const ready = await Promise.race([
        this.live.watch().then(() => true),
        new Promise<boolean>((r) => (late = setTimeout(() => r(false), WATCHER_READY_MS))),
      ]);
      clearTimeout(late);
      if (!ready) this.emit({ kind: 'warning', message: `the file watcher is not ready after ${WATCHER_READY_MS / 1000} s; going on with re-scans` });
      // Anything written between the first scan and the watcher going live.
      this.rescan('watcher ready');
      const every = this.opts.rescanMs ?? 60_000;
      this.timers.push(setInterval(() => void this.periodic(), every));
      if (this.config.sync) {
        this.timers.push(setInterval(() => void this.sync(), this.config.sync.intervalMs));
        void this.sync();
      }
    }
    this.booted = true;
    this.pump();
    this.checkIdle();
  }

  /** Invalid-doc alerts of files that were fixed or removed while no daemon ran. */
  private resolveStaleInvalidAlerts(): void {
    const current = new Set(this.live.invalid().map((e) => this.invalidKey(e.rel, e.hash)));
    for (const a of openAlerts(this.ws)) {
      if (a.kind === 'invalid_doc' && a.key?.startsWith('invalid_doc:') && !current.has(a.key)) this.state.resolve(a.key);
    }
  }

  // ---- events → live docs → queue ----------------------------------------------------------------------------

  /** What the live doc model heard (from the watcher, a re-scan, or a refresh after a write). */
  private onLive(e: LiveEvent): void {
    if (this.stopping) return;
    if (e.kind === 'docs') for (const c of e.changes) this.consider(c);
    else if (e.kind === 'config') this.config = e.config;
    else if (e.kind === 'config_invalid') this.emit({ kind: 'warning', message: `orchestra.yaml changed but is invalid, keeping the previous config: ${msg(e.message)}` });
    else if (e.kind === 'missed') this.emit({ kind: 'rescan', reason: 'missed events', changed: e.paths, queued: 0, ms: 0 });
    else if (e.kind === 'watch_error') this.emit({ kind: 'warning', message: `watcher: ${msg(e.message)}` });
    if (e.kind === 'docs' || e.kind === 'config' || e.kind === 'settled') {
      this.pump();
      this.checkIdle();
    }
  }

  private invalidKey(relPath: string, hash: string): string {
    return `invalid_doc:${relPath}:${hash.slice(0, 16)}`;
  }

  private consider(c: Change): void {
    if (c.kind === 'same') return;
    const relPath = c.kind === 'removed' ? c.rel : c.entry.rel;
    const previous = this.invalidAlerts.get(relPath);
    if (c.kind === 'invalid') {
      const key = this.invalidKey(relPath, c.entry.hash);
      this.dropReaction(relPath);
      if (previous === key) return;
      const age = this.now().getTime() - c.entry.mtimeMs;
      const settle = this.opts.settleMs ?? 300;
      if (age < settle && !this.settling.has(relPath)) {
        // Maybe half-written: look again once it has been still for a moment.
        const abs = path.join(this.ws.root, relPath);
        this.settling.set(
          relPath,
          setTimeout(() => {
            this.settling.delete(relPath);
            if (this.stopping) return;
            // A change is heard through the subscription; unchanged since: still invalid, and now old enough to report.
            const again = this.live.refresh(abs);
            const entry = this.live.entry(relPath);
            if (again.kind === 'same' && entry?.problems) this.consider({ kind: 'invalid', entry });
            this.pump();
            this.checkIdle();
          }, settle - Math.max(0, age) + 20),
        );
        return;
      }
      if (this.settling.has(relPath)) return;
      if (previous) this.state.resolve(previous);
      this.invalidAlerts.set(relPath, key);
      const problems = (c.entry.problems ?? []).map((p) => (p.field && p.field !== '-' ? `${p.field}: ${p.message}` : p.message)).join('; ');
      this.emit({ kind: 'invalid', file: relPath, problems });
      this.state.alert({
        level: 'warning',
        kind: 'invalid_doc',
        message: (c.entry.problems ?? []).map(formatProblem).join('; '),
        doc: path.basename(relPath, '.md'),
        key,
        data: { file: relPath },
      });
      return;
    }
    if (previous) {
      this.state.resolve(previous);
      this.invalidAlerts.delete(relPath);
    }
    if (c.kind === 'removed') {
      this.dropReaction(relPath);
      return;
    }
    const doc = c.entry.doc!;
    this.notifier?.doc(doc, (id) => this.live.byId(id));
    if (doc.from === 'daemon') {
      if (doc.re && !this.reactionAt.has(relPath)) {
        this.reactionAt.set(relPath, doc.re);
        this.reactions.set(doc.re, (this.reactions.get(doc.re) ?? 0) + 1);
        this.queue.delete(doc.re);
      }
      return;
    }
    if (!this.isHandled(doc.id)) this.queue.add(doc.id);
  }

  /** Handled: the cursor (or this run) lists it, or a daemon doc answering it is on disk. */
  private isHandled(id: string): boolean {
    return this.handled.has(id) || (this.reactions.get(id) ?? 0) > 0;
  }

  /**
   * A daemon doc left the disk: a reaction rolled back after a failed commit (or one deleted by hand). Its
   * trigger is handled again unless the cursor lists it, so nothing is lost.
   */
  private dropReaction(relPath: string): void {
    const trigger = this.reactionAt.get(relPath);
    if (!trigger) return;
    this.reactionAt.delete(relPath);
    const left = (this.reactions.get(trigger) ?? 1) - 1;
    if (left > 0) this.reactions.set(trigger, left);
    else {
      this.reactions.delete(trigger);
      if (!this.handled.has(trigger) && this.live.byId(trigger)) this.queue.add(trigger);
    }
  }

  /** Full reconcile with the disk (start, every period, after a pull). */
  private rescan(reason: string): void {
    const t0 = performance.now();
    const before = this.queue.size;
    // Considered through the subscription as they are found (orchestra.yaml is re-checked first).
    const changes = this.live.rescan();
    if (changes.length || reason !== 'periodic') {
      this.emit({ kind: 'rescan', reason, changed: changes.length, queued: this.queue.size - before, ms: performance.now() - t0 });
    }
    this.pump();
    this.checkIdle();
  }

  private async periodic(): Promise<void> {
    if (this.stopping || this.scanning) return;
    this.scanning = (async () => {
      this.rescan('periodic');
      await this.archive();
      const docs = this.live.docs();
      const derived = derive(docs, this.config);
      // Health (conflicts, stalled workers, unanswered escalations...) is checked here, so its alerts appear
      // without anyone running `status`. Live docs suffice: the archive holds only settled, older threads.
      try {
        const { refreshHealth } = await import('../store/health.js');
        await refreshHealth({ ws: this.ws, config: this.config, git: this.git, docs: [...docs], derived, problems: [] }, this.now());
        this.state.faults.recovered('health');
      } catch (e) {
        this.state.faults.failed('health', `health scan failed: ${msg(e)} (said once; the scan runs again every period)`);
      }
      if (this.opts.onPeriodicScan) {
        try {
          await this.opts.onPeriodicScan({
            ws: this.ws,
            config: this.config,
            git: this.git,
            docs,
            derived,
            now: this.now(),
            log: (message) => this.emit({ kind: 'warning', message }),
          });
        } catch (e) {
          this.emit({ kind: 'error', message: `periodic scan hook failed: ${msg(e)}` });
        }
      }
    })().finally(() => (this.scanning = undefined));
    await this.scanning;
  }

  private async archive(): Promise<void> {
    const docs = this.live.docs();
    // Planned on memory first, so the disk is read only when something is due.
    if (!planArchive(docs, derive(docs, this.config), this.config, this.now()).docs.length) return;
    try {
      const r = await archiveSettled(this.ws, this.git, this.config, { now: this.now(), actor: 'daemon' });
      if (r.moves.length) {
        this.emit({ kind: 'archive', moved: r.moves.length, threads: r.threads, commit: r.commit });
        for (const m of r.moves) this.live.refresh(path.join(this.ws.root, m.from));
      }
    } catch (e) {
      this.emit({ kind: 'error', message: `archive failed: ${msg(e)}` });
    }
  }

  private async sync(): Promise<void> {
    const cfg = this.config.sync;
    if (!cfg || this.stopping || this.syncing) return;
    this.syncing = (async () => {
      try {
        const r = await syncOnce(this.git, cfg);
        if (r.warning) this.emit({ kind: 'warning', message: `sync: ${r.warning}` });
        if (r.pulled || r.pushed) this.emit({ kind: 'sync', pulled: r.pulled, pushed: r.pushed, message: `${r.pulled} commit${r.pulled === 1 ? '' : 's'} pulled${r.pushed ? ', pushed' : ''}` });
        if (r.pulled && !this.stopping) this.rescan('after pull');
      } catch (e) {
        this.emit({ kind: 'warning', message: `sync failed: ${msg(e)}` });
      }
    })().finally(() => (this.syncing = undefined));
    await this.syncing;
  }

  private scheduleSync(): void {
    if (!this.config.sync || this.syncSoon || this.stopping) return;
    this.syncSoon = setTimeout(() => {
      this.syncSoon = undefined;
      void this.sync();
    }, 300);
  }

  // ---- handling ----------------------------------------------------------------------------------------------

  private pump(): void {
    if (this.pumping || this.stopping || this.retryTimer || !this.queue.size) return;
    this.pumping = (async () => {
      while (this.queue.size && !this.stopping && !this.retryTimer) {
        const batch: Doc[] = [];
        for (const id of this.queue) {
          const d = this.live.byId(id);
          if (!d || this.isHandled(id) || d.from === 'daemon') this.queue.delete(id);
          else batch.push(d);
        }
        if (!batch.length) break;
        batch.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1));
        await this.handleBatch(batch.slice(0, BATCH));
      }
    })()
      .catch((e) => {
        this.counts.errors++;
        this.emit({ kind: 'error', message: `handling failed: ${msg(e)}` });
        // Whatever threw, what is queued is tried again soon, not left for the next periodic scan.
        if (!this.opts.once && this.queue.size) this.scheduleRetry();
      })
      .finally(() => {
        this.pumping = undefined;
        this.checkIdle();
      });
  }

  private promptOf(worker: string): string | undefined {
    const w = this.config.workers.find((x) => x.name === worker);
    if (!w) return undefined;
    try {
      // Only a regular file inside the repository: a committed symbolic link could point at any file of the machine,
      // and with the anthropic brain the prompt is sent to the API.
      const abs = path.join(this.ws.root, w.prompt);
      if (lstatSync(abs).isSymbolicLink() || !realpathSync(abs).startsWith(realpathSync(this.ws.root) + path.sep)) return undefined;
      return renderBriefing(this.config, worker, readFileSync(abs, 'utf8'));
    } catch {
      return undefined;
    }
  }

  private async decide(input: PlanInput): Promise<{ reaction: Reaction; decision: string; brainMs?: number }> {
    const step = planTrigger(input);
    if (step.kind === 'log') return { reaction: { docs: [], message: step.message }, decision: 'log' };
    if (step.kind === 'escalate') return { reaction: { docs: step.reactions, message: step.reason, guard: step.guard }, decision: 'escalate' };
    const t0 = performance.now();
    try {
      const decision = await this.brain.decide({
        kind: step.request,
        trigger: input.trigger,
        snapshot: { config: input.config, docs: input.docs, derived: input.derived, now: input.now },
        prompt: this.brain.name === 'rules' ? undefined : this.promptOf(input.trigger.worker),
      });
      return { reaction: reactionsFor(input, decision), decision: decision.action, brainMs: performance.now() - t0 };
    } catch (e) {
      this.emit({ kind: 'brain_error', trigger: input.trigger.id, error: msg(e) });
      const t = input.trigger;
      return {
        reaction: { docs: [escalation(t, `Needs the lead: ${t.title}`, `the ${this.brain.name} brain could not decide (${msg(e)}).`)], message: 'brain failed: escalated' },
        decision: 'escalate',
        brainMs: performance.now() - t0,
      };
    }
  }

  private async handleBatch(batch: Doc[]): Promise<void> {
    const now = this.now();
    const docs = this.live.docs();
    const derived = derive(docs, this.config);
    const recent = recentReactions(docs, now);
    const planned: Planned[] = [];
    for (const trigger of batch) {
      const started = performance.now();
      const input: PlanInput = { trigger, docs, derived, config: this.config, now, limits: this.limits, recentToWorker: recent };
      const { reaction, decision, brainMs } = await this.decide(input);
      for (const r of reaction.docs) if (r.type === 'answer' || r.type === 'order') recent.set(r.to, (recent.get(r.to) ?? 0) + 1);
      planned.push({ trigger, reaction, decision, started, brainMs });
    }

    let applied;
    try {
      applied = await applyBatch(this.ws, this.git, planned, now);
    } catch (e) {
      this.counts.errors++;
      const error = msg(e);
      // The retry is set before anything else that could fail (the alert, the log), so it always happens.
      const retryInMs = this.opts.once ? 0 : this.scheduleRetry();
      this.emit({ kind: 'commit_failure', triggers: planned.map((p) => p.trigger.id), error, retryInMs });
      this.state.alert({ level: 'critical', kind: 'commit_failure', message: `the daemon could not commit its reactions: ${error}`, key: 'commit_failure' });
      if (this.opts.once) {
        for (const p of planned) this.queue.delete(p.trigger.id);
        throw new OrchestraError(`could not commit the daemon's reactions: ${error}`);
      }
      return;
    }
    if (this.commitFailures > 0) this.state.resolve('commit_failure');
    this.commitFailures = 0;

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
      for (const w of written) this.live.refresh(path.join(this.ws.root, w.path));
      this.handled.add(p.trigger.id);
      this.queue.delete(p.trigger.id);
      ids.push(p.trigger.id);
      this.counts.handled++;
      this.counts.reactions += written.length;
      if (p.reaction.guard) {
        this.emit({ kind: 'loop_guard', trigger: p.trigger.id, worker: p.trigger.from, message: p.reaction.guard });
        this.state.alert({
          level: 'warning',
          kind: 'loop_guard',
          message: `${p.reaction.guard}: escalated ${p.trigger.id} to the lead instead`,
          doc: p.trigger.id,
          key: `loop_guard:${p.trigger.from}:${now.toISOString().slice(0, 13)}`,
        });
      }
      this.emit({
        kind: 'trigger',
        trigger: p.trigger.id,
        type: p.trigger.type,
        from: p.trigger.from,
        worker: p.trigger.worker,
        decision: p.decision,
        message: p.reaction.message,
        reactions: written.map((w) => w.id),
        commit: written[0]?.commit,
        ms: performance.now() - p.started,
        brainMs: p.brainMs,
      });
    });
    this.state.cursor(() => appendCursor(this.ws, ids));
    // Budget and breaker alerts are raised while deciding: tell the lead now rather than at the next poll.
    this.notifier?.checkAlerts();
    if (applied.commit || applied.authored.length) this.scheduleSync();
  }

  /** Pumps the queue again after the commit retry's next delay; returns that delay. */
  private scheduleRetry(): number {
    if (this.retryTimer) return 0;
    this.commitFailures++;
    const delay = backoffMs(COMMIT_RETRY, this.commitFailures, Math.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
    return delay;
  }

  // ---- idle / stop -------------------------------------------------------------------------------------------

  private isIdle(): boolean {
    return this.booted && !this.pumping && this.live.settled && this.settling.size === 0 && (this.queue.size === 0 || this.stopping);
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
      for (const t of this.timers) clearInterval(t);
      for (const t of this.settling.values()) clearTimeout(t);
      this.settling.clear();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      if (this.syncSoon) clearTimeout(this.syncSoon);
      this.unsubscribe?.();
      if (this.ownsLive) await this.live.close().catch(() => undefined);
      // The reaction in hand is finished (or rolled back by the writer) before the lock goes.
      await this.pumping;
      await this.syncing;
      await this.scanning;
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
      invalidDocs: this.invalidAlerts.size,
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

/** Is a daemon running on this workspace? (For `status`/`doctor`: the lock's holder, if it still runs.) */
export function runningDaemon(ws: Workspace): { pid: number } | undefined {
  const file = pidLockPath(ws);
  if (!existsSync(file)) return undefined;
  const info = readLock(file);
  if (!info) return undefined;
  return lockHolder(info) === 'alive' ? { pid: info.pid } : undefined;
}
