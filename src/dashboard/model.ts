/**
 * The dashboard's in-memory picture of the workspace: every doc, kept current from a chokidar watch of
 * `.orchestra/docs` so a request never rereads thousands of files. Watch events are hints: only the named files
 * are re-read, and a periodic re-scan by signature (mtime + size) catches whatever the watcher missed.
 * Archived docs are read once at start (archive/ is not watched) and when a doc leaves docs/.
 */
import { isoTime } from '../core/time.js';
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { workerNames, type Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import { derive, type Derived } from '../core/state.js';
import type { Problem } from '../errors.js';
import { alertsPath } from '../store/alerts.js';
import { loadConfig } from '../store/config-file.js';
import { compareDocs, entryProblem, readDocFile } from '../store/docs.js';
import type { Git } from '../store/git.js';
import { loadWorkspace } from '../store/load.js';
import { rel, type Workspace } from '../store/workspace.js';

/** What changed, pushed to the page over server-sent events. */
export interface ChangeEvent {
  version: number;
  docs: string[];
  alerts: boolean;
  timeline: boolean;
  config: boolean;
}

export interface Snapshot {
  version: number;
  config: Config;
  docs: Doc[];
  derived: Derived;
  problems: Problem[];
}

interface Entry {
  doc?: Doc;
  problems: Problem[];
  sig: string;
}

export interface ModelOptions {
  config: Config;
  git: Git;
  onChange: (e: ChangeEvent) => void;
  log?: (line: string) => void;
  /** How long to gather watch events before applying them (a burst becomes one change). */
  settleMs?: number;
  /** Safety re-scan interval; 0 turns it off. */
  rescanMs?: number;
}

function isoOf(ms: number): string {
  return isoTime(ms);
}

/** A file's change signature, from lstat: a symbolic link is seen as a link (and refused), never followed. */
function signature(abs: string): string | undefined {
  try {
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) return `link:${st.mtimeMs}`;
    return st.isFile() ? `${st.mtimeMs}:${st.size}` : undefined;
  } catch {
    return undefined;
  }
}

export class LiveModel {
  readonly ws: Workspace;
  readonly git: Git;
  private config: Config;
  private readonly opts: ModelOptions;
  /** Live docs by absolute path. */
  private live = new Map<string, Entry>();
  /** Archived docs by absolute path. */
  private archived = new Map<string, Entry>();
  private snap?: Snapshot;
  private version = 0;
  private alertsVersion = 0;
  private timelineVersion = 0;
  private watcher?: FSWatcher;
  private pending = new Set<string>();
  private settleTimer?: NodeJS.Timeout;
  private rescanTimer?: NodeJS.Timeout;
  private createdTimer?: NodeJS.Timeout;
  private closed = false;
  /** Docs dated by their mtime until git says when they were first committed. */
  private createdPending = new Set<string>();
  private readonly headLog: string;

  private constructor(ws: Workspace, opts: ModelOptions) {
    this.ws = ws;
    this.git = opts.git;
    this.config = opts.config;
    this.opts = opts;
    this.headLog = path.join(ws.gitDir, 'logs', 'HEAD');
  }

  /** Loads every doc once (through `loadWorkspace`, like the CLI) and starts watching. */
  static async open(ws: Workspace, opts: ModelOptions): Promise<LiveModel> {
    const model = new LiveModel(ws, opts);
    await model.fullLoad();
    await model.startWatching();
    return model;
  }

  get versions(): { docs: number; alerts: number; timeline: number } {
    return { docs: this.version, alerts: this.alertsVersion, timeline: this.timelineVersion };
  }

  /** Docs sorted by creation, the derived state and problems; rebuilt once per change, shared until the next. */
  snapshot(): Snapshot {
    if (this.snap && this.snap.version === this.version) return this.snap;
    const docs: Doc[] = [];
    const problems: Problem[] = [];
    const seen = new Set<string>();
    // Live docs win over an archived copy of the same id (a doc moved back, or mid-move).
    for (const map of [this.live, this.archived]) {
      for (const e of map.values()) {
        problems.push(...e.problems);
        if (e.doc && !seen.has(e.doc.id)) {
          seen.add(e.doc.id);
          docs.push(e.doc);
        }
      }
    }
    docs.sort(compareDocs);
    this.snap = { version: this.version, config: this.config, docs, derived: derive(docs, this.config), problems };
    return this.snap;
  }

