/**
 * The one live doc model: the only code that reads the docs folder incrementally. The daemon, the dashboard and
 * the watchdog all read it and hear its changes through one `subscribe`; `orchestra up` shares one instance
 * between the daemon and the dashboard, so the docs are watched, read and held once per process.
 *
 * Docs are kept in memory and updated one path at a time, so an event costs one stat and at most one read. A
 * re-scan compares each file's stat signature and re-reads only files whose signature changed; a content hash
 * then tells a real change from a touch. orchestra.yaml is followed too (a changed worker list re-checks every
 * entry), so `worker add` while the daemon runs is known within the reaction time. Archived docs are read only
 * when a reader asks for them (the dashboard), once, and again when a doc leaves docs/.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { workerNames, type Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import { derive } from '../core/state.js';
import { isoTime } from '../core/time.js';
import type { Problem } from '../errors.js';
import { alertsPath } from './alerts.js';
import { compareDocs } from './docs.js';
import type { Git } from './git.js';
import { ConfigFollower } from './live-config.js';
import { CreatedDates } from './live-created.js';
import { listDocPaths, readEntry, sameOutcome, statSignature, type Change, type EntryContext, type LiveEntry, type LiveEvent, type LiveView, type ReadBytes } from './live-entry.js';
import { LiveFeed } from './live-feed.js';
import { rel, type Workspace } from './workspace.js';

export type { Change, LiveEntry, LiveEvent, LiveView } from './live-entry.js';

export interface LiveDocsOptions {
  config: Config;
  git: Git;
  /** Full re-scan period while watching, counted from the last re-scan by anyone (default 60 s; 0: on request only). */
  rescanMs?: number;
  /** Names-only scan period while watching: the bound on an event the watcher missed (default 2 s). */
  quickScanMs?: number;
  /** How doc bytes are read (tests inject failures the file system will not produce for root). */
  readBytes?: ReadBytes;
}

/** Live models open in this process: `orchestra up` must run exactly one. */
let openModels = 0;

export function openLiveDocsCount(): number {
  return openModels;
}

export class LiveDocs {
  readonly ws: Workspace;
  readonly git: Git;
  private cfg: Config;
  private readonly opts: LiveDocsOptions;
  private readonly ctx: EntryContext;
  private readonly configFile: ConfigFollower;
  private readonly live = new Map<string, LiveEntry>();
  private readonly idPath = new Map<string, string>();
  private archive: Map<string, LiveEntry> | undefined;
  private sorted: Doc[] | undefined;
  private readonly views = new Map<'all' | 'live', LiveView>();
  private ver = 0;
  private readonly created: CreatedDates;
  private readonly listeners = new Set<(e: LiveEvent) => void>();
  private feed: LiveFeed | undefined;
  private readonly headLog: string;
  private closed = false;

  constructor(ws: Workspace, opts: LiveDocsOptions) {
    this.ws = ws;
    this.git = opts.git;
    this.opts = opts;
    this.cfg = opts.config;
    this.configFile = new ConfigFollower(ws);
    this.headLog = path.join(ws.docsGitDir, 'logs', 'HEAD');
    this.created = new CreatedDates(opts.git);
    this.ctx = {
      workers: workerNames(opts.config),
      fallbackCreated: (id, mtimeMs) => this.created.of(id) ?? isoTime(mtimeMs),
      readBytes: opts.readBytes,
    };
    openModels++;
  }

  get config(): Config {
    return this.cfg;
  }

  /** Bumped by every change of docs, dates or config. */
  get version(): number {
    return this.ver;
  }

  /** Valid live docs. */
  get size(): number {
    return this.idPath.size;
  }

  /** No hint is waiting to be read. */
  get settled(): boolean {
    return this.feed?.settled ?? true;
  }

