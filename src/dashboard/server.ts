/**
 * The dashboard: one node:http server for the page, its files, the JSON API, server-sent events, and the
 * seed's `/api/v1` routes. `orchestra dashboard`, `orchestra up` and `orchestra demo` start it in-process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Config } from '../core/config.js';
import { Forbidden, NotFoundError, OrchestraError, Refusal, UsageError, ValidationError } from '../errors.js';
import { loadConfig } from '../store/config-file.js';
import { Git, docsGit } from '../store/git.js';
import type { LiveDocs } from '../store/live-docs.js';
import { startFollower } from '../store/sync/follow.js';
import type { Workspace } from '../store/workspace.js';
import { EventHub } from './events.js';
import { HttpError, sendError } from './http.js';
import { LiveModel } from './model.js';
import { NotifyFeed } from './notify-feed.js';
import { ProposalsWatch } from './proposals.js';
import { route, type RouteContext } from './routes.js';
import { checkAccess, checkSession, makeToken, tokenProblem } from './access.js';
import { allowedHosts, checkHost, checkOrigin, isLoopback, SECURITY_HEADERS } from './security.js';
import { loadAssets, sendAsset, withSessionToken } from './static.js';
import { Views } from './views.js';

export const DEFAULT_PORT = 25501;
export const DEFAULT_HOST = '127.0.0.1';

export interface DashboardOptions {
  port?: number;
  host?: string;
  log?: (line: string) => void;
  /** Already loaded by the caller (`orchestra up`); read from orchestra.yaml otherwise. */
  config?: Config;
  git?: Git;
  /** A live doc model shared with the daemon (`orchestra up`); the caller closes it. */
  live?: LiveDocs;
  /**
   * The access token every request must carry. Required on a listen address other than loopback: generated (and
   * printed) when not given. Given on loopback, it is required there too.
   */
  token?: string;
}

export interface Dashboard {
  /** The address to open; with an access token, `?token=` included. */
  url: string;
  port: number;
  /** The access token, when one is required. */
  token?: string;
  close(): Promise<void>;
}

function errorStatus(e: unknown): { status: number; message: string; headers: Record<string, string> } {
  if (e instanceof HttpError) return { status: e.status, message: e.message, headers: e.headers };
  if (e instanceof NotFoundError) return { status: 404, message: e.message, headers: {} };
  // Who may do what (a rule) is 403; a request the state does not allow now (not waiting, rejected already) 409.
  if (e instanceof Forbidden) return { status: 403, message: e.message, headers: {} };
  if (e instanceof Refusal) return { status: 409, message: e.message.split('\n')[0], headers: {} };
  if (e instanceof UsageError || e instanceof ValidationError) return { status: 400, message: e.message.split('\n')[0], headers: {} };
  if (e instanceof OrchestraError) return { status: 500, message: e.message.split('\n')[0], headers: {} };
  return { status: 500, message: 'internal error (the dashboard log has details)', headers: {} };
}

