/**
 * The JSON the API serves, computed from the model's snapshot and cached until the next change, so a burst of
 * requests costs one computation (and one `git log` for the timeline).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { DOC_TYPES, type Doc } from '../core/doc.js';
import { computeMetrics, countConflicts, type Metrics } from '../core/metrics.js';
import { brainBlock } from '../store/brain-stats.js';
import { inboxOf, openEscalations, workerViews, type WorkerView } from '../core/state.js';
import { alertsPath, readAlerts } from '../store/alerts.js';
import { livenessFrom, readSignals, signalsStamp } from '../store/liveness.js';
import type { TimelineEntry } from '../store/git.js';
import { reportCommits, type EvidenceCommit } from '../store/evidence.js';
import { alertJson, docJson, type DocJson } from '../core/json.js';
import { HttpError } from './http.js';
import type { LiveModel, Snapshot } from './model.js';
import { renderMarkdown } from './render.js';

export const DOC_STATES = ['pending', 'ready', 'waiting', 'in_progress', 'completed', 'blocked', 'cancelled', 'open', 'answered', 'resolved'] as const;

export interface WorkerJson extends WorkerView {
  blocked: number;
  currentOrderTitle: string | null;
  scope: string[];
  priority: number;
  branch: string | null;
}

export interface MetricsJson extends Metrics {
  quality: { autonomyPct: number | null; conflicts: number; conflictsPerTask: number | null; scopeViolations: number; escalations: number; throughputPerDay: number; targets: Metrics['targets'] };
  openEscalations: number;
  invalidDocs: number;
}

export interface DocFilters {
  limit: number;
  worker?: string;
  type?: string;
  state?: string;
}

const TIMELINE_MAX = 1000;
const METRICS_SLIDE_MS = 5000;
const SIGNALS_MAX_AGE_MS = 1000;

export class Views {
  private readonly model: LiveModel;
  private cache = new Map<string, { key: string; value: unknown }>();
  /** A report's commits by report id: they are the order's commits up to the report, so they do not change. */
  private evidence = new Map<string, Promise<EvidenceCommit[]>>();
  private timelineInFlight?: { key: string; promise: Promise<TimelineEntry[]> };

  constructor(model: LiveModel) {
    this.model = model;
  }

  private cached<T>(name: string, key: string, compute: () => T): T {
    const hit = this.cache.get(name);
    if (hit && hit.key === key) return hit.value as T;
    const value = compute();
    this.cache.set(name, { key, value });
    return value;
  }

  snapshot(): Snapshot {
    return this.model.snapshot();
  }

  /**
   * `/api/workers`: the workers' views cached per doc change; their liveness and last heartbeat computed per
   * request (they change with the clock and the heartbeat files, not with docs) from the signals, which are read
   * again when a heartbeat or agent record is written and at least once a second (a write in the same mtime tick
   * as the last read, or an agent process that died without a word, shows within that second).
   */
  workersText(now = new Date()): string {
    const base = this.cached('workers', String(this.model.versions.docs), () => this.workers());
    const { config } = this.snapshot();
    const { ws } = this.model;
    const signals = this.cached('signals', `${this.model.versions.docs}:${signalsStamp(ws)}:${Math.floor(now.getTime() / SIGNALS_MAX_AGE_MS)}`, () => base.map((w) => readSignals(ws, w.name)));
    const live = base.map((w, i) => livenessFrom(config, w, signals[i], now));
    const key = `${this.model.versions.docs}:${live.map((l) => `${l.liveness}@${l.lastSeen ?? ''}`).join(',')}`;
    return this.cached('workersText', key, () => JSON.stringify(base.map((w, i) => ({ ...w, ...live[i] }))));
  }

  workers(): WorkerJson[] {
    const { docs, derived, config } = this.snapshot();
    return workerViews(docs, derived, config).map((v) => {
      const w = config.workers.find((c) => c.name === v.name)!;
      return {
        ...v,
        blocked: inboxOf(v.name, docs, derived).blocked.length,
        currentOrderTitle: v.currentOrder ? (derived.byId.get(v.currentOrder)?.title ?? null) : null,
        scope: w.scope,
        priority: w.priority,
        branch: w.branch ?? null,
      };
    });
  }

  private alertsKey(): string {
    try {
      const st = statSync(alertsPath(this.model.ws));
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return 'none';
    }
  }

  private allAlerts() {
    return this.cached('alerts', this.alertsKey(), () => readAlerts(this.model.ws));
  }

  /** Open alerts newest first; with `all`, resolved ones too (with `resolved`). */
  alerts(all: boolean): Record<string, unknown>[] {
    const list = this.allAlerts();
    const chosen = (all ? list : list.filter((a) => !a.resolved)).slice().reverse();
    const { byId } = this.snapshot().derived;
    return chosen.map((a) => ({
      ...alertJson(a),
      ...(a.resolved ? { resolved: a.resolved } : {}),
      ...(a.doc ? { docTitle: byId.get(a.doc)?.title ?? null } : {}),
    }));
  }

  /**
   * `/api/metrics` over a window. Recomputed on every doc or alert change, and otherwise every few seconds as
   * the window slides with the clock (its edges are days apart: a few seconds late changes nothing visible).
   */
  metricsText(sinceMs: number, now = Date.now()): string {
    const key = `${this.model.versions.docs}:${this.alertsKey()}:${sinceMs}:${Math.floor(now / METRICS_SLIDE_MS)}`;
    return this.cached(`metrics:${sinceMs}`, key, () => JSON.stringify(this.metrics(sinceMs, new Date(now))));
  }

  metrics(sinceMs: number, now: Date): MetricsJson {
    const { docs, derived, problems, config } = this.snapshot();
    const since = new Date(now.getTime() - sinceMs);
    // Conflicts are found by the health scan (daemon, status, metrics) and recorded as alerts, one per key:
    // counted the way `orchestra metrics` counts them.
    const counted = countConflicts(this.allAlerts(), since, now);
    const m = computeMetrics({ docs, derived, since, now, ...counted });
    const brain = brainBlock(this.model.ws, config, now);
    return {
      ...m,
      quality: {
        autonomyPct: m.autonomyPct,
        conflicts: m.conflicts,
        conflictsPerTask: m.conflictsPerTask,
        scopeViolations: counted.scopeViolations,
        escalations: m.escalations,
        throughputPerDay: m.throughputPerDay,
        targets: m.targets,
      },
      openEscalations: openEscalations(docs, derived).length,
      invalidDocs: new Set(problems.map((p) => p.file)).size,
      ...(brain ? { brain } : {}),
    };
  }

  /** Docs newest first, filtered like `orchestra list`. */
  docs(f: DocFilters): DocJson[] {
    const { docs, derived, config } = this.snapshot();
    if (f.worker && !config.workers.some((w) => w.name === f.worker)) {
      throw new HttpError(400, `unknown worker "${f.worker.slice(0, 60)}": use one of ${config.workers.map((w) => w.name).join(', ')}`);
    }
    if (f.type && !(DOC_TYPES as readonly string[]).includes(f.type)) throw new HttpError(400, `unknown type "${f.type.slice(0, 40)}": use ${DOC_TYPES.join(', ')}`);
    if (f.state && !(DOC_STATES as readonly string[]).includes(f.state)) throw new HttpError(400, `unknown state "${f.state.slice(0, 40)}": use ${DOC_STATES.join(', ')}`);
    const want = f.state === 'ready' ? 'pending' : f.state;
    const out: DocJson[] = [];
    for (let i = docs.length - 1; i >= 0 && out.length < f.limit; i--) {
      const d = docs[i];
      if (f.worker && d.worker !== f.worker) continue;
      if (f.type && d.type !== f.type) continue;
      if (want && derived.stateOf(d) !== want) continue;
      out.push(docJson(d, derived));
    }
    return out;
  }

  find(id: string): Doc | undefined {
    return this.snapshot().derived.byId.get(id);
  }

  /** One doc in full: body, sanitised HTML, and the docs that reply to it. */
  doc(doc: Doc): DocJson & { html: string; replies: DocJson[]; reTitle: string | null } {
    const { derived } = this.snapshot();
    return this.cached(`doc:${doc.id}`, `${this.model.versions.docs}`, () => ({
      ...docJson(doc, derived, true),
      html: renderMarkdown(doc.body),
      reTitle: doc.re ? (derived.byId.get(doc.re)?.title ?? null) : null,
      replies: (derived.replies.get(doc.id) ?? []).map((r) => docJson(r, derived)),
    }));
  }

  /** The timeline from git, newest first; one `git log` per change however many ask at once. */
  async timeline(limit: number, worker?: string): Promise<(TimelineEntry & { docTitle: string | null; commits?: EvidenceCommit[] })[]> {
    const v = this.model.versions;
    const key = `${v.timeline}:${v.docs}`;
    let all: TimelineEntry[];
    const hit = this.cache.get('timeline');
    if (hit?.key === key) all = hit.value as TimelineEntry[];
    else {
      if (this.timelineInFlight?.key !== key) {
        const promise = this.model.git.timeline({ limit: TIMELINE_MAX });
        this.timelineInFlight = { key, promise };
        promise.then(
          (value) => {
            this.cache.set('timeline', { key, value });
            if (this.timelineInFlight?.promise === promise) this.timelineInFlight = undefined;
          },
          () => {
            if (this.timelineInFlight?.promise === promise) this.timelineInFlight = undefined;
          },
        );
      }
      all = await this.timelineInFlight!.promise;
    }
    const filtered = worker ? all.filter((e) => e.worker === worker || e.actor === worker) : all;
    // A status change's subject names the doc by id; the page shows the doc's title instead.
    const { byId } = this.snapshot().derived;
    return Promise.all(
      filtered.slice(0, limit).map(async (e) => {
        const doc = byId.get(e.doc);
        // "Done" comes with its evidence: a report's entry names the commits made for its order.
        const commits = doc?.type === 'report' ? await this.commitsOf(doc) : undefined;
        return { ...e, docTitle: doc?.title ?? null, ...(commits ? { commits } : {}) };
      }),
    );
  }

  /** The commits a report names (store/evidence.ts), looked up once per report. */
  commitsOf(report: Doc): Promise<EvidenceCommit[]> {
    let found = this.evidence.get(report.id);
    if (!found) {
      const { config, derived } = this.snapshot();
      const order = report.re ? derived.byId.get(report.re) : undefined;
      found = reportCommits(this.model.git, report, order, config.workers.find((w) => w.name === report.worker));
      this.evidence.set(report.id, found);
      found.catch(() => this.evidence.delete(report.id));
    }
    return found;
  }

  /** Short name of the workspace for the page header. */
  info(): Record<string, unknown> {
    const { config, docs, problems } = this.snapshot();
    return {
      name: path.basename(this.model.ws.root),
      lead: config.lead,
      workers: config.workers.map((w) => w.name),
      docs: docs.length,
      invalidDocs: new Set(problems.map((p) => p.file)).size,
      version: this.model.versions,
    };
  }
}