  subscribe(listener: (e: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Valid live docs, oldest first (cached until something changes). */
  docs(): Doc[] {
    if (!this.sorted) {
      const out: Doc[] = [];
      for (const e of this.live.values()) if (e.doc) out.push(e.doc);
      this.sorted = out.sort(compareDocs);
    }
    return this.sorted;
  }

  byId(id: string): Doc | undefined {
    const p = this.idPath.get(id);
    return p ? this.live.get(p)?.doc : undefined;
  }

  entry(relPath: string): LiveEntry | undefined {
    return this.live.get(relPath);
  }

  entries(): IterableIterator<LiveEntry> {
    return this.live.values();
  }

  /** Live files with problems (invalid docs). */
  invalid(): LiveEntry[] {
    return [...this.live.values()].filter((e) => e.problems);
  }

  /** `all`: live and archived docs (a live doc wins over an archived copy of its id); `live`: docs/ only. */
  view(scope: 'all' | 'live' = 'all'): LiveView {
    const cached = this.views.get(scope);
    if (cached && cached.version === this.ver) return cached;
    const docs = [...this.docs()];
    const problems: Problem[] = [];
    for (const e of this.live.values()) if (e.problems) problems.push(...e.problems);
    if (scope === 'all' && this.archive) {
      const seen = new Set(docs.map((d) => d.id));
      for (const e of this.archive.values()) {
        if (e.problems) problems.push(...e.problems);
        if (e.doc && !seen.has(e.doc.id)) docs.push(e.doc);
      }
      docs.sort(compareDocs);
    }
    const view = { version: this.ver, config: this.cfg, docs, derived: derive(docs, this.cfg), problems };
    this.views.set(scope, view);
    return view;
  }

  // ---- reading -----------------------------------------------------------------------------------------------

  /** The first full read (or a reconcile when already read), then dates from git for docs that do not say. */
  async load(): Promise<void> {
    this.rescan();
    const docs = [...this.live.values(), ...(this.archive?.values() ?? [])].flatMap((e) => (e.doc ? [e.doc] : []));
    if (await this.created.readOnce(docs)) {
      this.sorted = undefined;
      this.emitDocs([], []);
    }
  }

  /** Reads archive/ once (the dashboard shows settled threads too) and keeps it current as docs leave docs/. */
  includeArchive(): void {
    if (this.archive) return;
    this.archive = new Map();
    const changes: Change[] = [];
    for (const abs of listDocPaths(this.ws.archiveDir)) {
      const c = this.update(abs);
      if (c.kind !== 'same') changes.push(c);
    }
    if (changes.length) this.emitDocs([], changes);
  }

  /** Dates docs without `created` by their first commit soon after it is made, not only at start. */
  keepCreatedCurrent(): void {
    this.created.follow(this.live.values());
    this.scheduleCreatedFix();
  }

  /** Brings one path up to date with the disk now (after our own write, say) and tells every subscriber. */
  refresh(abs: string): Change {
    const c = this.update(abs);
    if (c.kind !== 'same') {
      if (this.isArchived(c)) this.emitDocs([], [c]);
      else this.emitDocs([c], []);
    }
    return c;
  }

  /** Reconciles memory with the disk: every live path re-checked by signature, vanished paths dropped. */
  rescan(): Change[] {
    const changes: Change[] = [];
    const archived: Change[] = [];
    this.checkConfig(changes, archived);
    const seen = new Set<string>();
    for (const abs of listDocPaths(this.ws.docsDir)) {
      seen.add(rel(this.ws, abs));
      this.collect(this.update(abs), changes, archived);
    }
    for (const p of [...this.live.keys()]) if (!seen.has(p)) this.collect(this.update(path.join(this.ws.root, p)), changes, archived);
    if (changes.length || archived.length) this.emitDocs(changes, archived);
    this.feed?.armRescan();
    return changes;
  }

  /**
   * Paths on disk that memory does not know, known paths no longer on disk, and files that could not be read:
   * names only (one readdir per folder, no stat), cheap enough to run every few seconds.
   */
  unknownPaths(): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const abs of listDocPaths(this.ws.docsDir)) {
      const r = rel(this.ws, abs);
      seen.add(r);
      const e = this.live.get(r);
      if (!e || e.unreadable) out.push(abs);
    }
    for (const p of this.live.keys()) if (!seen.has(p)) out.push(path.join(this.ws.root, p));
    return out;
  }

  private isArchived(c: Change): boolean {
    return (c.kind === 'removed' ? c.rel : c.kind === 'same' ? '' : c.entry.rel).startsWith('.orchestra/archive/');
  }

  private collect(c: Change, changes: Change[], archived: Change[]): void {
    if (c.kind === 'same') return;
    (this.isArchived(c) ? archived : changes).push(c);
  }

  private drop(map: Map<string, LiveEntry>, relPath: string): Doc | undefined {
    const old = map.get(relPath);
    if (!old) return undefined;
    map.delete(relPath);
    if (map === this.live && old.doc && this.idPath.get(old.doc.id) === relPath) this.idPath.delete(old.doc.id);
    this.created.forget(relPath);
    return old.doc;
  }

