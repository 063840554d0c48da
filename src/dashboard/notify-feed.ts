/**
 * The page's browser notifications: the same events as `notify:` (src/core/notify.ts), pushed as `notify`
 * server-sent events for an open dashboard to show. What is there when the dashboard starts is old news; after
 * that each new escalation or alert is pushed once, within the same rate as the daemon's (excess is dropped and
 * summed up in one `suppressed` event at the next change after the window has room).
 */
import type { Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import { eventFromAlert, eventFromDoc, RateLimiter, wanted, type NotifyEvent } from '../core/notify.js';
import { NOTIFY_KINDS } from '../core/workers.js';
import { readAlerts } from '../store/alerts.js';
import type { Workspace } from '../store/workspace.js';
import type { ChangeEvent, LiveModel } from './model.js';

export class NotifyFeed {
  private readonly seen = new Set<string>();
  private readonly limiter: RateLimiter;
  private readonly events: Pick<NonNullable<Config['notify']>, 'events'>;

  constructor(
    private readonly ws: Workspace,
    private readonly model: LiveModel,
    config: Config,
    private readonly push: (e: NotifyEvent) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.events = { events: config.notify?.events ?? [...NOTIFY_KINDS] };
    this.limiter = new RateLimiter(config.notify?.rate ?? { max: 10, perMs: 60_000 });
    const { docs } = model.snapshot();
    for (const d of docs) this.seen.add(`escalation:${d.id}`);
    for (const a of readAlerts(ws)) this.seen.add(a.id);
  }

  change(c: ChangeEvent): void {
    const found: NotifyEvent[] = [];
    if (c.docs.length) {
      const byId = new Map<string, Doc>(this.model.snapshot().docs.map((d) => [d.id, d]));
      for (const id of c.docs) {
        const d = byId.get(id);
        const e = d && !this.seen.has(`escalation:${id}`) ? eventFromDoc(d, (x) => byId.get(x)) : undefined;
        if (!d) continue;
        this.seen.add(`escalation:${id}`);
        if (e) found.push(e);
      }
    }
    if (c.alerts) {
      for (const a of readAlerts(this.ws)) {
        if (this.seen.has(a.id)) continue;
        this.seen.add(a.id);
        const e = a.resolved ? undefined : eventFromAlert(a);
        if (e) found.push(e);
      }
    }
    const now = this.now().getTime();
    const summary = this.limiter.takeSummary(now);
    if (summary) this.push(summary);
    for (const e of found) if (wanted(this.events, e) && this.limiter.offer(now, e)) this.push(e);
  }
}
