/**
 * What the lead is told, and how often: pure functions from docs and alerts to notify events, and a rate
 * limiter with an injected clock. The daemon (src/daemon/notify.ts) sends; the dashboard shows the same events.
 *
 * Events: a new escalation doc (`escalation`, or `blocked` when it escalates a blocked report, so one blocked
 * report is one event, not two); alerts of kind `budget` (80 % and spent), `breaker` (open) and `gone`/`worker_gone`
 * (a worker gone with open work). "Worker idle" notices need no answer and are not sent.
 */
import type { Doc } from './doc.js';
import type { NotifyConfig, NotifyKind } from './workers.js';

export type NotifyLevel = 'info' | 'warning' | 'critical';

/** The JSON a webhook receives, and what ORCHESTRA_EVENT_JSON holds. */
export interface NotifyEvent {
  /** Unique per thing to act on (`escalation:<doc id>`, `budget:<alert id>`...): sent at most once. */
  id: string;
  kind: NotifyKind | 'suppressed';
  title: string;
  message: string;
  worker?: string;
  doc?: string;
  at: string;
  level: NotifyLevel;
}

/** The alert fields this module reads (store/alerts.ts's Alert). */
export interface AlertLike {
  id: string;
  at: string;
  level: NotifyLevel;
  kind: string;
  message: string;
  doc?: string;
  data?: Record<string, unknown>;
}

const MESSAGE_MAX = 500;

function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** The event a new doc calls for, if any. `byId` finds the doc an escalation follows. */
export function eventFromDoc(doc: Doc, byId: (id: string) => Doc | undefined): NotifyEvent | undefined {
  if (doc.type !== 'escalation' || doc.tags.includes('idle')) return undefined;
  const re = doc.re ? byId(doc.re) : undefined;
  const blocked = re?.type === 'report' && re.outcome === 'blocked';
  const worker = blocked ? re.from : doc.worker !== 'lead' ? doc.worker : undefined;
  return {
    id: `${blocked ? 'blocked' : 'escalation'}:${doc.id}`,
    kind: blocked ? 'blocked' : 'escalation',
    // The order's title says what is stuck; the report's own title is often just "Blocked: <order>".
    title: clip(blocked ? `${worker} is blocked: ${(re.re && byId(re.re)?.title) || re.title}` : doc.title, 200),
    message: clip(doc.body || doc.title, MESSAGE_MAX),
    ...(worker ? { worker } : {}),
    doc: doc.id,
    at: doc.created,
    level: doc.priority === 'high' ? 'critical' : 'warning',
  };
}

const ALERT_KINDS: Record<string, { kind: NotifyKind; title: (a: AlertLike) => string }> = {
  budget: { kind: 'budget', title: (a) => (a.level === 'critical' ? 'Brain budget spent for today' : 'Brain budget at 80 %') },
  breaker: { kind: 'breaker', title: () => 'Brain circuit breaker open' },
  // The liveness check's alert; either spelling is taken so this works whichever name it lands with.
  gone: { kind: 'worker_gone', title: (a) => `${workerOf(a) ?? 'A worker'} is gone with work open` },
  worker_gone: { kind: 'worker_gone', title: (a) => `${workerOf(a) ?? 'A worker'} is gone with work open` },
};

function workerOf(a: AlertLike): string | undefined {
  const d = a.data ?? {};
  if (typeof d.worker === 'string') return d.worker;
  if (Array.isArray(d.workers) && typeof d.workers[0] === 'string') return d.workers[0];
  return undefined;
}

/** The event an alert calls for, if any. */
export function eventFromAlert(a: AlertLike): NotifyEvent | undefined {
  const k = ALERT_KINDS[a.kind];
  if (!k) return undefined;
  const worker = workerOf(a);
  return {
    id: `${k.kind}:${a.id}`,
    kind: k.kind,
    title: clip(k.title(a), 200),
    message: clip(a.message, MESSAGE_MAX),
    ...(worker ? { worker } : {}),
    ...(a.doc ? { doc: a.doc } : {}),
    at: a.at,
    level: a.level,
  };
}