  /** One path (in docs/, or in archive/ once it is read) brought up to date, without telling anyone. */
  private update(abs: string, force = false): Change {
    const relPath = rel(this.ws, abs);
    const inArchive = relPath.startsWith('.orchestra/archive/');
    const map = inArchive ? this.archive : relPath.startsWith('.orchestra/docs/') ? this.live : undefined;
    if (!map || !relPath.endsWith('.md') || path.basename(relPath).startsWith('.')) return { kind: 'same' };
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return { kind: 'same' };
    const old = map.get(relPath);
    const sig = st ? statSignature(st) : '';
    if (st && old && !force && old.sig !== '' && old.sig === sig) return { kind: 'same' };
    const entry = st && readEntry(abs, relPath, st, sig, this.ctx);
    if (!entry) {
      if (!old) return { kind: 'same' };
      const doc = this.drop(map, relPath);
      this.sorted = undefined;
      // Archiving moves a doc out of docs/: pick it up in archive/ so it stays readable.
      if (!inArchive && this.archive) this.update(path.join(this.ws.archiveDir, ...relPath.split('/').slice(2)));
      return { kind: 'removed', rel: relPath, doc };
    }
    if (old && (force ? sameOutcome(old, entry) : old.hash === entry.hash)) {
      old.sig = entry.sig;
      old.mtimeMs = entry.mtimeMs;
      return { kind: 'same' };
    }
    if (entry.doc && !inArchive) {
      const other = this.idPath.get(entry.doc.id);
      if (other && other !== relPath && this.live.has(other)) {
        entry.problems = [{ file: relPath, field: 'id', message: `duplicate id "${entry.doc.id}" (also ${other}): rename one of the files` }];
        entry.doc = undefined;
      }
    }
    this.drop(map, relPath);
    // A file without `created` keeps the date it already had (from git) when it is edited. Tracked after the drop,
    // which forgets the path: a doc first read half-written (invalid, then valid) was otherwise never re-dated.
    if (entry.doc?.createdInferred && old?.doc) entry.doc.created = old.doc.created;
    if (!inArchive) this.created.track(relPath, entry.doc);
    map.set(relPath, entry);
    if (entry.doc && !inArchive) this.idPath.set(entry.doc.id, relPath);
    this.sorted = undefined;
    if (entry.problems) return { kind: 'invalid', entry };
    return { kind: old?.doc ? 'changed' : 'added', entry };
  }

  // ---- config ------------------------------------------------------------------------------------------------

  /** orchestra.yaml re-read if it changed; entries re-checked against a new worker list go into the caller's batch. */
  private checkConfig(changes: Change[], archived: Change[]): void {
    const r = this.configFile.check();
    if (r.kind === 'same') return;
    if (r.kind === 'invalid') return this.emit({ kind: 'config_invalid', message: r.message });
    const before = [...this.ctx.workers].sort().join(',');
    this.cfg = r.config;
    this.ctx.workers = workerNames(r.config);
    this.ver++;
    this.emit({ kind: 'config', version: this.ver, config: r.config });
    if ([...this.ctx.workers].sort().join(',') === before) return;
    // The workers decide which folders hold valid docs and who may be named in `from`/`to`: re-check everything.
    for (const m of [this.live, this.archive]) {
      for (const p of [...(m?.keys() ?? [])]) this.collect(this.update(path.join(this.ws.root, p), true), changes, archived);
    }
  }

  // ---- watching ----------------------------------------------------------------------------------------------

  /** Starts the one watcher (once, whoever asks first); resolves when it is live. */
  watch(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.feed ??= new LiveFeed(
      { docsDir: this.ws.docsDir, files: [this.ws.configPath, alertsPath(this.ws), this.headLog] },
      {
        apply: (paths, folders) => this.applyHints(paths, folders),
        quickScan: () => this.quickScan(),
        rescan: () => void this.rescan(),
        error: (message) => this.emit({ kind: 'watch_error', message }),
      },
      { quickScanMs: this.opts.quickScanMs ?? 2000, rescanMs: this.opts.rescanMs ?? 60_000 },
    );
    return this.feed.ready;
  }

  /** A batch of watcher hints: config first (one stat), then each named path; a folder event lists every name. */
  private applyHints(paths: Set<string>, folders: boolean): void {
    if (this.closed) return;
    const changes: Change[] = [];
    const archived: Change[] = [];
    this.checkConfig(changes, archived);
    if (folders) for (const abs of this.unknownPaths()) paths.add(abs);
    let alerts = false;
    let timeline = false;
    for (const abs of paths) {
      if (abs === this.ws.configPath) continue;
      if (abs === this.headLog) timeline = true;
      else if (abs === alertsPath(this.ws)) alerts = true;
      else this.collect(this.update(abs), changes, archived);
    }
    if (changes.length || archived.length) this.emitDocs(changes, archived);
    if (alerts) this.emit({ kind: 'alerts' });
    if (timeline) this.emit({ kind: 'timeline' });
    if (timeline || changes.length) this.scheduleCreatedFix();
    this.emit({ kind: 'settled' });
  }

  private quickScan(): void {
    if (this.closed) return;
    const missed = this.unknownPaths();
    if (!missed.length) return;
    this.emit({ kind: 'missed', paths: missed.length });
    for (const abs of missed) this.feed?.hint({ abs, kind: 'path' });
  }

  private scheduleCreatedFix(): void {
    this.created.schedule(
      (p) => this.live.get(p)?.doc,
      () => {
        this.sorted = undefined;
        this.emitDocs([], []);
      },
    );
  }

  // ---- events ------------------------------------------------------------------------------------------------

  private emitDocs(changes: Change[], archived: Change[]): void {
    this.ver++;
    this.emit({ kind: 'docs', version: this.ver, changes, archived });
  }

  /** Every subscriber hears every event, even when one throws; the first error then reaches the caller. */
  private emit(e: LiveEvent): void {
    let failure: unknown;
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    openModels--;
    this.created.close();
    this.listeners.clear();
    await this.feed?.close();
  }
}
