/** Small HTTP helpers: JSON replies, the error every bad request gets, and request bodies read with a cap. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request we refuse, with the status and the one-line reason the client sees as `{"error": "..."}`. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  sendRawJson(res, status, JSON.stringify(value), headers);
}

/** Sends an already serialised JSON text (cached responses are serialised once per change). */
export function sendRawJson(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: message }, headers);
}

/** Bodies beyond this are drained (so the client reads our 413) up to here, then the socket is dropped. */
const DRAIN_LIMIT = 16 * 1024 * 1024;

/**
 * The request body as text, refused with 413 past `maxBytes`. An over-long body is read to its end (up to a
 * hard limit) before answering, so a client still sending gets the 413 instead of a reset connection.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => new HttpError(413, `request body is over the ${formatBytes(maxBytes)} limit: send a shorter doc (link to large content instead)`, { Connection: 'close' });
    if (Number.isFinite(declared) && declared > DRAIN_LIMIT) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        if (size > DRAIN_LIMIT) {
          reject(tooLarge());
          req.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', (e) => reject(new HttpError(400, `could not read the request body: ${e.message}`)));
  });
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
}

/** A whole number query parameter within bounds, or a 400 naming the parameter. */
export function intParam(params: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `?${name}=${raw.slice(0, 40)} is not a whole number from ${min} to ${max}`);
  return n;
}
