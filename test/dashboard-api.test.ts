/**
 * The dashboard's HTTP API against a real server (`orchestra dashboard --port 0`) on a real workspace: every
 * route's JSON, filters and errors; live events; the seed's own curl commands run with the real curl binary;
 * the Host/Origin/size refusals; and 1,000 concurrent requests.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, ok, okJson, run, ROOT, spawnCli, subjects, trailersOf, waitFor } from './helpers.js';
import { addAlert, makeFixture, startCliDashboard, type Fixture, type Running } from './dashboard-fixture.js';

const exec = promisify(execFile);

/** A raw request, so tests can send any Host and Origin (fetch will not let them be forged). */
function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function getJson(base: string, p: string): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(new URL(p, base));
  return { status: r.status, json: await r.json(), headers: r.headers };
}

function expectError(status: number, json: any, want: number) {
  expect(status).toBe(want);
  expect(typeof json.error).toBe('string');
  expect(json.error.length).toBeGreaterThan(10);
  // One clear line, never a stack trace.
  expect(json.error).not.toMatch(/\n|\s+at\s.+:\d+:\d+/);
  expect(Object.keys(json)).toEqual(['error']);
}

const DOC_KEYS = ['id', 'type', 'title', 'from', 'to', 'priority', 'status', 'state', 're', 'after', 'outcome', 'tags', 'created', 'path'];

