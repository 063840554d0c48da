/**
 * Review mode over HTTP against a real `orchestra dashboard` and a real daemon in branch mode (the default storage:
 * docs on the `orchestra` branch, proposals on `orchestra-proposals`): `GET /api/proposals` lists what the daemon
 * proposed for a faq doubt; the page's `approve` puts the doc on disk and in git as the daemon's, approved by the
 * lead; `reject` records the reason in the timeline; without the session token nothing changes.
 */
import { existsSync } from 'node:fs';
import { get, type ClientRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemp, docsRepo, git, makeWorkspace, ok, okJson, waitFor } from './helpers.js';
import { startDaemonCli } from './daemon-fixture.js';
import { startCliDashboard, type Running } from './dashboard-fixture.js';
import { reviewWorkspace, type ProposalsJson } from './review-fixture.js';
import type { LongRunning } from './helpers.js';

async function sessionOf(base: string): Promise<string> {
  const m = /<meta name="orchestra-session" content="([^"]+)">/.exec(await (await fetch(base)).text());
  expect(m).not.toBeNull();
  return m![1];
}

describe('review mode from the dashboard: /api/proposals and the approve and reject actions', () => {
  let dir: string;
  let daemon: LongRunning;
  let dash: Running;
  let session: string;

  beforeAll(async () => {
    dir = await reviewWorkspace('branch');
    daemon = await startDaemonCli(dir);
    dash = await startCliDashboard(dir);
    session = await sessionOf(dash.url);
  });

  afterAll(async () => {
    await dash?.proc.stop();
    await daemon?.stop();
    cleanupTemp();
  });

  const proposals = async (): Promise<ProposalsJson> => (await fetch(new URL('/api/proposals', dash.url))).json() as Promise<ProposalsJson>;
  const post = (action: string, body: unknown, headers: Record<string, string> = { 'X-Orchestra-Session': session }) =>
    fetch(new URL(`/api/actions/${action}`, dash.url), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const proposalFor = (trigger: string) =>
    waitFor(async () => (await proposals()).proposals.find((p) => p.re === trigger), { message: `a proposal answering ${trigger} in /api/proposals` });
  const docFile = (worker: string, id: string) => path.join(dir, '.orchestra', 'docs', worker, `${id}.md`);
  const docsLog = (args: string[]) => git(docsRepo(dir), ['log', ...args]);

  it('lists the proposal for a faq doubt; without the session token approve is refused and nothing changes; with it the doc is delivered', async () => {
    const empty = await proposals();
    expect(empty).toEqual({ review: true, branch: 'orchestra-proposals', tip: null, proposals: [] });

    const doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework should I use?']);
    const p = await proposalFor(doubt);
    expect(p).toMatchObject({ worker: 'worker-infra', type: 'answer', from: 'daemon', to: 'worker-infra', re: doubt, reTitle: 'Which test framework should I use?', problems: [] });
    expect(p.body).toMatch(/Use \*\*vitest\*\*/);
    expect(p.html).toMatch(/<strong>vitest<\/strong>/);
    expect(existsSync(docFile('worker-infra', p.id))).toBe(false);
    const docsHead = docsLog(['-1', '--format=%H']);

    // No token, a wrong token: 403, nothing written, the proposal still waits.
    for (const headers of [{}, { 'X-Orchestra-Session': 'not-the-token-of-this-session' }] as Record<string, string>[]) {
      const r = await post('approve', { id: p.id }, headers);
      expect(r.status).toBe(403);
      expect((await r.json()).error).toMatch(/session token/);
    }
    const refused = await post('reject', { id: p.id, why: 'no' }, {});
    expect(refused.status).toBe(403);
    expect(docsLog(['-1', '--format=%H'])).toBe(docsHead);
    expect((await proposals()).proposals.map((x) => x.id)).toEqual([p.id]);

    // Approve by its short id.
    const r = await post('approve', { id: p.id.slice(-4) });
    expect(r.status).toBe(201);
    const j = await r.json();
    expect(j).toMatchObject({ action: 'approve', ids: [p.id], approved: [p.id] });
    expect(existsSync(docFile('worker-infra', p.id))).toBe(true);
    expect(docsLog(['-1', '--format=%H']).trim().startsWith(j.commit)).toBe(true);
    expect(docsLog(['-1', '--format=%(trailers:key=Orchestra-Actor,valueonly)%(trailers:key=Orchestra-Approved-By,valueonly)', j.commit]).trim().split('\n')).toEqual(['daemon', 'lead']);
    expect(git(docsRepo(dir), ['show', '--name-only', '--format=', j.commit]).trim()).toBe(`docs/worker-infra/${p.id}.md`);
    expect((await proposals()).proposals).toEqual([]);
    // The live model read it back at once, and the worker sees the answer.
    const doc = await (await fetch(new URL(`/api/docs/${p.id}`, dash.url))).json();
    expect(doc).toMatchObject({ id: p.id, type: 'answer', from: 'daemon', re: doubt });
    expect(((await okJson(dir, ['pending', 'worker-infra'])).answers as { id: string }[]).map((a) => a.id)).toContain(p.id);

    // Again: it is not waiting any more (409, as a refusal), and says why.
    const again = await post('approve', { id: p.id });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatch(/not waiting for review: it is approved already/);
  });

  it('rejects with a reason (required): the reason is in `orchestra log --json`, the proposal gone, nothing delivered', async () => {
    const doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'pytest or vitest for the core?']);
    const p = await proposalFor(doubt);

    const noWhy = await post('reject', { id: p.id });
    expect(noWhy.status).toBe(400);
    expect((await noWhy.json()).error).toMatch(/"why" is required/);
    const blank = await post('reject', { id: p.id, why: '   ' });
    expect(blank.status).toBe(400);

    const r = await post('reject', { id: p.id, why: 'The core uses node:test: I will answer myself' });
    expect(r.status).toBe(201);
    const j = await r.json();
    expect(j).toMatchObject({ action: 'reject', ids: [p.id], rejected: [p.id] });
    expect((await proposals()).proposals).toEqual([]);
    expect(existsSync(docFile('worker-core', p.id))).toBe(false);
    const log = await okJson<{ type: string; doc: string; actor: string; why?: string }[]>(dir, ['log', '--type', 'reject']);
    expect(log[0]).toMatchObject({ type: 'reject', doc: p.id, actor: 'lead', why: 'The core uses node:test: I will answer myself' });

    const again = await post('reject', { id: p.id, why: 'twice' });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatch(/it was rejected/);
  });

  it('approves all at once; bad requests get one clear 4xx error each', async () => {
    const q1 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'vitest for the scripts?']);
    const q2 = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'vitest for the api?']);
    const p1 = await proposalFor(q1);
    const p2 = await proposalFor(q2);
    const r = await post('approve', { all: true });
    expect(r.status).toBe(201);
    expect(((await r.json()).approved as string[]).sort()).toEqual([p1.id, p2.id].sort());
    expect(existsSync(docFile('worker-infra', p1.id)) && existsSync(docFile('worker-core', p2.id))).toBe(true);
    expect((await proposals()).proposals).toEqual([]);

    const cases: [string, unknown, number, RegExp][] = [
      ['approve', { all: true }, 409, /no proposal is waiting for review/],
      ['approve', {}, 400, /"id" is required or "all": true/],
      ['approve', { id: 'all' }, 400, /"all": true/],
      ['approve', { id: 'zzzz' }, 404, /no proposal "zzzz" is waiting for review/],
      ['approve', { id: '../etc' }, 400, /not a valid doc id/],
      ['reject', { why: 'x' }, 400, /"id" is required/],
    ];
    for (const [action, body, status, message] of cases) {
      const res = await post(action, body);
      expect([action, body, res.status]).toEqual([action, body, status]);
      expect((await res.json()).error).toMatch(message);
    }
  });
});

