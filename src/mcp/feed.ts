/**
 * What a worker must hear about as it happens: an order that becomes ready, an answer, a cancellation of an order
 * it was shown. Built on the one live doc model (src/store/live-docs.ts, the store's only watcher), so this adds
 * no watcher of its own: each settled batch of changes is derived once and compared with the last one.
 */
import type { Doc } from '../core/doc.js';
import { answersFor, type Derived } from '../core/state.js';
import { LiveDocs, type LiveEvent } from '../store/live-docs.js';
import type { Session } from './ops.js';

export interface News {
  kind: 'order' | 'answer' | 'cancel';
  doc: Doc;
}

/** Receipt key of a piece of news: a doc is told once as new, and once more if it is cancelled. */
export const newsKey = (n: News) => `${n.kind === 'cancel' ? 'cancel' : 'doc'}:${n.doc.id}`;

export interface FeedOptions {
  session: Session;
  worker: string;
  /** Called with what is already waiting when the feed starts, then with each piece of news. */
  onNews: (news: News[], initial: boolean) => void;
  onError?: (message: string) => void;
  /** How long changes that no watcher batch closes (a refresh, a re-scan) settle before they are derived (default 5 ms). */
  settleMs?: number;
}

/** What the worker has now: ready orders, answers for it, its cancelled orders. */
interface Snapshot {
  ready: Map<string, Doc>;
  answers: Map<string, Doc>;
  cancelled: Map<string, Doc>;
}

function snapshotOf(worker: string, docs: readonly Doc[], derived: Derived): Snapshot {
  const ready = new Map<string, Doc>();
  const cancelled = new Map<string, Doc>();
  for (const d of docs) {
    if (d.type !== 'order' || d.to !== worker) continue;
    const state = derived.orders.get(d.id)?.state;
    if (state === 'pending') ready.set(d.id, d);
    else if (state === 'cancelled') cancelled.set(d.id, d);
  }
  return { ready, answers: new Map(answersFor(worker, docs, derived).map((d) => [d.id, d])), cancelled };
}

function fresh(before: Map<string, Doc>, after: Map<string, Doc>): Doc[] {
  return [...after.values()].filter((d) => !before.has(d.id));
}

export class Feed {
  private readonly o: FeedOptions;
  private live?: LiveDocs;
  private unsubscribe: () => void = () => undefined;
  private snapshot?: Snapshot;
  private timer?: NodeJS.Timeout;
  /** Docs changed since the last derivation. */
  private dirty = false;
  private stopped = false;

  constructor(o: FeedOptions) {
    this.o = o;
  }

  private current(): Snapshot {
    const view = this.live!.view('live');
    return snapshotOf(this.o.worker, view.docs, view.derived);
  }

  private onLive(e: LiveEvent): void {
    if (e.kind === 'watch_error') this.o.onError?.(`watcher: ${e.message}`);
    else if (e.kind === 'config_invalid') this.o.onError?.(`orchestra.yaml changed but is invalid, keeping the previous config: ${e.message.split('\n')[0]}`);
    else if ((e.kind === 'docs' || e.kind === 'config') && this.snapshot && !this.stopped) {
      this.dirty = true;
      // Changes that come with no `settled` after them (a refresh, a re-scan) are derived after a short settle.
      this.timer ??= setTimeout(() => this.apply(), this.o.settleMs ?? 5);
    } else if (e.kind === 'settled' && this.dirty) {
      // The watcher's batch is applied whole: derive it now rather than wait out the settle.
      this.apply();
    }
  }

  private apply(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    if (this.stopped || !this.snapshot) return;
    const before = this.snapshot;
    const next = this.current();
    this.snapshot = next;
    const news: News[] = [
      ...fresh(before.ready, next.ready).map((doc) => ({ kind: 'order' as const, doc })),
      ...fresh(before.answers, next.answers).map((doc) => ({ kind: 'answer' as const, doc })),
      ...fresh(before.cancelled, next.cancelled).map((doc) => ({ kind: 'cancel' as const, doc })),
    ];
    if (news.length) this.o.onNews(news, false);
  }

  /** Starts watching, then reads the docs and reports what is waiting; changes meanwhile are not lost. */
  async start(): Promise<void> {
    const s = this.o.session;
    this.live = new LiveDocs(s.ws, { config: s.config, git: s.git });
    this.unsubscribe = this.live.subscribe((e) => this.onLive(e));
    await this.live.watch();
    await this.live.load();
    this.snapshot = this.current();
    this.o.onNews([...[...this.snapshot.ready.values()].map((doc) => ({ kind: 'order' as const, doc })), ...[...this.snapshot.answers.values()].map((doc) => ({ kind: 'answer' as const, doc }))], true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe();
    await this.live?.close();
  }
}