describe('dashboard HTTP API', () => {
  let fx: Fixture;
  let dash: Running;
  let base: string;

  beforeAll(async () => {
    fx = await makeFixture();
    dash = await startCliDashboard(fx.dir);
    base = dash.url;
  });

  afterAll(async () => {
    await dash?.proc.stop();
    cleanupTemp();
  });

  it('serves the page with a strict CSP and nosniff, and chart.js from the same server', async () => {
    const page = await fetch(base);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    const chart = await fetch(new URL('/vendor/chart.umd.min.js', base));
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect((await chart.text()).length).toBeGreaterThan(100_000);
    const etag = chart.headers.get('etag')!;
    expect((await fetch(new URL('/vendor/chart.umd.min.js', base), { headers: { 'If-None-Match': etag } })).status).toBe(304);
    for (const a of ['/assets/app.js', '/assets/graph.js', '/assets/style.css']) expect((await fetch(new URL(a, base))).status).toBe(200);
    const missing = await getJson(base, '/assets/../orchestra.yaml');
    expect(missing.status).toBe(404);
  });

  it('/api/workers: every worker with state, current order and counts', async () => {
    const { status, json } = await getJson(base, '/api/workers');
    expect(status).toBe(200);
    expect(json.map((w: any) => w.name)).toEqual(['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui']);
    const core = json[0];
    for (const k of ['name', 'state', 'currentOrder', 'ready', 'waiting', 'open', 'lastActivity', 'dependsOn', 'blocked', 'currentOrderTitle', 'liveness', 'lastSeen']) expect(core).toHaveProperty(k);
    expect(core).toMatchObject({ state: 'working', currentOrder: fx.ids.core, currentOrderTitle: 'Optimize propagation', liveness: 'working' });
    // worker-core called orchestra as itself in the fixture (start); worker-ui never did.
    expect(typeof core.lastSeen).toBe('string');
    expect(json[3]).toMatchObject({ name: 'worker-ui', lastSeen: null });
    expect(json[1]).toMatchObject({ name: 'worker-infra', state: 'ready', ready: 1 });
    expect(json[2]).toMatchObject({ name: 'worker-nlp', state: 'waiting', waiting: 1, dependsOn: ['worker-core'] });
    // The same view the CLI derives.
    const cli = await okJson(fx.dir, ['pending', 'worker-infra']);
    expect(cli.ready.map((d: any) => d.id)).toEqual([fx.ids.coverage]);
  });

  it('/api/metrics: the seed formulas with quality, and ?since', async () => {
    const { status, json } = await getJson(base, '/api/metrics');
    expect(status).toBe(200);
    expect(json).toMatchObject({ ordersTotal: 5, ordersCompleted: 1, escalations: 1, conflicts: 0 });
    expect(json.quality).toEqual(expect.objectContaining({ autonomyPct: 80, conflicts: 0, conflictsPerTask: 0 }));
    expect(json.daily.length).toBe(8);
    expect(json.daily.at(-1).completed).toBe(1);
    // Conflicts come from the alerts the health scan records, counted like `orchestra metrics` does.
    const key = addAlert(fx.dir, { kind: 'conflict', level: 'warning', message: 'src/core/a.ts changed by worker-core and worker-nlp' });
    const withConflict = await waitFor(async () => {
      const r = (await getJson(base, '/api/metrics')).json;
      return r.quality.conflicts === 1 ? r : undefined;
    }, { timeoutMs: 5000, message: 'the conflict to count' });
    expect(withConflict.quality.conflictsPerTask).toBe(0.2);
    const { appendFileSync } = await import('node:fs');
    appendFileSync(path.join(fx.dir, '.orchestra', 'state', 'alerts.jsonl'), `${JSON.stringify({ resolve: key, at: new Date(Date.now() + 1000).toISOString() })}\n`);
    const two = await getJson(base, '/api/metrics?since=2d');
    expect(two.json.daily.length).toBe(3);
    const bad = await getJson(base, '/api/metrics?since=forever');
    expectError(bad.status, bad.json, 400);
  });

  it('/api/alerts: open alerts newest first; ?all=1 includes resolved ones', async () => {
    const { json } = await getJson(base, '/api/alerts');
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ kind: 'stalled', level: 'warning', doc: fx.ids.core, docTitle: 'Optimize propagation' });
    for (const k of ['id', 'at', 'level', 'kind', 'message']) expect(json[0]).toHaveProperty(k);
    const key = json[0].id;
    const file = path.join(fx.dir, '.orchestra', 'state', 'alerts.jsonl');
    const { appendFileSync } = await import('node:fs');
    appendFileSync(file, `${JSON.stringify({ resolve: key, at: new Date(Date.now() + 1000).toISOString() })}\n`);
    await waitFor(async () => (await getJson(base, '/api/alerts')).json.length === 0, { timeoutMs: 5000, message: 'the resolved alert to leave /api/alerts' });
    const all = await getJson(base, '/api/alerts?all=1');
    expect(all.json.map((a: any) => a.kind).sort()).toEqual(['conflict', 'stalled']);
    expect(all.json.every((a: any) => a.resolved)).toBe(true);
    const bad = await getJson(base, '/api/alerts?all=maybe');
    expectError(bad.status, bad.json, 400);
  });

  it('/api/timeline: from git, newest first, with ?limit and ?worker', async () => {
    const { json } = await getJson(base, '/api/timeline');
    expect(json[0]).toMatchObject({ type: 'escalation', worker: 'worker-ui', actor: 'daemon', doc: fx.ids.escalation, docTitle: 'worker-ui is idle' });
    for (const k of ['commit', 'at', 'actor', 'type', 'worker', 'doc', 'title']) expect(json[0]).toHaveProperty(k);
    expect(json.map((e: any) => e.doc)).toContain(fx.ids.ciReport);
    expect((await getJson(base, '/api/timeline?limit=2')).json).toHaveLength(2);
    const infra = (await getJson(base, '/api/timeline?worker=worker-infra')).json;
    expect(infra.length).toBeGreaterThanOrEqual(4);
    expect(infra.every((e: any) => e.worker === 'worker-infra' || e.actor === 'worker-infra')).toBe(true);
    const log = await okJson(fx.dir, ['log']);
    expect(json.map((e: any) => e.commit)).toEqual(log.map((e: any) => e.commit));
    for (const [p, code] of [['/api/timeline?limit=0', 400], ['/api/timeline?limit=abc', 400], ['/api/timeline?worker=nobody', 404]] as const) {
      const r = await getJson(base, p);
      expectError(r.status, r.json, code);
    }
  });

  it('/api/docs: newest first, the CLI JSON shape, ?limit, ?worker, ?type, ?state', async () => {
    const all = (await getJson(base, '/api/docs')).json;
    expect(all.length).toBe(8);
    for (const k of DOC_KEYS) expect(all[0]).toHaveProperty(k);
    expect([...all].map((d: any) => d.created)).toEqual([...all].map((d: any) => d.created).sort().reverse());
    expect((await getJson(base, '/api/docs?limit=3')).json).toHaveLength(3);
    const infra = (await getJson(base, '/api/docs?worker=worker-infra')).json;
    expect(new Set(infra.map((d: any) => d.worker))).toEqual(new Set(['worker-infra']));
    expect(infra).toHaveLength(4);
    const orders = (await getJson(base, '/api/docs?type=order')).json;
    expect(orders).toHaveLength(5);
    const waiting = (await getJson(base, '/api/docs?state=waiting')).json;
    expect(waiting.map((d: any) => d.id).sort()).toEqual([fx.ids.nlp, fx.ids.ui].sort());
    expect(waiting[0].waitingOn.length).toBeGreaterThan(0);
    const ready = (await getJson(base, '/api/docs?state=ready&type=order')).json;
    expect(ready.map((d: any) => d.id)).toEqual([fx.ids.coverage]);
    const esc = (await getJson(base, '/api/docs?type=escalation&state=open')).json;
    expect(esc.map((d: any) => d.id)).toEqual([fx.ids.escalation]);
    // The same as `orchestra list --json` (oldest first there).
    const cli = await okJson(fx.dir, ['list']);
    expect(all.map((d: any) => d.id)).toEqual(cli.map((d: any) => d.id).reverse());
    for (const p of ['/api/docs?limit=-1', '/api/docs?limit=1.5', '/api/docs?worker=nobody', '/api/docs?type=memo', '/api/docs?state=sleeping']) {
      const r = await getJson(base, p);
      expectError(r.status, r.json, 400);
    }
  });

  it('/api/docs/<id>: the doc in full with sanitised HTML and its replies', async () => {
    const { status, json } = await getJson(base, `/api/docs/${fx.ids.ci}`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: fx.ids.ci, type: 'order', state: 'completed', body: 'Run the tests on every push.' });
    expect(json.html).toBe('<p>Run the tests on every push.</p>\n');
    expect(json.replies.map((r: any) => r.id)).toEqual([fx.ids.ciReport]);
    const core = (await getJson(base, `/api/docs/${fx.ids.core}`)).json;
    expect(core.html).toContain('<h2>Goal</h2>');
    expect(core.html).toContain('<code>propagate()</code>');
    const hostile = await ok(fx.dir, ['order', 'worker-core', 'Hostile', '--body', '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[x](javascript:alert(3)) <a href="javascript:alert(4)" onclick="alert(5)">y</a> <a href="JaVaScRiPt&colon;alert(6)">z</a>']);
    const h = await waitFor(async () => {
      const r = await getJson(base, `/api/docs/${hostile}`);
      return r.status === 200 ? r.json : undefined;
    }, { timeoutMs: 5000 });
    expect(h.html).not.toMatch(/<script|onerror|onclick|javascript:/i);
    expect(h.html).toContain('<img src="x" />');
    for (const [p, code] of [[`/api/docs/no-such-doc`, 404], ['/api/docs/..%2Fsecret', 400], ['/api/docs/%E0%A4%A', 400]] as const) {
      const r = await getJson(base, p);
      expectError(r.status, r.json, code);
    }
  });

  it('unknown routes and wrong methods get a JSON 404/405', async () => {
    const r = await getJson(base, '/api/nothing');
    expectError(r.status, r.json, 404);
    const p = await raw(dash.port, { method: 'POST', path: '/api/workers', headers: { Host: `127.0.0.1:${dash.port}` }, body: '{}' });
    expectError(p.status, JSON.parse(p.body), 405);
    expect(p.headers.allow).toBe('GET');
    const del = await raw(dash.port, { method: 'DELETE', path: '/', headers: { Host: `127.0.0.1:${dash.port}` } });
    expect(del.status).toBe(405);
  });

  it('/api/events: a change event naming a new doc, then one for the timeline', async () => {
    const ctl = new AbortController();
    const res = await fetch(new URL('/api/events', base), { signal: ctl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const events: { data: any }[] = [];
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
        let i;
        while ((i = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, i);
          text = text.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev === 'change' && data) events.push({ data: JSON.parse(data) });
          if (ev === 'hello') events.push({ data: { hello: true } });
        }
      }
    })();
    await waitFor(() => events.some((e) => e.data.hello), { timeoutMs: 5000 });
    const id = await ok(fx.dir, ['order', 'worker-nlp', 'Live event check']);
    // How fast it arrives is a figure of `npm run bench -- dashboard`, not an assertion here.
    await waitFor(() => events.find((e) => e.data.docs?.includes(id)), { timeoutMs: 30_000, message: 'a change event naming the new doc' });
    await waitFor(() => events.some((e) => e.data.timeline), { timeoutMs: 5000, message: 'a timeline change after the commit' });
    ctl.abort();
    await pump;
  });

  it('refuses a foreign Host (DNS rebinding) and accepts the loopback names', async () => {
    for (const host of ['evil.example', `evil.example:${dash.port}`, `127.0.0.1:${dash.port + 1}`, `attacker.127.0.0.1.nip.io:${dash.port}`]) {
      for (const p of ['/', '/api/workers', '/api/events']) {
        const r = await raw(dash.port, { path: p, headers: { Host: host } });
        expect(r.status).toBe(421);
        expect(JSON.parse(r.body).error).toMatch(/DNS rebinding/);
      }
    }
    for (const host of [`127.0.0.1:${dash.port}`, `localhost:${dash.port}`, `[::1]:${dash.port}`, `LOCALHOST:${dash.port}`]) {
      expect((await raw(dash.port, { path: '/api/workers', headers: { Host: host } })).status).toBe(200);
    }
  });

  it('refuses writes carrying a foreign Origin (CSRF) but takes curl (no Origin) and same-origin', async () => {
    const before = subjects(fx.dir).length;
    const body = JSON.stringify({ title: 'ORDEN: from a foreign page', tags: ['worker-core'], author: 'lucas' });
    const host = `127.0.0.1:${dash.port}`;
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${dash.port + 1}`, `https://127.0.0.1:${dash.port}`]) {
      const r = await raw(dash.port, { method: 'POST', path: '/api/v1/docs', headers: { Host: host, Origin: origin, 'Content-Type': 'text/plain' }, body });
      expect(r.status).toBe(403);
      expectError(r.status, JSON.parse(r.body), 403);
    }
    const site = await raw(dash.port, { method: 'POST', path: '/api/v1/docs', headers: { Host: host, 'Sec-Fetch-Site': 'cross-site' }, body });
    expect(site.status).toBe(403);
    expect(subjects(fx.dir).length).toBe(before);
    // The page's own origin writes with the session token it carries (test/dashboard-actions.test.ts refuses it without).
    const session = /<meta name="orchestra-session" content="([^"]+)">/.exec(await (await fetch(base)).text())![1];
    const same = await raw(dash.port, { method: 'POST', path: '/api/v1/docs', headers: { Host: host, Origin: `http://${host}`, 'Content-Type': 'application/json', 'X-Orchestra-Session': session }, body });
    expect(same.status).toBe(201);
  });

  it('refuses a 2 MB body with 413, whether announced or streamed, and stays up', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    const r = await fetch(new URL('/api/v1/docs', base), { method: 'POST', body: big });
    expect(r.status).toBe(413);
    expectError(413, await r.json(), 413);
    const streamed = await raw(dash.port, { method: 'POST', path: '/api/v1/docs', headers: { Host: `127.0.0.1:${dash.port}`, 'Transfer-Encoding': 'chunked' }, body: big });
    expect(streamed.status).toBe(413);
    const file = path.join(fx.dir, 'big.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ title: 'ORDEN: big', tags: ['worker-core'], content: 'x'.repeat(2 * 1024 * 1024) }));
    const { stdout } = await exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', `${base}api/v1/docs`, '--data-binary', `@${file}`]);
    expect(stdout).toBe('413');
    expect((await fetch(new URL('/api/workers', base))).status).toBe(200);
  });

  it('survives 1,000 concurrent requests', async () => {
    const paths = ['/api/workers', '/api/metrics', '/api/docs?limit=5', '/api/alerts', '/api/timeline?limit=5', '/', '/api/v1/docs?limit=2', `/api/docs/${fx.ids.core}`];
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        fetch(new URL(paths[i % paths.length], base)).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    expect(results.filter((s) => s !== 200)).toEqual([]);
    expect((await getJson(base, '/api/workers')).status).toBe(200);
  });
});

