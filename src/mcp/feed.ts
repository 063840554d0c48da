/**
 * What a worker must hear about as it happens: an order that becomes ready, an answer, a cancellation of an order
 * it was shown. Built on the watchdog (the one watcher of `.orchestra/docs` for a worker), so this adds no watcher
 * of its own; events are turned into news with the doc read in full.
 */
import path from 'node:path';
import type { Doc } from '../core/doc.js';
import { workerNames } from '../core/workers.js';
import { readDocFile } from '../store/docs.js';
import { Watchdog } from '../watch/watchdog.js';
import type { WatchEvent } from '../watch/events.js';
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
}

export class Feed {
  private readonly o: FeedOptions;
  private dog?: Watchdog;

  constructor(o: FeedOptions) {
    this.o = o;
  }

  private readFull(rel: string, id: string): Doc | undefined {
    const s = this.o.session;
    const worker = rel.split('/')[2];
    const r = readDocFile({ abs: path.join(s.ws.root, rel), relPath: rel, worker, id, archived: false }, workerNames(s.config), new Date().toISOString());
    return r.doc;
  }

  private toNews(ev: WatchEvent): News[] {
    const pick = (kind: News['kind'], d: { id: string; path: string }): News[] => {
      const doc = this.readFull(d.path, d.id);
      return doc ? [{ kind, doc }] : [];
    };
    switch (ev.event) {
      case 'summary':
        return [...ev.ready.flatMap((d) => pick('order', d)), ...ev.answers.flatMap((d) => pick('answer', d))];
      case 'order':
        return ev.doc.state === 'pending' ? pick('order', ev.doc) : [];
      case 'answer':
        return pick('answer', ev.doc);
      case 'status':
        if (ev.to === 'pending') return pick('order', ev.doc);
        if (ev.to === 'cancelled') return pick('cancel', ev.doc);
        return [];
      default:
        return [];
    }
  }

  async start(): Promise<void> {
    const s = this.o.session;
    this.dog = new Watchdog({
      ws: s.ws,
      config: s.config,
      git: s.git,
      worker: this.o.worker,
      onEvent: (ev) => {
        const news = this.toNews(ev);
        if (news.length || ev.event === 'summary') this.o.onNews(news, ev.event === 'summary');
      },
      onError: this.o.onError,
      // Conflicts are the watchdog's other job; nobody here listens for them, so check them rarely.
      conflictIntervalMs: 3_600_000,
    });
    await this.dog.start();
  }

  async stop(): Promise<void> {
    await this.dog?.stop();
  }
}
