/**
 * The lead's actions over HTTP (`POST /api/actions/<action>`) and a worker's thread (`/api/workers/<name>/thread`)
 * against a real `orchestra dashboard` on a real workspace: each action commits its doc with the CLI's subject and
 * trailers, short ids resolve, the rules of who may do what hold, writes without the session token or from
 * another site change nothing, and on a non-loopback address every request needs the access token.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, ok, okJson, subjects, waitFor } from './helpers.js';
import { makeFixture, startCliDashboard, type Fixture, type Running } from './dashboard-fixture.js';
import { makeWorkspace, spawnCli } from './helpers.js';

function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: { Host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The session token the server put in its page. */
async function sessionOf(base: string, init: RequestInit = {}): Promise<string> {
  const html = await (await fetch(base, init)).text();
  const m = /<meta name="orchestra-session" content="([^"]+)">/.exec(html);
  expect(m).not.toBeNull();
  return m![1];
}

describe('the lead acts from the page: /api/actions', () => {
  let fx: Fixture;
  let dash: Running;
  let session: string;

  beforeAll(async () => {
    fx = await makeFixture();
    dash = await startCliDashboard(fx.dir);
    session = await sessionOf(dash.url);
  });

  afterAll(async () => {
    await dash?.proc.stop();
    cleanupTemp();
  });

  const post = (action: string, body: unknown, headers: Record<string, string> = {}) =>
    raw(dash.port, { method: 'POST', path: `/api/actions/${action}`, headers: { 'Content-Type': 'application/json', 'X-Orchestra-Session': session, ...headers }, body: JSON.stringify(body) });

  it('answers an escalation by a short id: the answer is committed as the lead, the escalation resolved', async () => {
    const r = await post('answer', { re: fx.ids.escalation.slice(-4), body: 'Give it the CI order next.' });
    expect(r.status).toBe(201);
    const j = JSON.parse(r.body);
    expect(j.action).toBe('answer');
    expect(j.type).toBe('answer');
    expect(git(fx.dir, ['log', '-1', '--format=%H']).trim().startsWith(j.commit)).toBe(true);
    expect(git(fx.dir, ['log', '-1', '--format=%s%n%B', j.commit])).toMatch(/^orchestra: answer worker-ui: /);
    expect(git(fx.dir, ['show', '--name-only', '--format=', j.commit]).trim()).toBe(j.path);
    expect(git(fx.dir, ['log', '-1', '--format=%(trailers:key=Orchestra-Actor,valueonly)', j.commit]).trim()).toBe('lead');
    const esc = await (await fetch(new URL(`/api/docs/${fx.ids.escalation}`, dash.url))).json();
    expect(esc.state).toBe('resolved');
    expect(esc.replies.map((x: { id: string }) => x.id)).toContain(j.id);
  });

  it('answers a doubt, gives an order with after and priority, and cancels it, as the CLI would', async () => {
    const a = await post('answer', { re: fx.ids.doubt, body: 'vitest' });
    expect(a.status).toBe(201);
    const listed = await okJson(fx.dir, ['show', fx.ids.doubt]);
    expect(listed.state).toBe('answered');

    const o = await post('order', { worker: 'worker-ui', title: 'Draw the latency chart', body: '## Goal\nA chart.', priority: 'high', after: fx.ids.coverage.slice(-4) });
    expect(o.status).toBe(201);
    const order = JSON.parse(o.body);
    const shown = await okJson(fx.dir, ['show', order.id]);
    expect(shown).toMatchObject({ type: 'order', from: 'lead', to: 'worker-ui', priority: 'high', after: [fx.ids.coverage], state: 'waiting' });
    expect(subjects(fx.dir)[0]).toBe('orchestra: order worker-ui: Draw the latency chart');

    const c = await post('cancel', { order: order.id.slice(-4) });
    expect(c.status).toBe(201);
    expect(JSON.parse(c.body)).toMatchObject({ action: 'cancel', id: order.id, edited: [order.id] });
    expect((await okJson(fx.dir, ['show', order.id])).state).toBe('cancelled');
    expect(subjects(fx.dir)[0]).toBe(`orchestra: cancel worker-ui: ${order.id}`);
  });

  it('refuses what the rules refuse, with the reason, and writes nothing', async () => {
    const before = subjects(fx.dir).length;
    const cases: [string, unknown, number, RegExp][] = [
      ['order', { worker: 'nobody', title: 'x' }, 400, /unknown worker "nobody"/],
      ['order', { worker: 'worker-ui', title: '' }, 400, /"title" is required/],
      ['order', { worker: 'worker-ui', title: 'x', priority: 'urgent' }, 400, /priority/],
      ['order', { worker: 'worker-ui', title: 'x', after: fx.ids.doubt }, 400, /not an order/],
      ['answer', { re: fx.ids.core, body: 'hi' }, 400, /only doubts and escalations are answered/],
      ['answer', { re: fx.ids.doubt }, 400, /"body" is required/],
      ['cancel', { order: fx.ids.ci }, 400, /only open orders can be cancelled/],
      ['cancel', { order: 'zzzz-no-such' }, 400, /no open order/],
      ['merge', { id: fx.ids.core }, 404, /no page action "merge": use answer, order, cancel, approve, reject/],
      // Review mode's actions exist (dashboard-review.test.ts); here nothing waits for review.
      ['approve', { id: 'zzzz' }, 404, /no proposal "zzzz" is waiting for review/],
      ['reject', { id: 'zzzz' }, 400, /"why" is required/],
    ];
    for (const [action, body, status, message] of cases) {
      const r = await post(action, body);
      expect({ action, status: r.status }).toEqual({ action, status });
      expect(JSON.parse(r.body).error).toMatch(message);
    }
    const form = await raw(dash.port, { method: 'POST', path: '/api/actions/cancel', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Orchestra-Session': session }, body: `order=${fx.ids.ui}` });
    expect(form.status).toBe(415);
    expect(subjects(fx.dir).length).toBe(before);
  });

  it('refuses a write without the session token, with a wrong one, or from another site: 403 and nothing written', async () => {
    const before = subjects(fx.dir).length;
    const body = JSON.stringify({ order: fx.ids.ui });
    const host = `127.0.0.1:${dash.port}`;
    const attempts: Record<string, string>[] = [
      { 'Content-Type': 'application/json' },
      { 'Content-Type': 'application/json', 'X-Orchestra-Session': 'x'.repeat(session.length) },
      { 'Content-Type': 'application/json', Origin: `http://${host}` },
      // A cross-site form post: another site's page posting here (the browser adds Origin and Sec-Fetch-Site).
      { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      { 'Content-Type': 'application/json', Origin: 'http://evil.example', 'X-Orchestra-Session': session },
    ];
    for (const headers of attempts) {
      const r = await raw(dash.port, { method: 'POST', path: '/api/actions/cancel', headers, body });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body).error).toMatch(/refused/);
    }
    // The seed's route: a browser (Origin, even this one) needs the token; curl (no Origin) does not.
    const seed = JSON.stringify({ title: 'ORDEN: from a page', tags: ['worker-core'], author: 'lucas' });
    const fromPage = await raw(dash.port, { method: 'POST', path: '/api/v1/docs', headers: { Origin: `http://${host}`, 'Content-Type': 'application/json' }, body: seed });
    expect(fromPage.status).toBe(403);
    expect(subjects(fx.dir).length).toBe(before);
    expect((await okJson(fx.dir, ['show', fx.ids.ui])).state).not.toBe('cancelled');
  });

  it("serves a worker's thread: orders oldest first with their doubts, answers, reports, receipts and commits", async () => {
    // A commit of the worker's own (its trailer names it), then its report: the report's evidence.
    git(fx.dir, ['commit', '-q', '--allow-empty', '-m', 'infra: add the coverage step\n\nOrchestra-Actor: worker-infra']);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${fx.dir}/coverage.yml`, 'a: 1\nb: 2\n');
    git(fx.dir, ['add', 'coverage.yml']);
    git(fx.dir, ['commit', '-q', '-m', 'infra: coverage config\n\nOrchestra-Actor: worker-infra']);
    await ok(fx.dir, ['--as', 'worker-infra', 'next', 'worker-infra']);
    await ok(fx.dir, ['--as', 'worker-infra', 'start', fx.ids.coverage]);
    const report = await ok(fx.dir, ['--as', 'worker-infra', 'report', fx.ids.coverage, '--body', 'Coverage is on.']);
    const t = await waitFor(async () => {
      const r = await fetch(new URL('/api/workers/worker-infra/thread', dash.url));
      expect(r.status).toBe(200);
      const j = await r.json();
      return j.orders.find((o: { id: string }) => o.id === fx.ids.coverage)?.thread.some((d: { id: string }) => d.id === report) ? j : undefined;
    });
    expect(t.worker).toMatchObject({ name: 'worker-infra', liveness: expect.any(String) });
    expect(['working', 'idle', 'stalled', 'gone']).toContain(t.worker.liveness);
    const ids = t.orders.map((o: { id: string }) => o.id);
    expect(ids.indexOf(fx.ids.ci)).toBeLessThan(ids.indexOf(fx.ids.coverage));
    const ci = t.orders.find((o: { id: string }) => o.id === fx.ids.ci);
    expect(ci.thread.map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining([fx.ids.ciReport]));
    // The doubt was asked with no order in progress, so it is tied to no order; its answer follows it there.
    const doubtHome = [...t.orders.flatMap((o: { thread: { id: string }[] }) => o.thread), ...t.other].find((d: { id: string }) => d.id === fx.ids.doubt);
    expect(doubtHome).toBeDefined();
    const cov = t.orders.find((o: { id: string }) => o.id === fx.ids.coverage);
    expect(cov.delivered).toMatchObject({ how: 'next' });
    expect(cov.state).toBe('completed');
    const sub = cov.commits.map((c: { subject: string }) => c.subject);
    expect(sub).toContain('infra: coverage config');
    const withStat = cov.commits.find((c: { subject: string }) => c.subject === 'infra: coverage config');
    expect(withStat.stat).toEqual({ files: 1, insertions: 2, deletions: 0 });
    expect(git(fx.dir, ['log', '-1', '--format=%s', withStat.commit]).trim()).toBe('infra: coverage config');
    const nope = await fetch(new URL('/api/workers/nobody/thread', dash.url));
    expect(nope.status).toBe(404);
  });
});

describe('a dashboard on a non-loopback address', () => {
  afterAll(() => cleanupTemp());

  it('needs the access token on every request: printed at start, taken once from ?token=, then from the cookie', async () => {
    const dir = await makeWorkspace();
    const proc = spawnCli(dir, ['dashboard', '--port', '0', '--host', '0.0.0.0']);
    try {
      const line = await proc.waitForOutput(/^dashboard: http:\/\//);
      const url = new URL(line.replace(/^dashboard: /, '').trim());
      const token = url.searchParams.get('token')!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const port = Number(url.port);
      for (const p of ['/', '/api/workers', '/api/events', '/assets/app.js', `/api/workers?token=${'x'.repeat(token.length)}`]) {
        const r = await raw(port, { path: p });
        expect({ p, status: r.status }).toEqual({ p, status: 401 });
      }
      const first = await raw(port, { path: `/?token=${token}` });
      expect(first.status).toBe(200);
      const cookie = String(first.headers['set-cookie']).split(';')[0];
      expect(cookie).toBe(`orchestra_token_${port}=${token}`);
      expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
      expect((await raw(port, { path: '/api/workers', headers: { Cookie: cookie } })).status).toBe(200);
      expect((await raw(port, { path: '/api/workers', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      // Writes need both: the access token, and the session token for the page's actions.
      const session = /content="([^"]+)">/.exec(first.body.match(/<meta name="orchestra-session"[^>]+>/)![0])![1];
      const order = JSON.stringify({ worker: 'worker-core', title: 'From the phone' });
      const noAccess = await raw(port, { method: 'POST', path: '/api/actions/order', headers: { 'Content-Type': 'application/json', 'X-Orchestra-Session': session }, body: order });
      expect(noAccess.status).toBe(401);
      const done = await raw(port, { method: 'POST', path: '/api/actions/order', headers: { Cookie: cookie, 'Content-Type': 'application/json', 'X-Orchestra-Session': session }, body: order });
      expect(done.status).toBe(201);
      expect(subjects(dir)[0]).toBe('orchestra: order worker-core: From the phone');
    } finally {
      await proc.stop();
    }
  });

  it('takes --token, refuses a weak one', async () => {
    const dir = await makeWorkspace();
    const { run } = await import('./helpers.js');
    const weak = await run(dir, ['dashboard', '--port', '0', '--host', '0.0.0.0', '--token', 'short']);
    expect(weak.exitCode).toBe(2);
    expect(weak.stderr).toMatch(/--token must be 16 to 200 characters/);
    const token = 'a-long-secret-token-1234';
    const proc = spawnCli(dir, ['dashboard', '--port', '0', '--token', token]);
    try {
      const line = await proc.waitForOutput(/^dashboard: http:\/\//);
      const url = new URL(line.replace(/^dashboard: /, '').trim());
      expect(url.searchParams.get('token')).toBe(token);
      expect((await raw(Number(url.port), { path: '/api/info' })).status).toBe(401);
      expect((await raw(Number(url.port), { path: '/api/info', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await proc.stop();
    }
  });
});
