/**
 * A small fake of the Anthropic Messages API on 127.0.0.1, for the real SDK to talk to. It records every
 * request (headers and JSON body) and answers from a script: tool_use replies, errors with headers
 * (429 + retry-after, 500, 529, 401), slow replies for timeouts. When the script is empty it answers with
 * `fallback` (by default an `escalate` tool call), so a test always sees what was asked.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
  at: number;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering (a reply slower than the client's timeout). */
  delayMs?: number;
}

export type Responder = (req: RecordedRequest, index: number) => ScriptedReply;

let seq = 0;

/** The credential a request carried: `x-api-key`, or a bearer `authorization` (the SDK 1.13 sends the key that way). */
export function keyOf(headers: IncomingMessage['headers']): string | undefined {
  const x = headers['x-api-key'];
  if (typeof x === 'string') return x;
  const auth = headers.authorization;
  return typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '') : undefined;
}

export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/** A 200 reply calling one tool. */
export function toolUse(name: string, input: unknown, usage: Usage = {}): ScriptedReply {
  seq++;
  return {
    status: 200,
    body: {
      id: `msg_fake_${seq}`,
      type: 'message',
      role: 'assistant',
      model: 'fake',
      content: [{ type: 'tool_use', id: `toolu_fake_${seq}`, name, input }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 900, output_tokens: 120, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, ...usage },
    },
  };
}

/** A 200 reply with text only (no tool call). */
export function textReply(text: string): ScriptedReply {
  seq++;
  return {
    status: 200,
    body: {
      id: `msg_fake_${seq}`,
      type: 'message',
      role: 'assistant',
      model: 'fake',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 900, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    },
  };
}

export function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}): ScriptedReply {
  return { status, headers, body: { type: 'error', error: { type, message } } };
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  private script: (ScriptedReply | Responder)[] = [];
  fallback: Responder = () => toolUse('escalate', { reason: 'fake server: nothing scripted' });
  private server: Server | undefined;
  private sockets = new Set<import('node:net').Socket>();
  private timers = new Set<NodeJS.Timeout>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          body = raw;
        }
        const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() };
        const index = this.requests.length;
        this.requests.push(rec);
        const next = this.script.shift() ?? this.fallback;
        const reply = typeof next === 'function' ? next(rec, index) : next;
        const send = () => {
          if (res.destroyed || res.writableEnded) return;
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'request-id': `req_fake_${index}`, ...reply.headers });
          res.end(JSON.stringify(reply.body ?? {}));
        };
        if (reply.delayMs) {
          const t = setTimeout(() => {
            this.timers.delete(t);
            send();
          }, reply.delayMs);
          this.timers.add(t);
        } else send();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Queues replies, answered in order; each entry is used for one request. */
  enqueue(...replies: (ScriptedReply | Responder)[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Requests to the Messages endpoint. */
  messages(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/v1/messages'));
  }

  reset(): void {
    this.requests.length = 0;
    this.script = [];
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
