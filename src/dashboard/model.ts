/**
 * The dashboard's side of the live doc model (src/store/live-docs.ts): the snapshot the views read, the versions
 * the page's caches key on, and the model's events gathered into one server-sent `change` per burst. The model is
 * the caller's when given (`orchestra up` shares the daemon's), else the dashboard opens its own.
 */
import type { Config } from '../core/config.js';
import type { Git } from '../store/git.js';
import { LiveDocs, type LiveEvent, type LiveView } from '../store/live-docs.js';
import type { Workspace } from '../store/workspace.js';

/** What changed, pushed to the page over server-sent events. */
export interface ChangeEvent {
  version: number;
  docs: string[];
  alerts: boolean;
  timeline: boolean;
  config: boolean;
}

/** Every doc (live and archived), the derived state and problems: the live model's view. */
export type Snapshot = LiveView;

export interface ModelOptions {
  config: Config;
  git: Git;
  onChange: (e: ChangeEvent) => void;
  log?: (line: string) => void;
  /** How long to gather model events before telling the page (a burst becomes one change). */
  settleMs?: number;
  /** Safety re-scan interval of a model the dashboard opens itself; 0 turns it off. */
  rescanMs?: number;
  /** A live doc model shared with the daemon; its owner closes it. */
  live?: LiveDocs;
}

export class LiveModel {
  readonly ws: Workspace;
  readonly git: Git;
  private readonly live: LiveDocs;
  private readonly owns: boolean;
  private readonly opts: ModelOptions;
  private alertsVersion = 0;
  private timelineVersion = 0;
  private pending: ChangeEvent | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private unsubscribe: () => void = () => {};
  private closed = false;

  private constructor(ws: Workspace, opts: ModelOptions) {
    this.ws = ws;
    this.opts = opts;
    this.owns = !opts.live;
    this.live = opts.live ?? new LiveDocs(ws, { config: opts.config, git: opts.git, rescanMs: opts.rescanMs ?? 30_000 });
    this.git = this.live.git;
  }

  /** Reads every doc (archive included) once and follows the model's changes. */
  static async open(ws: Workspace, opts: ModelOptions): Promise<LiveModel> {
    const model = new LiveModel(ws, opts);
    const { live } = model;
    model.unsubscribe = live.subscribe((e) => model.onLive(e));
    live.includeArchive();
    live.keepCreatedCurrent();
    try {
      await live.load();
      await live.watch();
    } catch (e) {
      await model.close();
      throw e;
    }
    return model;
  }

  get versions(): { docs: number; alerts: number; timeline: number } {
    return { docs: this.live.version, alerts: this.alertsVersion, timeline: this.timelineVersion };
  }

  /** Docs sorted by creation, the derived state and problems; rebuilt once per change, shared until the next. */
  snapshot(): Snapshot {
    return this.live.view('all');
  }

  /** Re-reads one doc file now (after our own write, so the writer reads it back at once). */
  refreshFile(abs: string): void {
    this.live.refresh(abs);
  }

  private onLive(e: LiveEvent): void {
    if (this.closed) return;
    const ev = (this.pending ??= { version: 0, docs: [], alerts: false, timeline: false, config: false });
    if (e.kind === 'docs') {
      for (const c of [...e.changes, ...e.archived]) {
        const doc = c.kind === 'removed' ? c.doc : c.kind === 'same' ? undefined : c.entry.doc;
        if (doc) ev.docs.push(doc.id);
      }
    } else if (e.kind === 'config') ev.config = true;
    else if (e.kind === 'alerts') {
      this.alertsVersion++;
      ev.alerts = true;
    } else if (e.kind === 'timeline') {
      this.timelineVersion++;
      ev.timeline = true;
    } else if (e.kind === 'config_invalid') {
      // A shared model's owner (the daemon) says it already, in the same log.
      if (this.owns) this.opts.log?.(`dashboard: orchestra.yaml is invalid, keeping the previous config: ${e.message.split('\n')[0]}`);
      return;
    } else if (e.kind === 'watch_error') {
      if (this.owns) this.opts.log?.(`dashboard: watch error: ${e.message}`);
      return;
    } else return;
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      const out = this.pending;
      this.pending = undefined;
      if (!out || this.closed) return;
      out.version = this.live.version;
      this.opts.onChange(out);
    }, this.opts.settleMs ?? 20);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.settleTimer);
    this.unsubscribe();
    if (this.owns) await this.live.close();
  }
}
