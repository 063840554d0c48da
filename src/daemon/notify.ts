/**
 * Sends notify events (src/core/notify.ts) to the lead's webhook and command, off the daemon's hot path: every
 * send is fire-and-forget, bounded by `notify.timeout`, and a failure costs one log line per kind of failure
 * until that channel works again, never a retry loop or a stalled daemon.
 *
 * Exactly once per event id: ids are appended to `.orchestra/state/notify-sent.jsonl` when dispatched (sent or
 * suppressed), so a restart does not resend. On the first start with `notify:` set, what is already there
 * (escalations, alerts) is adopted as sent, as the daemon's cursor adopts docs.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Doc } from '../core/doc.js';
import { eventEnv, eventFromAlert, eventFromDoc, RateLimiter, wanted, type AlertLike, type NotifyEvent } from '../core/notify.js';
import type { NotifyConfig } from '../core/workers.js';
import { alertsPath } from '../store/alerts.js';
import type { Workspace } from '../store/workspace.js';
import type { Written } from '../store/write.js';

/** Sends in flight at once; more are dropped (and logged once) rather than piling up processes or sockets. */
const MAX_IN_FLIGHT = 16;
/** New alerts are looked for this often: a stat of one file. */
const ALERT_POLL_MS = 500;
/** The sent file is compacted to its newest ids past this many lines. */
const SENT_KEEP = 5000;

export function notifySentPath(ws: Workspace): string {
  return path.join(ws.stateDir, 'notify-sent.jsonl');
}

export interface NotifierOptions {
  ws: Workspace;
  config: NotifyConfig;
  /** One line for the daemon's log. */
  log: (message: string) => void;
  now: () => Date;
  /** Live docs at start-up, and whether an escalation is already resolved (those are not sent after a restart). */
  docs: readonly Doc[];
  isResolved: (d: Doc) => boolean;
}

