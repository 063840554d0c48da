/**
 * What the server refuses before any route runs: a Host that is not the address it serves (DNS rebinding), a
 * write whose Origin is another site (CSRF), and the headers every response carries.
 */
import os from 'node:os';
import { HttpError } from './http.js';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isWildcard(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '';
}

function hostPort(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${h}:${port}`.toLowerCase();
}

/**
 * The Host header values this server answers to: the loopback names, the configured host, and, when bound to
 * every interface, the machine's own addresses and name.
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = ['127.0.0.1', 'localhost', '::1'];
  if (!isWildcard(host)) names.push(host);
  else {
    names.push(os.hostname());
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.push(a.address.replace(/%.*$/, ''));
  }
  return new Set(names.map((n) => hostPort(n, port)));
}

export function checkHost(hostHeader: string | undefined, allowed: ReadonlySet<string>): void {
  if (!hostHeader) throw new HttpError(400, 'the request has no Host header');
  if (!allowed.has(hostHeader.toLowerCase())) {
    throw new HttpError(421, `Host "${hostHeader.slice(0, 100)}" is not this dashboard's address (use ${[...allowed][0]}): refused to protect against DNS rebinding`);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes from a browser carry an Origin; it must be this server. curl and scripts send none and pass, and a
 * browser cannot omit it on a cross-site POST.
 */
export function checkOrigin(method: string, origin: string | undefined, fetchSite: string | undefined, allowed: ReadonlySet<string>): void {
  if (SAFE_METHODS.has(method)) return;
  if (origin !== undefined) {
    let ok = false;
    try {
      const u = new URL(origin);
      ok = u.protocol === 'http:' && allowed.has(u.host.toLowerCase());
    } catch {
      ok = false;
    }
    if (!ok) throw new HttpError(403, `cross-origin write refused: Origin "${origin.slice(0, 100)}" is not this dashboard`);
  }
  if (fetchSite === 'cross-site') throw new HttpError(403, 'cross-site write refused (Sec-Fetch-Site: cross-site)');
}

/** The page may load scripts, styles and data from this server only; nothing inline, nothing from elsewhere. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