function splitPath(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'the URL path is not valid percent-encoding');
  }
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') reject(new OrchestraError(`port ${port} on ${host} is in use: stop what uses it, or pick another with --port (--port 0 picks a free one)`));
      else if (e.code === 'EACCES') reject(new OrchestraError(`not allowed to listen on port ${port}: pick one above 1023 with --port`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new OrchestraError(`cannot listen on host "${host}": it is not an address of this machine (--host 127.0.0.1 is the default)`));
      else reject(new OrchestraError(`cannot listen on ${host}:${port}: ${e.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** The addresses other machines reach this one at (IPv4, not loopback), for a host bound to every interface. */
function phoneAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host.includes(':') ? `[${host}]` : host];
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address));
}

/** Starts the dashboard on `host:port` (default 127.0.0.1:25501; port 0 picks a free one). */
export async function startDashboard(ws: Workspace, opts: DashboardOptions = {}): Promise<Dashboard> {
  const host = opts.host ?? DEFAULT_HOST;
  const requestedPort = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) throw new UsageError(`port ${requestedPort} is not a port number: use 0 to 65535`);
  const log = opts.log ?? (() => {});
  if (opts.token !== undefined) {
    const bad = tokenProblem(opts.token);
    if (bad) throw new UsageError(bad);
  }
  const token = opts.token ?? (isLoopback(host) ? undefined : makeToken());
  // The page's writes carry this (security: access.ts); a new one at every start.
  const session = makeToken();
  const config = opts.config ?? opts.live?.config ?? loadConfig(ws);
  const git = opts.git ?? opts.live?.git ?? docsGit(ws);
  const assets = withSessionToken(loadAssets(), session);
  const hub = new EventHub();
  let feed: NotifyFeed | undefined;
  const model = await LiveModel.open(ws, {
    config,
    git,
    log,
    live: opts.live,
    onChange: (e) => {
      hub.broadcast('change', e);
      feed?.change(e);
    },
  });
  feed = new NotifyFeed(ws, model, config, (e) => hub.broadcast('notify', e));
  // Review mode: the proposals branch moves by plumbing, unseen by the doc model; the page is told with `proposals`.
  const proposals = new ProposalsWatch(model, (tip) => hub.broadcast('proposals', { tip }));
  await proposals.start();
  const views = new Views(model);
  let allowed = new Set<string>();
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const method = req.method ?? 'GET';
    try {
      checkHost(req.headers.host, allowed);
      checkOrigin(method, req.headers.origin, req.headers['sec-fetch-site'] as string | undefined, allowed);
      const raw = req.url ?? '/';
      if (!raw.startsWith('/')) throw new HttpError(400, 'the request target must be a path');
      const url = new URL(`http://dashboard${raw}`);
      const cookie = checkAccess(req, url.searchParams, token, port);
      if (cookie) res.setHeader('Set-Cookie', cookie);
      const parts = splitPath(url.pathname);
      checkSession(method, req, parts, session);
      if (parts[0] === 'api') {
        const { handler } = route(method, parts.slice(1));
        const c: RouteContext = { req, res, parts: parts.slice(1), query: url.searchParams, views, model, hub };
        await handler(c);
        return;
      }
      const asset = assets.get(url.pathname === '/index.html' ? '/' : url.pathname);
      if (!asset) throw new HttpError(404, `no page at ${url.pathname.slice(0, 100)}: the dashboard is at /`);
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed on ${url.pathname}: use GET`, { Allow: 'GET, HEAD' });
      sendAsset(req, res, asset);
    } catch (e) {
      const { status, message, headers } = errorStatus(e);
      if (status >= 500) log(`dashboard: ${method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
      if (res.headersSent) res.end();
      else sendError(res, status, message, headers);
    }
  };

  const server = createServer({ keepAliveTimeout: 5_000, headersTimeout: 20_000, requestTimeout: 60_000 }, (req, res) => {
    void handle(req, res);
  });
  // curl asks before sending a large body (Expect: 100-continue): refuse a too-large one without reading it.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > 16 * 1024 * 1024) {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      sendError(res, 413, 'request body is over the size limit: send a shorter doc (link to large content instead)', { Connection: 'close' });
      return;
    }
    res.writeContinue();
    void handle(req, res);
  });
  server.on('clientError', (err, socket) => {
    if (!socket.writable) return socket.destroy();
    const body = JSON.stringify({ error: `bad request: ${(err as NodeJS.ErrnoException).code ?? 'malformed HTTP'}` });
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  try {
    await listen(server, requestedPort, host);
  } catch (e) {
    proposals.stop();
    hub.close();
    await model.close();
    throw e;
  }
  port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const query = token ? `?token=${token}` : '';
  const url = `http://${shownHost}:${port}/${query}`;
  if (!isLoopback(host)) {
    log(`warning: the dashboard listens on ${host}, reachable from other machines: every request must carry its access token${opts.token ? ' (--token)' : `, generated for this run: ${token}`}`);
    for (const a of phoneAddresses(host)) log(`open it from a phone on the same network: http://${a}:${port}/${query}`);
  }

  // A dashboard of its own (not sharing `up`'s daemon, which syncs) keeps the clone current when sync is set.
  const follower = opts.live ? undefined : startFollower(ws, config, git, { onWarning: (m) => log(`dashboard: ${m}`) });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    ...(token ? { token } : {}),
    close: () =>
      (closing ??= (async () => {
        proposals.stop();
        hub.close();
        await follower?.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all([closed, model.close()]);
      })()),
  };
}
