/** The page's files, read once at start and served from memory with an ETag; chart.js from node_modules. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/** `assets/dashboard` in the installed package (this file is `dist/dashboard/static.js`). */
export function assetsDir(): string {
  return fileURLToPath(new URL('../../assets/dashboard/', import.meta.url));
}

function asset(file: string): Asset {
  const body = readFileSync(file);
  return { body, type: TYPES[path.extname(file)] ?? 'application/octet-stream', etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"` };
}

/** URL path → asset. Only files that exist at start are served: no path from a request ever reaches the disk. */
export function loadAssets(dir = assetsDir()): Map<string, Asset> {
  const map = new Map<string, Asset>();
  for (const f of readdirSync(dir)) {
    if (f.startsWith('.') || !TYPES[path.extname(f)]) continue;
    map.set(`/assets/${f}`, asset(path.join(dir, f)));
  }
  const index = map.get('/assets/index.html');
  if (index) map.set('/', index);
  // chart.js does not export its UMD build; find it next to the package's main file.
  const main = createRequire(import.meta.url).resolve('chart.js');
  map.set('/vendor/chart.umd.min.js', asset(path.join(path.dirname(main), 'chart.umd.min.js')));
  return map;
}

export function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
  const headers = { 'Content-Type': a.type, ETag: a.etag, 'Cache-Control': 'no-cache' };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': a.body.length });
  res.end(req.method === 'HEAD' ? undefined : a.body);
}

/**
 * The page with this server's session token in its `<meta name="orchestra-session">` (the page reads it and sends
 * it with every write). The CSP allows no inline script, so a meta tag carries it.
 */
export function withSessionToken(assets: Map<string, Asset>, session: string): Map<string, Asset> {
  const index = assets.get('/');
  if (!index) return assets;
  const text = index.body.toString('utf8').replace('<meta name="orchestra-session" content="">', `<meta name="orchestra-session" content="${session}">`);
  const page: Asset = { body: Buffer.from(text), type: index.type, etag: `"${createHash('sha1').update(text).digest('base64url').slice(0, 20)}"` };
  assets.set('/', page);
  assets.set('/assets/index.html', page);
  return assets;
}
