/**
 * Who may do what, end to end: each refused case through the spawned CLI (`--as`, exit 1, nothing written) and
 * through the HTTP API (403, nothing written), and the allowed cases still working; short ids everywhere.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliDashboard, type Running } from './dashboard-fixture.js';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run } from './helpers.js';

/** worker-web and worker-api; worker-api may give orders (`orchestrate: true`); one escalation for the lead. */
async function makeTeam() {
  const dir = await makeWorkspace({ workers: 'worker-web,worker-api' });
  const yamlPath = path.join(dir, 'orchestra.yaml');
  const yaml = readFileSync(yamlPath, 'utf8').replace('    prompt: .orchestra/prompts/worker-api.md\n', '    prompt: .orchestra/prompts/worker-api.md\n    orchestrate: true\n');
  expect(yaml).toContain('orchestrate: true');
  writeFileSync(yamlPath, yaml);
  git(dir, ['commit', '-q', '-m', 'worker-api orchestrates', '--', 'orchestra.yaml']);
  const web = await ok(dir, ['order', 'worker-web', 'Build the page']);
  const api = await ok(dir, ['order', 'worker-api', 'Build the API']);
  const escalation = '20261124-120000-escalation-which-database-e5c1';
  const escFile = path.join(dir, '.orchestra/docs/worker-web', `${escalation}.md`);
  writeFileSync(escFile, `---\ntype: escalation\ntitle: Which database?\nfrom: daemon\nto: lead\ncreated: 2026-11-24T12:00:00Z\n---\nThe lead decides.\n`);
  git(dir, ['add', '--', escFile]);
  git(dir, ['commit', '-q', '-m', 'orchestra: escalation worker-web: Which database?', '--', escFile]);
  return { dir, web, api, escalation };
}

const head = (dir: string) => git(dir, ['rev-parse', 'HEAD']).trim();
const tail = (id: string) => id.slice(-4);