describe("the seed's routes", () => {
  let fx: Fixture;
  let dash: Running;
  let base: string;

  beforeAll(async () => {
    fx = await makeFixture();
    dash = await startCliDashboard(fx.dir);
    base = dash.url;
  });

  afterAll(async () => {
    await dash?.proc.stop();
    cleanupTemp();
  });

  /** The guide's `curl` commands, continuation lines joined, in the order the guide gives them. */
  function seedCurlCommands(): string[] {
    const guide = readFileSync(path.join(ROOT, 'test', 'fixtures', 'seed', 'multi-worker-guide.es.md'), 'utf8');
    const out: string[] = [];
    for (const block of guide.matchAll(/```bash\n([\s\S]*?)```/g)) {
      const joined = block[1].replace(/\\\n\s*/g, '');
      for (const line of joined.split('\n')) if (/^\s*curl /.test(line)) out.push(line.trim());
    }
    return out;
  }

  it("runs every curl command of the seed's guide, as written, with the real curl", async () => {
    const commands = seedCurlCommands();
    expect(commands.length).toBe(11);
    // The guide adds worker-nuevo before publishing its first order (its section "Escalado a Más Workers").
    await ok(fx.dir, ['worker', 'add', 'worker-nuevo']);
    await waitFor(async () => (await getJson(base, '/api/workers')).json.some((w: any) => w.name === 'worker-nuevo'), { timeoutMs: 10_000, message: 'the dashboard to pick up worker-nuevo' });
    let postedId = '';
    for (const command of commands) {
      // Only the address changes: the seed ran its document service on 25500 and its dashboard on 25501.
      let cmd = command.replace(/localhost:2550[01]/g, `localhost:${dash.port}`);
      if (cmd.includes('<id>')) cmd = cmd.replace('<id>', postedId);
      const { stdout, stderr } = await exec('sh', ['-c', cmd], { cwd: fx.dir });
      expect(stderr, cmd).not.toMatch(/curl: \(\d+\)/);
      const json = JSON.parse(stdout);
      expect(json, `${cmd}\n${stdout}`).not.toHaveProperty('error');
      if (cmd.includes('-X POST')) {
        expect(json.id).toMatch(/-order-/);
        postedId ||= json.id;
      }
      if (cmd.includes("jq '.quality'")) expect(json).toHaveProperty('autonomyPct');
      if (cmd.includes('/pendientes')) expect(json).toHaveProperty('ready');
      if (cmd.includes('/api/v1/docs/')) expect(json.tags.length === 0 || json.id === postedId).toBe(true);
    }
    // The first POST: an order for worker-core, committed through the CLI's write path.
    const posted = await okJson(fx.dir, ['show', postedId]);
    expect(posted).toMatchObject({ type: 'order', to: 'worker-core', from: 'lead', title: '...' });
    expect(posted.path).toBe(`.orchestra/docs/worker-core/${postedId}.md`);
    expect(subjects(fx.dir)).toContain('orchestra: order worker-nuevo: ...');
    expect(trailersOf(fx.dir, posted.path)).toMatchObject({ 'Orchestra-Doc': postedId, 'Orchestra-Actor': 'lead' });
    expect(git(fx.dir, ['status', '--porcelain', '--', '.orchestra/docs']).trim()).toBe('');
  });

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const r = await fetch(new URL('/api/v1/docs', base), { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
    return { status: r.status, json: await r.json() };
  }

  it("maps the seed's fields: tags, title prefixes, alta|media|baja, lucas and arquitecto-daemon", async () => {
    const order = await post({ title: 'ORDEN: Vectorize the core', content: 'Done when **fast**', tags: ['worker-core', 'numpy'], author: 'lucas', priority: 'alta' });
    expect(order.status).toBe(201);
    const doc = (await getJson(base, `/api/v1/docs/${order.json.id}`)).json;
    expect(doc).toMatchObject({ type: 'order', title: 'Vectorize the core', from: 'lead', to: 'worker-core', priority: 'high', tags: ['numpy'], content: 'Done when **fast**', author: 'lead' });

    const doubt = await post({ title: 'DUDA: ¿qué framework usar para tests?', tags: ['duda'], author: 'worker-infra', priority: 'media' });
    expect(doubt.status).toBe(201);
    expect((await okJson(fx.dir, ['show', doubt.json.id])).path).toMatch(/^\.orchestra\/docs\/worker-infra\//);

    // Nobody but the daemon process writes as the daemon: the seed's arquitecto-daemon is refused over HTTP.
    const asDaemon = await post({ title: 'RESPUESTA: vitest', tags: ['worker-infra'], author: 'arquitecto-daemon', re: doubt.json.id });
    expect(asDaemon.status).toBe(403);
    expect(asDaemon.json.error).toMatch(/nobody but the daemon process writes as daemon/);
    expect(await okJson(fx.dir, ['show', doubt.json.id])).toMatchObject({ state: 'open' });
    const answer = await post({ title: 'RESPUESTA: vitest', tags: ['worker-infra'], author: 'lucas', re: doubt.json.id });
    expect(answer.status).toBe(201);
    expect(await okJson(fx.dir, ['show', doubt.json.id])).toMatchObject({ state: 'answered' });
    expect(trailersOf(fx.dir, `.orchestra/docs/worker-infra/${answer.json.id}.md`)['Orchestra-Actor']).toBe('lead');

    const report = await post({ title: 'REPORT: coverage added', author: 'worker-infra', re: fx.ids.coverage, priority: 'low' });
    expect(report.status).toBe(201);
    expect(await okJson(fx.dir, ['show', fx.ids.coverage])).toMatchObject({ status: 'completed', state: 'completed' });

    const pend = (await getJson(base, '/api/v1/worker/worker-core/pendientes')).json;
    expect(pend.ready.map((d: any) => d.id)).toContain(order.json.id);
    const list = (await getJson(base, '/api/v1/docs?limit=2')).json;
    expect(list.map((d: any) => d.id)).toEqual([report.json.id, answer.json.id]);
    expect(list[0]).toHaveProperty('content');
  });

  it('answers every bad POST with a clear 4xx and writes nothing', async () => {
    const before = subjects(fx.dir).length;
    const cases: [unknown, number, RegExp, Record<string, string>?][] = [
      ['{"title": "ORDEN: x", "tags": ["worker-core"]', 400, /not valid JSON/],
      ['', 400, /empty/],
      ['[1,2]', 400, /JSON object/],
      [{ tags: ['worker-core'] }, 400, /"title" is required/],
      [{ title: 'ORDEN: nobody' }, 400, /tags/],
      [{ title: 'ORDEN: x', tags: ['worker-zzz'] }, 400, /tags/],
      [{ title: 'ORDEN: x', tags: ['worker-core'], author: 'mallory' }, 400, /unknown author/],
      [{ title: 'ORDEN: x', tags: ['worker-core'], priority: 'urgentísima' }, 400, /priority/],
      [{ title: 'ORDEN: x', tags: 'worker-core', content: 42 }, 400, /"content" must be a string/],
      [{ title: 'line\nbreak', tags: ['worker-core'] }, 400, /single line/],
      [{ title: 'DUDA: from the lead?', tags: ['worker-core'] }, 400, /from a worker/],
      [{ title: 'ORDEN: x', tags: ['worker-core'], re: '../etc' }, 400, /not a doc id/],
      [{ title: 'ORDEN: x', tags: ['worker-core'], re: 'no-such-doc' }, 400, /no doc/],
      [{ title: 'x'.repeat(300), tags: ['worker-core'] }, 400, /over 200/],
      ['{"title":"x"}', 415, /Content-Type/, { 'Content-Type': 'multipart/form-data; boundary=x' }],
    ];
    for (const [body, status, re, headers] of cases) {
      const r = await post(body, headers);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expectError(r.status, r.json, status);
      expect(r.json.error).toMatch(re);
    }
    for (const [p, code] of [['/api/v1/worker/nobody/pendientes', 404], ['/api/v1/docs/nope', 404], ['/api/v1/docs?limit=x', 400]] as const) {
      const r = await getJson(base, p);
      expectError(r.status, r.json, code);
    }
    expect(subjects(fx.dir).length).toBe(before);
    expect(git(fx.dir, ['status', '--porcelain']).trim()).toBe('');
  });

  it('accepts a real form post too (title=...&tags=...)', async () => {
    const r = await post('title=ORDEN%3A+Form+order&tags=worker-ui&priority=baja', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(201);
    expect(await okJson(fx.dir, ['show', r.json.id])).toMatchObject({ title: 'Form order', to: 'worker-ui', priority: 'low' });
  });
});

describe('orchestra dashboard, the command', () => {
  afterAll(() => cleanupTemp());

  it('warns when it listens beyond loopback, and says when the port is taken', async () => {
    const fx = await makeFixture();
    const wide = spawnCli(fx.dir, ['dashboard', '--host', '0.0.0.0', '--port', '0']);
    const line = await wide.waitForOutput(/^dashboard: http:/);
    await wide.waitForOutput(/warning: the dashboard listens on 0\.0\.0\.0/);
    const url = new URL(line.replace('dashboard: ', ''));
    const port = Number(url.port);
    // Beyond loopback every request carries the access token printed at start (test/dashboard-actions.test.ts).
    expect((await raw(port, { path: '/api/workers', headers: { Host: `127.0.0.1:${port}` } })).status).toBe(401);
    expect((await raw(port, { path: `/api/workers?token=${url.searchParams.get('token')}`, headers: { Host: `127.0.0.1:${port}` } })).status).toBe(200);
    const taken = await run(fx.dir, ['dashboard', '--port', String(port), '--host', '0.0.0.0']);
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr).toMatch(/port \d+ on 0\.0\.0\.0 is in use.*--port/);
    expect(await wide.stop('SIGINT')).toBe(0);
    const bad = await run(fx.dir, ['dashboard', '--port', 'eighty']);
    expect(bad.exitCode).toBe(2);
  });

  it('startDashboard runs in-process and close() frees the port', async () => {
    const fx = await makeFixture();
    const { startDashboard } = await import('../src/dashboard/server.js');
    const { locateWorkspace } = await import('../src/store/workspace.js');
    const lines: string[] = [];
    const d = await startDashboard(locateWorkspace(fx.dir), { port: 0, log: (l) => lines.push(l) });
    expect(d.url).toBe(`http://127.0.0.1:${d.port}/`);
    expect((await fetch(new URL('/api/workers', d.url))).status).toBe(200);
    await d.close();
    await expect(fetch(new URL('/api/workers', d.url))).rejects.toThrow();
    const again = await startDashboard(locateWorkspace(fx.dir), { port: d.port });
    await again.close();
    expect(lines).toEqual([]);
  });
});

describe('the live model behind the API', () => {
  let fx: Fixture;
  let dash: Running;
  let base: string;

  beforeAll(async () => {
    fx = await makeFixture();
    dash = await startCliDashboard(fx.dir);
    base = dash.url;
  });

  afterAll(async () => {
    await dash?.proc.stop();
    cleanupTemp();
  });

  it('follows status edits, archiving, deletions and invalid hand-written files', async () => {
    await ok(fx.dir, ['--as', 'worker-infra', 'start', fx.ids.coverage]);
    await waitFor(async () => (await getJson(base, '/api/workers')).json[1].state === 'working', { timeoutMs: 5000, message: 'worker-infra to show as working' });

    // Archived: moved out of docs/ (not watched), still readable.
    const from = `.orchestra/docs/worker-infra/${fx.ids.ci}.md`;
    const to = `.orchestra/archive/worker-infra/${fx.ids.ci}.md`;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(fx.dir, '.orchestra', 'archive', 'worker-infra'), { recursive: true });
    git(fx.dir, ['mv', from, to]);
    git(fx.dir, ['commit', '-q', '-m', 'orchestra: archive worker-infra: 1 doc', '--', from, to]);
    const archived = await waitFor(async () => {
      const r = await getJson(base, `/api/docs/${fx.ids.ci}`);
      return r.json.archived ? r.json : undefined;
    }, { timeoutMs: 5000, message: 'the archived doc' });
    expect(archived).toMatchObject({ path: to, state: 'completed' });

    // Deleted: gone.
    const { rmSync, writeFileSync } = await import('node:fs');
    rmSync(path.join(fx.dir, '.orchestra', 'docs', 'worker-ui', `${fx.ids.escalation}.md`));
    await waitFor(async () => (await getJson(base, `/api/docs/${fx.ids.escalation}`)).status === 404, { timeoutMs: 5000, message: 'the deleted doc to go' });
    expect((await getJson(base, '/api/docs?type=escalation')).json).toEqual([]);

    // An invalid file is counted, not served, and breaks nothing.
    writeFileSync(path.join(fx.dir, '.orchestra', 'docs', 'worker-core', 'broken.md'), '---\ntype: memo\n---\nno title\n');
    await waitFor(async () => (await getJson(base, '/api/info')).json.invalidDocs === 1, { timeoutMs: 5000, message: 'the invalid doc to be counted' });
    expect((await getJson(base, '/api/docs/broken')).status).toBe(404);
    expect((await getJson(base, '/api/metrics')).json.invalidDocs).toBe(1);

    // A symbolic link to a doc outside the workspace, and a name that is not an id: refused like the CLI does.
    const { symlinkSync, mkdtempSync } = await import('node:fs');
    const outside = path.join(mkdtempSync(path.join((await import('node:os')).tmpdir(), 'outside-')), 'secret.md');
    writeFileSync(outside, '---\ntype: order\ntitle: SECRET from outside\n---\nsecret\n');
    symlinkSync(outside, path.join(fx.dir, '.orchestra', 'docs', 'worker-core', 'linked.md'));
    writeFileSync(path.join(fx.dir, '.orchestra', 'docs', 'worker-core', 'bad name.md'), '---\ntype: order\ntitle: Bad name\n---\n');
    await waitFor(async () => (await getJson(base, '/api/info')).json.invalidDocs === 3, { timeoutMs: 5000, message: 'the link and the bad name to be counted as invalid' });
    const titles = (await getJson(base, '/api/docs?limit=500')).json.map((d: { title: string }) => d.title);
    expect(titles).not.toContain('SECRET from outside');
    expect(titles).not.toContain('Bad name');
    expect((await getJson(base, '/api/docs/linked')).status).toBe(404);

    // A hand-written doc without `created` appears at once, then takes its first commit's time.
    const hand = path.join(fx.dir, '.orchestra', 'docs', 'worker-nlp', 'hand-written-order.md');
    writeFileSync(hand, '---\ntype: orden\ntitle: Hand written\npriority: alta\n---\nbody\n');
    const first = await waitFor(async () => {
      const r = await getJson(base, '/api/docs/hand-written-order');
      return r.status === 200 ? r.json : undefined;
    }, { timeoutMs: 5000, message: 'the hand-written doc' });
    expect(first).toMatchObject({ type: 'order', to: 'worker-nlp', from: 'lead', priority: 'high' });
    git(fx.dir, ['add', '--', hand]);
    git(fx.dir, ['commit', '-q', '-m', 'hand', '--date', '2026-01-02T03:04:05Z', '--', hand], { GIT_AUTHOR_DATE: '2026-01-02T03:04:05Z' });
    await waitFor(async () => (await getJson(base, '/api/docs/hand-written-order')).json.created.startsWith('2026-01-02T03:04:05'), { timeoutMs: 10_000, message: 'created from the first commit' });
  });
});