describe('the dashboard follows the proposals branch: a `proposals` event on the event stream', () => {
  afterAll(cleanupTemp);

  it('when the daemon proposes, and when the CLI rejects (no file of the docs changes)', async () => {
    const dir = await reviewWorkspace('branch');
    const daemon = await startDaemonCli(dir);
    const dash = await startCliDashboard(dir);
    let text = '';
    let req: ClientRequest | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        req = get(new URL('/api/events', dash.url), (res) => {
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          resolve();
        });
        req.on('error', reject);
      });
      await waitFor(() => text.includes('event: hello'));
      const tips = () => [...text.matchAll(/event: proposals\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]).tip as string | null);
      expect(tips()).toEqual([]);
      const q = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'vitest here?']);
      const proposed = await waitFor(async () => ((await okJson<{ id: string; re: string }[]>(dir, ['list', '--proposals'])).find((p) => p.re === q)));
      const tip = () => git(dir, ['rev-parse', 'refs/heads/orchestra-proposals']).trim();
      const afterPropose = tip();
      await waitFor(() => tips().includes(afterPropose), { message: `a proposals event with tip ${afterPropose}` });
      const docsHead = git(docsRepo(dir), ['rev-parse', 'HEAD']);
      await ok(dir, ['reject', proposed.id, '--why', 'later']);
      expect(git(docsRepo(dir), ['diff', '--name-only', docsHead.trim(), 'HEAD']).trim()).toBe('');
      const afterReject = tip();
      expect(afterReject).not.toBe(afterPropose);
      await waitFor(() => tips().includes(afterReject), { message: `a proposals event with tip ${afterReject}` });
    } finally {
      req?.destroy();
      await dash.proc.stop();
      await daemon.stop();
    }
  });
});

describe('GET /api/proposals without review mode', () => {
  afterAll(cleanupTemp);

  it('is an empty list with review: false', async () => {
    const dir = await makeWorkspace();
    const dash = await startCliDashboard(dir);
    try {
      const r = await (await fetch(new URL('/api/proposals', dash.url))).json();
      expect(r).toMatchObject({ review: false, tip: null, proposals: [] });
    } finally {
      await dash.proc.stop();
    }
  });
});