function reason(e: unknown): string {
  const err = e as { name?: string; cause?: { code?: string }; code?: string; message?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  return err?.cause?.code ?? err?.code ?? (err?.message ?? String(e)).slice(0, 80);
}

/**
 * Node loads its HTTP client (undici, and the parser it compiles) on the first `fetch`, which made the first
 * escalation after a start reach the webhook some 100 ms late. One POST to a server of our own on 127.0.0.1, at
 * start, pays that before anyone waits on it; nothing leaves the machine.
 */
async function warmFetch(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel().catch(() => undefined);
  } catch {
    /* only a warm-up: the first real send pays it instead */
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

export class Notifier {
  private readonly opts: NotifierOptions;
  private readonly sent = new Set<string>();
  private readonly limiter: RateLimiter;
  private readonly inFlight = new Set<Promise<void>>();
  /** Failure kinds already logged, per channel; cleared when the channel next succeeds. */
  private readonly failed = new Set<string>();
  private summaryTimer: NodeJS.Timeout | undefined;
  private readonly poll: NodeJS.Timeout;
  private alertsOffset = 0;
  private closed = false;

  constructor(opts: NotifierOptions) {
    this.opts = opts;
    this.limiter = new RateLimiter(opts.config.rate);
    if (opts.config.webhook) {
      // Tracked as a send, so closing waits for it (its own server is closed when it ends).
      const warm = warmFetch();
      this.inFlight.add(warm);
      void warm.finally(() => this.inFlight.delete(warm));
    }
    const file = notifySentPath(opts.ws);
    const first = !existsSync(file);
    if (!first) this.loadSent(file);
    const alerts = this.readNewAlerts();
    if (first) {
      const adopt = [...opts.docs.map((d) => eventFromDoc(d, () => undefined)), ...alerts.map(eventFromAlert)];
      for (const e of adopt) if (e) this.sent.add(e.id.replace(/^blocked:/, 'escalation:'));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, [...this.sent].map((id) => `${JSON.stringify({ id, adopted: true })}\n`).join(''));
    } else {
      const byId = new Map(opts.docs.map((d) => [d.id, d]));
      for (const d of opts.docs) if (d.type === 'escalation' && opts.isResolved(d)) this.sent.add(`escalation:${d.id}`);
      for (const d of opts.docs) this.doc(d, (id) => byId.get(id));
      this.takeAlerts(alerts);
    }
    this.poll = setInterval(() => this.checkAlerts(), ALERT_POLL_MS);
    this.poll.unref();
  }

  private loadSent(file: string): void {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    for (const l of lines) {
      try {
        const id = (JSON.parse(l) as { id?: unknown }).id;
        if (typeof id === 'string') this.sent.add(id);
      } catch {
        /* a torn last line: that event counts as not sent */
      }
    }
    if (lines.length > SENT_KEEP) writeFileSync(file, [...this.sent].slice(-SENT_KEEP).map((id) => `${JSON.stringify({ id })}\n`).join(''));
  }

  /** A doc the daemon saw (new or changed): an escalation not told yet is told now. */
  doc(d: Doc, byId: (id: string) => Doc | undefined): void {
    const e = eventFromDoc(d, byId);
    if (e) this.dispatch(e, `escalation:${d.id}`);
  }

  /**
   * Review mode: a proposed escalation is not on disk for `doc` to see, and waits on `branch` until the lead approves
   * it, so the lead is told now, as for one on disk (the same event id: approving it later tells nothing twice).
   * `written` are the docs one trigger's reaction proposed, `inputs` what they were written from (their bodies).
   */
  proposed(written: readonly Written[], inputs: readonly { body?: string }[], byId: (id: string) => Doc | undefined, branch: string): void {
    written.forEach((w, i) => {
      const d: Doc = { ...w.doc, body: inputs[i]?.body ?? '', archived: false, createdInferred: false };
      const e = eventFromDoc(d, byId);
      if (!e) return;
      const title = `Proposed for review: ${e.title}`.slice(0, 200);
      const message = `${e.message}\n\nWaiting on ${branch}: orchestra approve ${d.id} (or reject it with --why).`.slice(0, 500);
      this.dispatch({ ...e, title, message }, `escalation:${d.id}`);
    });
  }

  checkAlerts(): void {
    if (!this.closed) this.takeAlerts(this.readNewAlerts());
  }

  private takeAlerts(alerts: AlertLike[]): void {
    for (const a of alerts) {
      const e = eventFromAlert(a);
      if (e) this.dispatch(e, e.id);
    }
  }

  /** Alert lines appended since the last read (whole lines only; a line being written waits for the next look). */
  private readNewAlerts(): AlertLike[] {
    const file = alertsPath(this.opts.ws);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return [];
    }
    if (size < this.alertsOffset) this.alertsOffset = 0;
    if (size === this.alertsOffset) return [];
    const buf = Buffer.alloc(size - this.alertsOffset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.alertsOffset);
    } finally {
      closeSync(fd);
    }
    const end = buf.lastIndexOf(0x0a) + 1;
    this.alertsOffset += end;
    const out: AlertLike[] = [];
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      try {
        const a = JSON.parse(line) as AlertLike;
        if (typeof a?.id === 'string' && typeof a.kind === 'string') out.push(a);
      } catch {
        /* blank or torn */
      }
    }
    return out;
  }

  private dispatch(e: NotifyEvent, key: string): void {
    if (this.closed || this.sent.has(key) || !wanted(this.opts.config, e)) return;
    this.sent.add(key);
    try {
      appendFileSync(notifySentPath(this.opts.ws), `${JSON.stringify({ id: key, at: this.opts.now().toISOString() })}\n`);
    } catch (err) {
      this.fail('state', `cannot record sent events in ${notifySentPath(this.opts.ws)} (${reason(err)}): a restart may resend`);
    }
    const now = this.opts.now().getTime();
    if (this.limiter.offer(now, e)) this.send(e);
    else this.scheduleSummary();
  }

  private scheduleSummary(): void {
    if (this.summaryTimer || this.closed) return;
    const now = this.opts.now().getTime();
    const due = this.limiter.summaryDueAt(now);
    if (due === undefined) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined;
      if (this.closed) return;
      const s = this.limiter.takeSummary(this.opts.now().getTime());
      if (s) this.send(s);
      this.scheduleSummary();
    }, Math.max(0, due - now) + 5);
    this.summaryTimer.unref();
  }

  private send(e: NotifyEvent): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.fail('busy', `${MAX_IN_FLIGHT} sends still in flight: dropping new events until they finish`);
      return;
    }
    const { webhook, command } = this.opts.config;
    const p = Promise.all([webhook ? this.post(webhook, e) : undefined, command ? this.run(command, e) : undefined]).then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async post(url: string, e: NotifyEvent): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'orchestra-notify' },
        body: JSON.stringify(e),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.config.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) this.ok('webhook');
      else this.fail('webhook', `answered HTTP ${res.status}`);
    } catch (err) {
      this.fail('webhook', reason(err));
    }
  }

  private run(command: string, e: NotifyEvent): Promise<void> {
    return new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...eventEnv(e) };
      // The command needs the event, not the brain's credentials.
      delete env.ANTHROPIC_API_KEY;
      // The lead's own shell line (like a git hook): shell: true for it alone; doc text is only in env above.
      // Its own process group, so a timeout kills what it started too; output is discarded.
      const child = spawn(command, { shell: true, cwd: this.opts.ws.root, env, stdio: 'ignore', detached: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, this.opts.config.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        this.fail('command', `could not start (${reason(err)})`);
        resolve();
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) this.fail('command', `timed out after ${this.opts.config.timeoutMs} ms (killed)`);
        else if (code === 0) this.ok('command');
        else this.fail('command', code !== null ? `exited with ${code}` : `ended by ${signal}`);
        resolve();
      });
    });
  }

  private ok(channel: string): void {
    for (const k of this.failed) if (k.startsWith(`${channel}:`)) this.failed.delete(k);
  }

  private fail(channel: string, what: string): void {
    const key = `${channel}:${what.replace(/\d+ ms/, '')}`;
    if (this.failed.has(key)) return;
    this.failed.add(key);
    this.opts.log(`notify ${channel} failed: ${what} (not logged again until it works)`);
  }

  /** Stops looking for events; waits for sends in flight (each bounded by the timeout). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
    await Promise.all([...this.inFlight]);
  }
}

/** The notifier, or none (logged) when its state cannot be read: notifying is never worth stopping the daemon for. */
export function openNotifier(opts: NotifierOptions): Notifier | undefined {
  try {
    return new Notifier(opts);
  } catch (e) {
    opts.log(`notify is off for this run: ${reason(e)}`);
    return undefined;
  }
}
