// Dashboard figures on a generated 10,000-doc workspace, the server (`orchestra dashboard`) in its own process
// and autocannon (programmatic API) as 50 concurrent clients:
// - `/api/workers` and `/api/metrics` latency, p50 and p99, next to a static file from the same server
//   (target: p50 <= 3x the static file's)
// - start-up (10,000 docs loaded) and the time from a doc landing to its server-sent event
// - from `orchestra order` returning to its event, and to the order shown in a live page in Chromium (if installed)
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { BIN, env, generateWorkspace, median, record, recordAbsolute, report } from './lib.mjs';

const N = Number(process.env.BENCH_DOCS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 50;
const execFileP = promisify(execFile);
const dir = generateWorkspace(N);
console.error(`dashboard: workspace with ${N} docs at ${dir}`);

const t0 = Date.now();
const server = spawn(process.execPath, [BIN, 'dashboard', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /dashboard: (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`dashboard exited ${code}`)));
});
const startMs = Date.now() - t0;

function load(p) {
  return new Promise((resolve, reject) => {
    autocannon({ url: new URL(p, url).href, connections: CONNECTIONS, duration: SECONDS }, (err, res) => {
      if (err) return reject(err);
      if (res.non2xx || res.errors) return reject(new Error(`${p}: ${res.non2xx} non-2xx, ${res.errors} errors`));
      resolve({ p50: res.latency.p50, p99: res.latency.p99, rps: res.requests.average });
    });
  });
}

// Warm up every route once (first metrics and workers views are computed on first request).
for (const p of ['/assets/style.css', '/api/workers', '/api/metrics']) await fetch(new URL(p, url)).then((r) => r.arrayBuffer());
const stat = await load('/assets/style.css');
const workers = await load('/api/workers');
const metrics = await load('/api/metrics');

// A doc landing → its change event on /api/events.
const ctl = new AbortController();
const events = await fetch(new URL('/api/events', url), { signal: ctl.signal });
const reader = events.body.getReader();
let buffer = '';
const seen = new Map();
(async () => {
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ done: true }));
    if (done) return;
    buffer += new TextDecoder().decode(value);
    for (const m of buffer.matchAll(/"docs":\[([^\]]*)\]/g)) for (const id of m[1].split(',')) seen.set(JSON.parse(id || '""'), Date.now());
    buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
  }
})();
const sse = [];
const folder = path.join(dir, '.orchestra', 'docs', 'worker-core');
mkdirSync(folder, { recursive: true });
for (let i = 0; i < 10; i++) {
  const id = `20270101-000000-order-sse-${i}-b${i}`;
  const at = Date.now();
  writeFileSync(path.join(folder, `${id}.md`), `---\ntype: order\ntitle: SSE ${i}\n---\nbody\n`);
  while (!seen.has(id) && Date.now() - at < 5000) await new Promise((r) => setTimeout(r, 2));
  sse.push((seen.get(id) ?? Date.now() + 5000) - at);
}
// What the tests used to assert (now figures): `orchestra order` returned, its commit done → the change event
// naming the order (was "< 1 s" in test/dashboard-api.test.ts), and → the order shown in a live page in Chromium
// (was "< 2 s" in test/browser-dashboard.test.ts). The event can come before the CLI returns: that counts as 0.
const order = (title) => execFileP(process.execPath, [BIN, 'order', 'worker-core', title], { cwd: dir, env }).then((r) => r.stdout.trim());
const cliSse = [];
for (let i = 0; i < 10; i++) {
  const id = await order(`SSE by CLI ${i}`);
  const at = Date.now();
  while (!seen.has(id) && Date.now() - at < 5000) await new Promise((r) => setTimeout(r, 2));
  cliSse.push(Math.max(0, (seen.get(id) ?? at + 5000) - at));
}
ctl.abort();
const pageMs = [];
const chromiumExe = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromiumExe)) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumExe, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.locator('#live.on').waitFor({ timeout: 60_000 });
  for (let i = 0; i < 5; i++) {
    const id = await order(`Page order ${i}`);
    const at = performance.now();
    await page.locator(`#docs [data-id="${id}"]`).waitFor({ timeout: 30_000 });
    pageMs.push(performance.now() - at);
  }
  await browser.close();
} else {
  console.error(`dashboard: no Chromium at ${chromiumExe}: the page figure is skipped`);
}
// Resident memory of the server process after the load (Linux only).
let rssMb;
try {
  const { readFileSync } = await import('node:fs');
  rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
} catch {
  rssMb = undefined;
}
server.kill('SIGTERM');

console.error(`static p50 ${stat.p50} ms p99 ${stat.p99} ms (${Math.round(stat.rps)} req/s); workers p50 ${workers.p50} p99 ${workers.p99} (${Math.round(workers.rps)} req/s); metrics p50 ${metrics.p50} p99 ${metrics.p99} (${Math.round(metrics.rps)} req/s)`);
record(`/api/workers p50, ${CONNECTIONS} clients, ${N} docs`, workers.p50, stat.p50, 3);
record(`/api/metrics p50, ${CONNECTIONS} clients, ${N} docs`, metrics.p50, stat.p50, 3);
record(`/api/workers p99`, workers.p99, stat.p99);
record(`/api/metrics p99`, metrics.p99, stat.p99);
recordAbsolute('static file p50 (the floor)', stat.p50, undefined, 'ms');
recordAbsolute(`start-up with ${N} docs (to listening)`, startMs, undefined, 'ms');
if (rssMb !== undefined) recordAbsolute(`server RSS with ${N} docs watched`, rssMb, undefined, 'MB');
recordAbsolute('doc written → SSE change event, median of 10', median(sse), 1000, 'ms');
recordAbsolute('`orchestra order` returned → SSE event naming it, median of 10', median(cliSse), 1000, 'ms');
recordAbsolute('`orchestra order` returned → SSE event naming it, max of 10', Math.max(...cliSse), 1000, 'ms');
if (pageMs.length) {
  recordAbsolute('`orchestra order` returned → shown in the live page (Chromium), median of 5', median(pageMs), 2000, 'ms');
  recordAbsolute('`orchestra order` returned → shown in the live page (Chromium), max of 5', Math.max(...pageMs), 2000, 'ms');
}
report(`dashboard (${N} docs, ${CONNECTIONS} concurrent clients, ${SECONDS} s per route)`);
