/**
 * Who may use the dashboard, besides the Host and Origin checks of security.ts:
 * - the session token: made at start, embedded in the page, and required (header `X-Orchestra-Session`) on the
 *   page's writes and on any write a browser sends. A cross-site page cannot read it, and a form cannot set a
 *   header, so a forged form post or fetch is refused with 403 and changes nothing.
 * - the access token: on a listen address other than loopback, EVERY request (page, API, event stream) must carry
 *   it: `?token=T` once (the server then sets a cookie and the page drops it from its URL), the cookie, or an
 *   `Authorization: Bearer T` header for scripts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

export const SESSION_HEADER = 'x-orchestra-session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A token given with --token: long enough to resist guessing, printable, no separators that URLs or cookies mangle. */
const TOKEN_RE = /^[A-Za-z0-9._~-]{16,200}$/;

export function makeToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenProblem(token: string): string | undefined {
  if (TOKEN_RE.test(token)) return undefined;
  return '--token must be 16 to 200 characters of letters, digits, ".", "_", "~" or "-" (omit it to have one generated)';
}

function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieName(port: number): string {
  return `orchestra_token_${port}`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * Checks the access token when one is required. Returns the `Set-Cookie` header to send when the token came in
 * the URL, so the next requests (the page's fetches, its event stream) carry it without it.
 */
export function checkAccess(req: IncomingMessage, query: URLSearchParams, token: string | undefined, port: number): string | undefined {
  if (token === undefined) return undefined;
  const name = cookieName(port);
  const fromQuery = query.get('token') ?? undefined;
  if (same(fromQuery, token)) return `${name}=${token}; Path=/; HttpOnly; SameSite=Strict`;
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  if (same(bearer, token) || same(cookieValue(req.headers.cookie, name), token)) return undefined;
  throw new HttpError(401, 'this dashboard needs its access token: open the address printed at its start (…/?token=…), or send "Authorization: Bearer <token>"', {
    'WWW-Authenticate': 'Bearer realm="orchestra"',
  });
}

/**
 * Writes need the session token when they are the page's own actions (`/api/actions/...`) or come from a browser
 * at all (it sends Origin or Sec-Fetch-Site on every POST). curl and scripts that post the seed's
 * `/api/v1/docs` send neither and keep working as the seed documented.
 */
export function checkSession(method: string, req: IncomingMessage, parts: string[], session: string): void {
  if (SAFE_METHODS.has(method)) return;
  const pageAction = parts[0] === 'api' && parts[1] === 'actions';
  const fromBrowser = req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
  if (!pageAction && !fromBrowser) return;
  const given = req.headers[SESSION_HEADER];
  if (!same(typeof given === 'string' ? given : undefined, session)) {
    throw new HttpError(403, `write refused: the request does not carry this dashboard's session token (the ${SESSION_HEADER} header the page sends); reload the page`);
  }
}
