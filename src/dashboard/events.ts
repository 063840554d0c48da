/** Server-sent events: the page keeps one `/api/events` stream open and is told what changed. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http.js';

/** Bytes buffered for one event-stream client before it is dropped. */
const MAX_BACKLOG = 1024 * 1024;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxClients: number;

  constructor(opts: { heartbeatMs?: number; maxClients?: number } = {}) {
    this.maxClients = opts.maxClients ?? 200;
    // A comment line now and then keeps proxies and idle timers from closing a quiet stream.
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response as an event stream; `hello` carries the current versions. */
  open(req: IncomingMessage, res: ServerResponse, hello: unknown): void {
    if (this.clients.size >= this.maxClients) throw new HttpError(503, `too many open event streams (${this.maxClients}): close some dashboard tabs`);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('error', drop);
  }

  broadcast(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(text: string): void {
    for (const res of this.clients) {
      if (res.writableEnded || res.destroyed) this.clients.delete(res);
      // A client that stopped reading would make the server buffer for it forever: let it go (it reconnects).
      else if (res.writableLength > MAX_BACKLOG) {
        this.clients.delete(res);
        res.destroy();
      } else res.write(text);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
