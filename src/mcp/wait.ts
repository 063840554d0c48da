/** Waiting for news (`orchestra wait`, the MCP `wait` tool): what is already waiting, else the next arrival. */
import type { Loaded } from '../store/load.js';
import { receiptLines, shownIds } from '../store/receipts.js';
import { Feed, type News } from './feed.js';
import { heartbeat, inboxFor, load, receipt, type Session } from './ops.js';

/** A cancellation is news only for an order the worker was shown. */
export function relevant(s: Session, news: readonly News[]): News[] {
  const cancels = news.filter((n) => n.kind === 'cancel');
  if (!cancels.length) return [...news];
  const shown = shownIds(s.ws, s.identity);
  return news.filter((n) => n.kind !== 'cancel' || shown.has(n.doc.id));
}

/** Cancelled orders the worker was shown but not yet told were cancelled (`except`: ways of telling that do not count). */
export function untoldCancels(s: Session, loaded: Loaded, except: readonly string[] = []): News[] {
  const receipts = receiptLines(s.ws, s.identity);
  const shown = shownIds(s.ws, s.identity);
  const told = new Set(receipts.filter((r) => r.event === 'cancel' && !except.includes(r.how)).map((r) => r.id));
  return loaded.docs
    .filter((d) => d.type === 'order' && d.to === s.identity && loaded.derived.orders.get(d.id)?.state === 'cancelled' && shown.has(d.id) && !told.has(d.id))
    .map((doc) => ({ kind: 'cancel' as const, doc }));
}

/** Ready orders, unread answers and untold cancellations, as news. */
export async function backlog(s: Session): Promise<News[]> {
  const loaded = await load(s);
  const inbox = inboxFor(s, loaded);
  return [
    ...inbox.ready.map((doc) => ({ kind: 'order' as const, doc })),
    ...inbox.unread.map((doc) => ({ kind: 'answer' as const, doc })),
    ...untoldCancels(s, loaded, ['push']),
  ];
}

/**
 * Resolves with what is waiting now, or with the next news, or with [] after `timeoutMs`. The feed is started
 * before the backlog is read, so nothing committed in between is missed.
 */
export async function waitForNews(s: Session, timeoutMs: number, opts: { signal?: AbortSignal; onWatching?: () => void } = {}): Promise<News[]> {
  const { signal } = opts;
  heartbeat(s);
  let done!: (n: News[]) => void;
  const result = new Promise<News[]>((resolve) => (done = resolve));
  const feed = new Feed({
    session: s,
    worker: s.identity,
    onNews: (news, initial) => {
      if (initial) return;
      const mine = relevant(s, news);
      if (mine.length) done(mine);
    },
  });
  const timer = setTimeout(() => done([]), timeoutMs);
  const onAbort = () => done([]);
  signal?.addEventListener('abort', onAbort);
  try {
    await feed.start();
    const waiting = await backlog(s);
    if (waiting.length) done(waiting);
    else opts.onWatching?.();
    const news = await result;
    receipt(s, news.filter((n) => n.kind !== 'cancel').map((n) => n.doc), 'wait');
    receipt(s, news.filter((n) => n.kind === 'cancel').map((n) => n.doc), 'wait', { event: 'cancel' });
    return news;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // Closing the watchers takes a few milliseconds: the news goes out first, they close behind it.
    void feed.stop().catch(() => undefined);
  }
}