describe('who may do what, through the CLI', () => {
  let t: Awaited<ReturnType<typeof makeTeam>>;
  beforeAll(async () => {
    t = await makeTeam();
  });
  afterAll(cleanupTemp);

  const refusals: [string, () => string[], RegExp][] = [
    ["a worker answers the lead's escalation", () => ['--as', 'worker-web', 'answer', t.escalation, '--body', 'Postgres'], /worker-web cannot answer .*: only the lead answers doubts and escalations/],
    ['a worker orders another worker', () => ['--as', 'worker-web', 'order', 'worker-api', 'Do my part'], /worker-web cannot order worker-api: only the lead orders other workers, or a worker with `orchestrate: true`/],
    ['anyone writing as the daemon', () => ['--as', 'daemon', 'order', 'worker-web', 'From the daemon?'], /nobody but the daemon process writes as daemon/],
    ["a worker starts another's order", () => ['--as', 'worker-web', 'start', t.api], /worker-web cannot start .*: it is worker-api's order/],
    ["a worker reports on another's order", () => ['--as', 'worker-api', 'report', t.web], /worker-api cannot report on .*: it is worker-web's order/],
    ["a worker cancels another's order", () => ['--as', 'worker-web', 'cancel', t.api], /worker-web cannot cancel .*: an order is cancelled by the lead/],
    ["a worker asks in another's thread", () => ['--as', 'worker-web', 'doubt', 'worker-api', 'Why?'], /worker-web cannot ask in worker-api's thread/],
    ['the lead asks a doubt', () => ['doubt', 'worker-web', 'Why?'], /lead cannot ask in worker-web's thread/],
    ['the lead starts an order', () => ['start', t.web], /lead cannot start .*: it is worker-web's order/],
  ];

  it.each(refusals)('refused: %s (exit 1, one line naming the rule, nothing written)', async (_name, args, message) => {
    const before = head(t.dir);
    const r = await run(t.dir, args());
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(head(t.dir)).toBe(before);
    expect(git(t.dir, ['status', '--porcelain']).trim()).toBe('');
  });

  it('allowed: a worker orders itself, an orchestrating worker orders another and cancels it, the lead answers', async () => {
    const self = await ok(t.dir, ['--as', 'worker-web', 'order', 'worker-web', 'A step of my own']);
    expect(await okJson(t.dir, ['show', self])).toMatchObject({ from: 'worker-web', to: 'worker-web' });
    const given = await ok(t.dir, ['--as', 'worker-api', 'order', 'worker-web', 'Call the new endpoint']);
    expect(await okJson(t.dir, ['show', given])).toMatchObject({ from: 'worker-api', to: 'worker-web', state: 'pending' });
    expect(await ok(t.dir, ['--as', 'worker-api', 'cancel', tail(given)])).toBe(given);
    expect((await okJson(t.dir, ['show', given])).state).toBe('cancelled');
    const answer = await ok(t.dir, ['answer', tail(t.escalation), '--body', 'Postgres']);
    expect(await okJson(t.dir, ['show', answer])).toMatchObject({ type: 'answer', from: 'lead', to: 'worker-web', re: t.escalation });
    expect((await okJson(t.dir, ['show', t.escalation])).state).toBe('resolved');
  });

  it('short ids: start, report, show and --after take the tail; --json keeps full ids; an ambiguous prefix lists the candidates', async () => {
    expect(await ok(t.dir, ['--as', 'worker-web', 'start', tail(t.web)])).toBe(t.web);
    const started = JSON.parse((await run(t.dir, ['--as', 'worker-api', 'start', tail(t.api), '--json'])).stdout);
    expect(started).toMatchObject({ id: t.api, status: 'in_progress' });
    const report = JSON.parse(await ok(t.dir, ['--as', 'worker-web', 'report', tail(t.web), '--partial', '--json']));
    expect(report).toMatchObject({ order: t.web, outcome: 'partial' });
    expect(await okJson(t.dir, ['show', tail(report.id)])).toMatchObject({ id: report.id, re: t.web });
    const next = await ok(t.dir, ['order', 'worker-web', 'After the page', '--after', tail(t.web)]);
    expect((await okJson(t.dir, ['show', next])).after).toEqual([t.web]);

    const listed = await ok(t.dir, ['list']);
    for (const line of listed.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(listed).toContain(`  ${tail(t.web)}`);
    expect(listed).not.toContain(t.web);
    expect((await okJson(t.dir, ['list'])).map((d: { id: string }) => d.id)).toContain(t.web);

    const ambiguous = await run(t.dir, ['show', '2026']);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr.trim().split('\n')).toHaveLength(1);
    expect(ambiguous.stderr).toMatch(/^error: "2026" matches \d+ docs \(2026.*\): give more of the id$/m);
    const unknown = await run(t.dir, ['--as', 'worker-web', 'start', 'zzzz']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/no open order "zzzz"/);
  });
});

describe('who may do what, through the HTTP API', () => {
  let t: Awaited<ReturnType<typeof makeTeam>>;
  let dash: Running;
  beforeAll(async () => {
    t = await makeTeam();
    await ok(t.dir, ['--as', 'worker-web', 'start', t.web]);
    dash = await startCliDashboard(t.dir);
  });
  afterAll(async () => {
    await dash?.proc.stop('SIGINT');
    cleanupTemp();
  });

  async function post(body: unknown) {
    const r = await fetch(new URL('/api/v1/docs', dash.url), { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    return { status: r.status, json: await r.json() };
  }
  const getJson = async (p: string) => {
    const r = await fetch(new URL(p, dash.url));
    return { status: r.status, json: await r.json() };
  };

  const refusals: [string, () => unknown, RegExp][] = [
    ['a worker orders another worker', () => ({ title: 'ORDEN: Do my part', tags: ['worker-api'], author: 'worker-web' }), /worker-web cannot order worker-api/],
    ["the seed's arquitecto-daemon", () => ({ title: 'ORDEN: From the daemon', tags: ['worker-web'], author: 'arquitecto-daemon' }), /nobody but the daemon process writes as daemon/],
    ["a worker answers the lead's escalation", () => ({ title: 'RESPUESTA: Postgres', tags: ['worker-web'], author: 'worker-web', re: t.escalation }), /only the lead answers/],
    ["a worker reports on another's order", () => ({ title: 'REPORT: done', author: 'worker-api', re: t.web }), /worker-api cannot report on .*: it is worker-web's order/],
    ['an escalation over HTTP', () => ({ title: 'ESCALADO: help', tags: ['worker-web'], author: 'lucas' }), /only the daemon escalates/],
  ];

  it.each(refusals)('403: %s, nothing written', async (_name, body, message) => {
    const before = head(t.dir);
    const r = await post(body());
    expect(r.status).toBe(403);
    expect(r.json.error).toMatch(message);
    expect(head(t.dir)).toBe(before);
    expect(git(t.dir, ['status', '--porcelain']).trim()).toBe('');
  });

  it('allowed: an orchestrating worker orders another; a partial report keeps the order in progress; short ids in paths', async () => {
    const given = await post({ title: 'ORDEN: Call the new endpoint', tags: ['worker-web'], author: 'worker-api' });
    expect(given.status).toBe(201);
    expect(await okJson(t.dir, ['show', given.json.id])).toMatchObject({ from: 'worker-api', to: 'worker-web' });

    const partial = await post({ title: 'REPORT: half the page', author: 'worker-web', re: tail(t.web), outcome: 'parcial' });
    expect(partial.status).toBe(201);
    expect(await okJson(t.dir, ['show', t.web])).toMatchObject({ status: 'in_progress', state: 'in_progress' });
    const done = await post({ title: 'REPORT: the page', author: 'worker-web' });
    expect(done.status).toBe(201);
    expect(await okJson(t.dir, ['show', done.json.id])).toMatchObject({ re: t.web, outcome: 'completed' });
    expect(await okJson(t.dir, ['show', t.web])).toMatchObject({ status: 'completed', state: 'completed' });

    const byTail = await getJson(`/api/docs/${tail(t.escalation)}`);
    expect(byTail.status).toBe(200);
    expect(byTail.json.id).toBe(t.escalation);
    expect((await getJson(`/api/v1/docs/${tail(t.api)}`)).json.id).toBe(t.api);
    const ambiguous = await getJson('/api/docs/2026');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error).toMatch(/"2026" matches \d+ docs/);
    expect((await getJson('/api/docs/zzzz')).status).toBe(404);
  });
});