  private async fullLoad(): Promise<void> {
    const loaded = await loadWorkspace(this.ws, { config: this.config, git: this.git });
    const live = new Map<string, Entry>();
    const archived = new Map<string, Entry>();
    for (const doc of loaded.docs) {
      const abs = path.join(this.ws.root, doc.path);
      (doc.archived ? archived : live).set(abs, { doc, problems: [], sig: signature(abs) ?? '' });
    }
    for (const p of loaded.problems) {
      const abs = path.join(this.ws.root, p.file);
      const map = abs.startsWith(this.ws.archiveDir + path.sep) ? archived : live;
      const e = map.get(abs) ?? { problems: [], sig: signature(abs) ?? '' };
      e.problems.push(p);
      map.set(abs, e);
    }
    this.live = live;
    this.archived = archived;
    this.version++;
  }

  private async startWatching(): Promise<void> {
    const docsDir = this.ws.docsDir;
    const watcher = watch([docsDir, alertsPath(this.ws), this.headLog, this.ws.configPath], {
      ignoreInitial: true,
      depth: 1,
      // Temp files (`.id.pid.tmp`) and editor droppings inside docs/ are never docs.
      ignored: (p: string) => p.startsWith(docsDir + path.sep) && path.basename(p).startsWith('.'),
    });
    const hint = (p: string) => this.hint(p);
    watcher.on('add', hint).on('change', hint).on('unlink', hint).on('unlinkDir', () => this.hint(docsDir));
    watcher.on('addDir', (p: string) => {
      if (p !== docsDir) this.hint(p);
    });
    watcher.on('error', (e) => this.opts.log?.(`dashboard: watch error: ${(e as Error).message}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watcher = watcher;
    const every = this.opts.rescanMs ?? 30_000;
    if (every > 0) {
      this.rescanTimer = setInterval(() => {
        this.hint(docsDir);
      }, every);
      this.rescanTimer.unref();
    }
  }

  /** A path changed (or may have): gather it, and apply the batch once events settle. */
  hint(abs: string): void {
    if (this.closed) return;
    this.pending.add(abs);
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      const batch = [...this.pending];
      this.pending.clear();
      try {
        this.apply(batch);
      } catch (e) {
        this.opts.log?.(`dashboard: could not apply changes: ${(e as Error).message}`);
      }
    }, this.opts.settleMs ?? 20);
  }

  /** Re-reads one doc file now (after our own write, so the writer reads it back at once). */
  refreshFile(abs: string): void {
    this.apply([abs]);
  }

  private apply(paths: string[]): void {
    const event: ChangeEvent = { version: this.version, docs: [], alerts: false, timeline: false, config: false };
    let docsChanged = false;
    for (const p of paths) {
      if (p === alertsPath(this.ws)) {
        this.alertsVersion++;
        event.alerts = true;
      } else if (p === this.headLog) {
        this.timelineVersion++;
        event.timeline = true;
        this.scheduleCreatedFix();
      } else if (p === this.ws.configPath) {
        event.config = this.reloadConfig();
        docsChanged ||= event.config;
      } else if (p === this.ws.docsDir || path.dirname(p) === this.ws.docsDir) {
        // A worker folder (or the whole tree) came or went: compare every file's signature.
        docsChanged = this.rescan(event) || docsChanged;
      } else if (p.endsWith('.md')) {
        docsChanged = this.refreshDoc(p, event) || docsChanged;
      }
    }
    if (docsChanged) {
      this.version++;
      this.scheduleCreatedFix();
    }
    event.version = this.version;
    if (docsChanged || event.alerts || event.timeline) this.opts.onChange(event);
  }

  private reloadConfig(): boolean {
    try {
      this.config = loadConfig(this.ws);
    } catch (e) {
      this.opts.log?.(`dashboard: orchestra.yaml is invalid, keeping the previous config: ${(e as Error).message.split('\n')[0]}`);
      return false;
    }
    // New workers change which folders hold valid docs: re-read them all.
    for (const abs of [...this.live.keys(), ...this.archived.keys()]) {
      const e = this.live.get(abs) ?? this.archived.get(abs)!;
      e.sig = '';
    }
    this.rescan({ version: 0, docs: [], alerts: false, timeline: false, config: true }, true);
    return true;
  }

  /** Lists docs/ (and archive/ when asked) and re-reads the files whose signature changed. */
  private rescan(event: ChangeEvent, withArchive = false): boolean {
    let changed = false;
    const dirs: [string, boolean][] = [[this.ws.docsDir, false]];
    if (withArchive) dirs.push([this.ws.archiveDir, true]);
    for (const [base, isArchive] of dirs) {
      const map = isArchive ? this.archived : this.live;
      const found = new Set<string>();
      let folders: string[] = [];
      try {
        folders = readdirSync(base).filter((f) => !f.startsWith('.'));
      } catch {
        folders = [];
      }
      for (const folder of folders) {
        let files: string[] = [];
        try {
          files = readdirSync(path.join(base, folder));
        } catch {
          continue;
        }
        for (const f of files) {
          if (f.startsWith('.') || !f.endsWith('.md')) continue;
          const abs = path.join(base, folder, f);
          found.add(abs);
          if (map.get(abs)?.sig !== signature(abs)) changed = this.refreshDoc(abs, event) || changed;
        }
      }
      for (const abs of [...map.keys()]) if (!found.has(abs)) changed = this.refreshDoc(abs, event) || changed;
    }
    return changed;
  }

  /** Re-reads one doc path; returns whether anything changed. */
  private refreshDoc(abs: string, event: ChangeEvent): boolean {
    const inArchive = abs.startsWith(this.ws.archiveDir + path.sep);
    const base = inArchive ? this.ws.archiveDir : this.ws.docsDir;
    if (!abs.startsWith(base + path.sep)) return false;
    const map = inArchive ? this.archived : this.live;
    const relParts = path.relative(base, abs).split(path.sep);
    const sig = signature(abs);
    const before = map.get(abs);
    if (!sig) {
      if (!before) return false;
      map.delete(abs);
      if (before.doc) event.docs.push(before.doc.id);
      // Archiving moves a doc out of docs/: pick it up in archive/ so it stays readable.
      if (!inArchive && relParts.length === 2) this.refreshDoc(path.join(this.ws.archiveDir, relParts[0], relParts[1]), event);
      return true;
    }
    if (before && before.sig === sig) return false;
    const relPath = rel(this.ws, abs);
    const workers = workerNames(this.config);
    let entry: Entry;
    if (relParts.length !== 2) {
      entry = { problems: [{ file: relPath, field: '-', message: 'is not in a worker folder: move it to .orchestra/docs/<worker>/' }], sig };
    } else if (!workers.has(relParts[0])) {
      entry = { problems: [{ file: relPath, field: '-', message: `is in the folder of unknown worker "${relParts[0]}"` }], sig };
    } else if (entryProblem(relPath, relParts[1], sig.startsWith('link:'))) {
      entry = { problems: [entryProblem(relPath, relParts[1], sig.startsWith('link:'))!], sig };
    } else {
      const id = relParts[1].slice(0, -3);
      const mtime = Number(sig.split(':')[0]);
      const r = readDocFile({ abs, relPath, worker: relParts[0], id, archived: inArchive }, workers, isoOf(mtime));
      // A file without `created` keeps the date it already had (from git) when it is edited.
      if (r.doc?.createdInferred && before?.doc) r.doc.created = before.doc.created;
      else if (r.doc?.createdInferred) this.createdPending.add(abs);
      entry = { doc: r.doc, problems: r.problems, sig };
    }
    map.set(abs, entry);
    if (entry.doc) {
      event.docs.push(entry.doc.id);
      // A doc back in docs/ replaces its archived copy.
      if (!inArchive) this.archived.delete(path.join(this.ws.archiveDir, relParts[0], relParts[1] ?? ''));
    }
    return true;
  }

  /** Hand-written docs without `created` take their first commit's time: one git call for the whole batch. */
  private scheduleCreatedFix(): void {
    if (this.createdTimer || this.closed || !this.createdPending.size) return;
    this.createdTimer = setTimeout(async () => {
      this.createdTimer = undefined;
      try {
        const times = await this.git.firstCommitTimes();
        let changed = false;
        for (const abs of [...this.createdPending]) {
          const doc = this.live.get(abs)?.doc;
          const t = doc ? times.get(doc.id) : undefined;
          if (!doc) this.createdPending.delete(abs);
          else if (t) {
            this.createdPending.delete(abs);
            if (t !== doc.created) {
              doc.created = t;
              changed = true;
            }
          }
        }
        if (changed && !this.closed) {
          this.version++;
          this.opts.onChange({ version: this.version, docs: [], alerts: false, timeline: false, config: false });
        }
      } catch {
        /* no commits yet: the mtime stays */
      }
    }, 1000);
    this.createdTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.settleTimer);
    clearTimeout(this.createdTimer);
    clearInterval(this.rescanTimer);
    await this.watcher?.close();
  }
}