/** Whether the config asks for this event. A summary is sent whenever anything is. */
export function wanted(config: Pick<NotifyConfig, 'events'>, e: NotifyEvent): boolean {
  return e.kind === 'suppressed' || config.events.includes(e.kind);
}

/**
 * The rate rule: at most `max` events go out in any window of `per` (a sliding window over send times). An
 * event past the limit is dropped and counted; once the window has room again, one summary event
 * ("N more events suppressed") goes out in its place, and counts as a send. So a burst of any size costs at most
 * `max` calls per window, and the lead still learns that more happened (`orchestra status` lists them).
 */
export class RateLimiter {
  private sent: number[] = [];
  private dropped: NotifyEvent[] = [];
  constructor(private readonly rate: { max: number; perMs: number }) {}

  private prune(now: number): void {
    while (this.sent.length && this.sent[0] <= now - this.rate.perMs) this.sent.shift();
  }

  /** True: send it now. False: dropped (counted for the summary). */
  offer(now: number, e: NotifyEvent): boolean {
    this.prune(now);
    // While a summary is owed, later events join it: the summary goes first, in order.
    if (this.sent.length < this.rate.max && !this.dropped.length) {
      this.sent.push(now);
      return true;
    }
    this.dropped.push(e);
    return false;
  }

  /** When the owed summary can go out (undefined: none owed). */
  summaryDueAt(now: number): number | undefined {
    if (!this.dropped.length) return undefined;
    this.prune(now);
    return this.sent.length < this.rate.max ? now : this.sent[0] + this.rate.perMs;
  }

  /** The summary event, if one is owed and the window has room now. */
  takeSummary(now: number): NotifyEvent | undefined {
    const due = this.summaryDueAt(now);
    if (due === undefined || due > now) return undefined;
    const dropped = this.dropped;
    this.dropped = [];
    this.sent.push(now);
    return summaryEvent(dropped, new Date(now));
  }
}

export function summaryEvent(dropped: readonly NotifyEvent[], at: Date): NotifyEvent {
  const byKind = new Map<string, number>();
  for (const e of dropped) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
  const parts = [...byKind].map(([k, n]) => `${k} ×${n}`).join(', ');
  const levels: NotifyLevel[] = ['info', 'warning', 'critical'];
  const level = levels[Math.max(0, ...dropped.map((e) => levels.indexOf(e.level)))];
  const n = dropped.length;
  return {
    id: `suppressed:${at.toISOString()}:${dropped[0]?.id ?? ''}`,
    kind: 'suppressed',
    title: `${n} more event${n === 1 ? '' : 's'} suppressed`,
    message: `dropped over the notify rate limit (${parts}): orchestra status shows them all`,
    at: at.toISOString(),
    level,
  };
}

/** Control characters out (environment values and notification text); tabs and newlines become spaces. */
export function plainText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\t\n\r]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
}

/** The environment the notify command gets: the event, never its text on the command line. */
export function eventEnv(e: NotifyEvent): Record<string, string> {
  return {
    ORCHESTRA_EVENT_ID: plainText(e.id),
    ORCHESTRA_EVENT_KIND: e.kind,
    ORCHESTRA_EVENT_LEVEL: e.level,
    ORCHESTRA_EVENT_TITLE: plainText(e.title),
    ORCHESTRA_EVENT_MESSAGE: plainText(e.message),
    ORCHESTRA_EVENT_DOC: plainText(e.doc ?? ''),
    ORCHESTRA_EVENT_WORKER: plainText(e.worker ?? ''),
    ORCHESTRA_EVENT_JSON: JSON.stringify({ ...e, title: plainText(e.title), message: plainText(e.message) }),
  };
}
