/**
 * `notify:`: the pure rules (events, rate limit, environment), then the spawned daemon telling a real HTTP server
 * on 127.0.0.1 and a real command: one POST per event, a burst capped by the rate, failures that cost the daemon
 * nothing but a log line, and no resend after a restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { cleanupTemp, freePort, makeWorkspace, ok, tempDir, waitFor } from './helpers.js';
import { configure, reactionOf, startDaemonCli } from './daemon-fixture.js';
import { docFactory, writeDocFile } from './factories.js';
import { eventEnv, eventFromAlert, eventFromDoc, RateLimiter, type NotifyEvent } from '../src/core/notify.js';
import { resolveConfig } from '../src/core/config.js';
import { raiseAlert } from '../src/store/alerts.js';
import { locateWorkspace } from '../src/store/workspace.js';

afterAll(cleanupTemp);

const EVENT_KEYS = ['at', 'doc', 'id', 'kind', 'level', 'message', 'title', 'worker'];

interface Hook {
  url: string;
  received: NotifyEvent[];
  close: () => Promise<void>;
}

/** A webhook receiver on 127.0.0.1; `answer` decides what it does with each request. */
async function webhook(answer: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end('ok')): Promise<Hook & { server: Server }> {
  const received: NotifyEvent[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json');
      received.push(JSON.parse(body));
      answer(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    url: `http://127.0.0.1:${port}/orchestra`,
    received,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function sentIds(dir: string): string[] {
  const file = path.join(dir, '.orchestra', 'state', 'notify-sent.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id);
}

/** Ended, or a zombie waiting for a reaper (what a killed orphan is until init collects it). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const escalationFm = (title: string) => ({ type: 'escalation', title: `'${title.replace(/'/g, "''")}'`, from: 'worker-core', to: 'lead' });

describe('notify: the rules (pure)', () => {
  const doc = docFactory();

  it('an escalation is one event; one that escalates a blocked report is `blocked`; idle notices are not sent', () => {
    const order = doc({ type: 'order', id: 'o1', to: 'worker-core', title: 'Migrate' });
    const report = doc({ type: 'report', id: 'r1', re: 'o1', from: 'worker-core', outcome: 'blocked', title: 'Blocked: Migrate' });
    const byId = (id: string) => ({ o1: order, r1: report })[id];
    const esc = eventFromDoc(doc({ type: 'escalation', id: 'e1', re: 'r1', from: 'daemon', to: 'lead', worker: 'worker-core', priority: 'high' }), byId);
    expect(esc).toMatchObject({ id: 'blocked:e1', kind: 'blocked', worker: 'worker-core', doc: 'e1', level: 'critical', title: 'worker-core is blocked: Migrate' });
    expect(eventFromDoc(doc({ type: 'escalation', id: 'e2', title: 'Pick a DB', worker: 'worker-core' }), byId)).toMatchObject({ id: 'escalation:e2', kind: 'escalation', title: 'Pick a DB' });
    expect(eventFromDoc(doc({ type: 'escalation', id: 'e3', tags: ['idle'] }), byId)).toBeUndefined();
    expect(eventFromDoc(doc({ type: 'doubt', id: 'd1' }), byId)).toBeUndefined();
  });

  it('alerts of kind budget, breaker and gone become events; others do not', () => {
    const a = { id: 'a1', at: '2026-12-01T00:00:00.000Z', level: 'warning' as const, message: '80/100 calls', kind: 'budget' };
    expect(eventFromAlert(a)).toMatchObject({ id: 'budget:a1', kind: 'budget', title: 'Brain budget at 80 %' });
    expect(eventFromAlert({ ...a, kind: 'breaker', level: 'critical' })).toMatchObject({ kind: 'breaker', level: 'critical' });
    expect(eventFromAlert({ ...a, kind: 'gone', data: { workers: ['worker-nlp'] } })).toMatchObject({ kind: 'worker_gone', worker: 'worker-nlp' });
    expect(eventFromAlert({ ...a, kind: 'conflict' })).toBeUndefined();
  });

  it('the rate limiter lets `max` through per window, then owes one summary that fits the next window', () => {
    const lim = new RateLimiter({ max: 10, perMs: 60_000 });
    const e = (i: number): NotifyEvent => ({ id: `escalation:${i}`, kind: 'escalation', title: `t${i}`, message: '', at: '', level: 'warning' });
    const t0 = 1_000_000;
    const passed = Array.from({ length: 50 }, (_, i) => lim.offer(t0 + i, e(i))).filter(Boolean).length;
    expect(passed).toBe(10);
    expect(lim.takeSummary(t0 + 100)).toBeUndefined();
    expect(lim.summaryDueAt(t0 + 100)).toBe(t0 + 60_000);
    const s = lim.takeSummary(t0 + 60_000)!;
    expect(s).toMatchObject({ kind: 'suppressed', title: '40 more events suppressed', message: 'dropped over the notify rate limit (escalation ×40): orchestra status shows them all' });
    // The summary took a slot: the window now holds 9 more.
    expect(Array.from({ length: 12 }, (_, i) => lim.offer(t0 + 60_001 + i, e(100 + i))).filter(Boolean).length).toBe(9);
  });

  it('the command environment carries the event with control characters stripped', () => {
    const env = eventEnv({ id: 'escalation:x', kind: 'escalation', title: 'a\u0000b\u001b[31mc\nd', message: 'm\r\n', at: 'now', level: 'info', doc: 'x' });
    expect(env.ORCHESTRA_EVENT_TITLE).toBe('ab[31mc d');
    expect(env.ORCHESTRA_EVENT_WORKER).toBe('');
    expect(JSON.parse(env.ORCHESTRA_EVENT_JSON).title).toBe('ab[31mc d');
    for (const v of Object.values(env)) expect(v).not.toMatch(/[\u0000-\u001f]/);
  });

  it('config: defaults, and one line per problem', () => {
    const base = { workers: [{ name: 'w' }] };
    const r = resolveConfig({ ...base, notify: { webhook: 'https://example.org/h' } });
    expect(r.ok && r.config.notify).toEqual({ webhook: 'https://example.org/h', command: undefined, events: ['escalation', 'blocked', 'worker_gone', 'budget', 'breaker'], rate: { max: 10, perMs: 60_000 }, timeoutMs: 10_000 });
    const bad = resolveConfig({ ...base, notify: { webhook: 'file:///etc/passwd', events: ['escalation', 'lunch'], rate: { max: 0, per: 'soon' } } });
    expect(bad.ok).toBe(false);
    const lines = !bad.ok ? bad.problems.map((p) => `${p.field}: ${p.message}`) : [];
    expect(lines).toEqual([
      expect.stringMatching(/^notify\.webhook: must be an http:\/\/ or https:\/\/ URL/),
      expect.stringMatching(/^notify\.events\[1\]: must be one of escalation, blocked/),
      expect.stringMatching(/^notify\.rate\.max: must be at least 1/),
    ]);
    const none = resolveConfig({ ...base, notify: { events: ['budget'] } });
    expect(!none.ok && none.problems.map((p) => p.field)).toEqual(['notify']);
    const dur = resolveConfig({ ...base, notify: { command: 'true', timeout: 'later' } });
    expect(!dur.ok && dur.problems.map((p) => p.field)).toEqual(['notify.timeout']);
  });
});

describe('notify: the daemon tells the lead', () => {
  it('one POST per event with the documented JSON, the command gets it only through its environment, and a restart resends nothing', async () => {
    const dir = await makeWorkspace();
    const hook = await webhook();
    const out = tempDir('orchestra-notify-out-');
    const record = path.join(out, 'record.cjs');
    const envFile = path.join(out, 'env.jsonl');
    writeFileSync(record, `const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ORCHESTRA_EVENT_')));\nrequire('fs').appendFileSync(${JSON.stringify(envFile)}, JSON.stringify(e) + '\\n');\n`);
    configure(dir, `notify:\n  webhook: ${hook.url}\n  command: 'node "${record}"'\n  timeout: 20s`);
    const ws = locateWorkspace(dir);
    let d = await startDaemonCli(dir);
    try {
      // A hand-written escalation whose title would run code if it ever reached a shell's command line.
      const evil = 'Deploy $(touch PWNED) `touch PWNED2`; touch PWNED3 "now"';
      writeDocFile(dir, 'worker-core', 'esc-by-hand', escalationFm(evil), 'Which region?');
      const order = await ok(dir, ['order', 'worker-core', 'Migrate the database']);
      const report = await ok(dir, ['--as', 'worker-core', 'report', order, '--blocked', '--body', 'No credentials']);
      const esc = await reactionOf(dir, report);
      raiseAlert(ws, { level: 'warning', kind: 'budget', key: 'brain-budget-80:test', message: 'anthropic brain: 80/100 daily calls used (80 % reached)' });
      raiseAlert(ws, { level: 'warning', kind: 'conflict', key: 'conflict:x', message: 'not a notify kind' });

      await waitFor(() => hook.received.length >= 3, { timeoutMs: 90_000, message: 'three POSTs' });
      const byKind = Object.fromEntries(hook.received.map((e) => [e.kind, e]));
      expect(Object.keys(byKind).sort()).toEqual(['blocked', 'budget', 'escalation']);
      expect(byKind.escalation).toEqual({ id: 'escalation:esc-by-hand', kind: 'escalation', title: evil, message: 'Which region?', worker: 'worker-core', doc: 'esc-by-hand', at: expect.any(String), level: 'warning' });
      expect(byKind.blocked).toEqual({ id: `blocked:${esc.id}`, kind: 'blocked', title: 'worker-core is blocked: Migrate the database', message: expect.stringContaining('No credentials'), worker: 'worker-core', doc: esc.id, at: expect.any(String), level: 'critical' });
      expect(byKind.budget).toMatchObject({ kind: 'budget', title: 'Brain budget at 80 %', level: 'warning' });
      for (const e of hook.received) {
        expect(Object.keys(e).every((k) => EVENT_KEYS.includes(k))).toBe(true);
        expect(Number.isNaN(Date.parse(e.at))).toBe(false);
      }

      const envs = await waitFor(() => {
        const lines = existsSync(envFile) ? readFileSync(envFile, 'utf8').split('\n').filter(Boolean) : [];
        return lines.length >= 3 ? lines.map((l) => JSON.parse(l)) : undefined;
      }, { message: 'the command run three times' });
      const byHand = envs.find((e) => e.ORCHESTRA_EVENT_DOC === 'esc-by-hand');
      expect(byHand).toMatchObject({ ORCHESTRA_EVENT_KIND: 'escalation', ORCHESTRA_EVENT_TITLE: evil, ORCHESTRA_EVENT_WORKER: 'worker-core', ORCHESTRA_EVENT_MESSAGE: 'Which region?' });
      expect(JSON.parse(byHand.ORCHESTRA_EVENT_JSON)).toEqual(byKind.escalation);
      for (const f of ['PWNED', 'PWNED2', 'PWNED3']) {
        expect(existsSync(path.join(dir, f))).toBe(false);
        expect(existsSync(path.join(dir, '.orchestra', f))).toBe(false);
      }
      expect(await d.stop()).toBe(0);

      // Restarted: nothing already told is told again; a new escalation is.
      d = await startDaemonCli(dir);
      writeDocFile(dir, 'worker-nlp', 'esc-two', escalationFm('Second question'));
      await waitFor(() => hook.received.length >= 4, { message: 'the fourth POST' });
      expect(await d.stop()).toBe(0);
      expect(hook.received.map((e) => e.id).sort()).toEqual(['escalation:esc-by-hand', 'escalation:esc-two', `blocked:${esc.id}`, byKind.budget.id].sort());
    } finally {
      await d.stop();
      await hook.close();
    }
  });

  it('review mode: a proposed escalation is told at once, saying it waits for review; approving it tells nothing twice', async () => {
    const dir = await makeWorkspace();
    const hook = await webhook();
    configure(dir, `notify:\n  webhook: ${hook.url}`);
    const d = await startDaemonCli(dir, ['--review']);
    try {
      const order = await ok(dir, ['order', 'worker-core', 'Migrate the database']);
      const report = await ok(dir, ['--as', 'worker-core', 'report', order, '--blocked', '--body', 'No credentials']);
      await waitFor(() => hook.received.length >= 1, { timeoutMs: 90_000, message: 'the POST for the proposed escalation' });
      const [proposal] = JSON.parse(await ok(dir, ['list', '--proposals', '--json'])) as { id: string; re: string; type: string }[];
      expect(proposal).toMatchObject({ re: report, type: 'escalation' });
      expect(hook.received[0]).toEqual({
        id: `blocked:${proposal.id}`,
        kind: 'blocked',
        title: 'Proposed for review: worker-core is blocked: Migrate the database',
        message: expect.stringMatching(/No credentials[^]*Waiting on orchestra\/proposals: orchestra approve \S+ \(or reject it with --why\)\.$/),
        worker: 'worker-core',
        doc: proposal.id,
        at: expect.any(String),
        level: 'critical',
      });
      // Approved: the escalation lands on disk, and the daemon sees it, but the lead was told already.
      await ok(dir, ['approve', proposal.id]);
      await waitFor(() => sentIds(dir).filter((id) => id.endsWith(proposal.id)).length >= 1, { message: 'recorded as told' });
      const sentinel = 'esc-after-approval';
      writeDocFile(dir, 'worker-core', sentinel, escalationFm('Later question'));
      await waitFor(() => hook.received.some((e) => e.doc === sentinel), { timeoutMs: 60_000, message: 'the later escalation told' });
      expect(await d.stop()).toBe(0);
      expect(hook.received.map((e) => e.doc)).toEqual([proposal.id, sentinel]);
    } finally {
      await d.stop();
      await hook.close();
    }
  });

  it('a burst of 50 escalations gives at most `rate.max` calls', async () => {
    const dir = await makeWorkspace();
    const hook = await webhook();
    configure(dir, `notify:\n  webhook: ${hook.url}\n  rate: { max: 5, per: 1h }`);
    const d = await startDaemonCli(dir);
    try {
      for (let i = 0; i < 50; i++) writeDocFile(dir, 'worker-core', `burst-${String(i).padStart(2, '0')}`, escalationFm(`Burst ${i}`));
      await waitFor(() => sentIds(dir).filter((id) => id.startsWith('escalation:burst-')).length === 50, { timeoutMs: 60_000, message: 'all 50 escalations seen' });
      await waitFor(() => hook.received.length >= 5, { message: 'five POSTs' });
      // stop() waits for sends in flight: after it, nothing more can arrive.
      expect(await d.stop()).toBe(0);
      expect(hook.received).toHaveLength(5);
      expect(new Set(hook.received.map((e) => e.id)).size).toBe(5);
    } finally {
      await d.stop();
      await hook.close();
    }
  });

  it('what the rate drops is summed up in a later `suppressed` POST, so every event is accounted for', async () => {
    const dir = await makeWorkspace();
    const hook = await webhook();
    configure(dir, `notify:\n  webhook: ${hook.url}\n  rate: { max: 2, per: 2s }`);
    const d = await startDaemonCli(dir);
    try {
      for (let i = 0; i < 10; i++) writeDocFile(dir, 'worker-core', `sum-${i}`, escalationFm(`Sum ${i}`));
      const told = () => {
        let n = 0;
        for (const e of hook.received) n += e.kind === 'suppressed' ? Number(/^(\d+) more events? suppressed$/.exec(e.title)?.[1] ?? NaN) : 1;
        return n;
      };
      await waitFor(() => told() === 10, { timeoutMs: 60_000, message: 'ten events told, directly or in a summary' });
      const summaries = hook.received.filter((e) => e.kind === 'suppressed');
      expect(summaries.length).toBeGreaterThanOrEqual(1);
      expect(summaries[0]).toMatchObject({ level: 'warning', message: expect.stringMatching(/^dropped over the notify rate limit \(escalation ×\d+\)/) });
      expect(await d.stop()).toBe(0);
      expect(told()).toBe(10);
    } finally {
      await d.stop();
      await hook.close();
    }
  });

  it('a hanging webhook and a hanging command cost one log line per kind of failure, and the daemon carries on', async () => {
    const dir = await makeWorkspace();
    const hung: ServerResponse[] = [];
    const hook = await webhook((_req, res) => hung.push(res));
    const out = tempDir('orchestra-notify-out-');
    configure(dir, `notify:\n  webhook: ${hook.url}\n  command: "sleep 30 & echo $! >> '${path.join(out, 'pids')}'; wait"\n  timeout: 1s`);
    const d = await startDaemonCli(dir);
    try {
      for (let i = 0; i < 3; i++) writeDocFile(dir, 'worker-core', `hang-${i}`, escalationFm(`Hang ${i}`));
      await waitFor(() => hook.received.length >= 3, { timeoutMs: 90_000, message: 'three POSTs that will never be answered' });
      expect(hook.received).toHaveLength(3);
      // While every send hangs, the daemon still reacts to new docs.
      const doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Nobody can answer this']);
      expect((await reactionOf(dir, doubt)).fm.type).toBe('escalation');
      await waitFor(() => hook.received.length >= 4, { timeoutMs: 90_000, message: 'the escalation of the doubt POSTed' });
      expect(hook.received).toHaveLength(4);
      await d.waitForOutput(/notify webhook failed: timed out/);
      await d.waitForOutput(/notify command failed: timed out/);
      expect(await d.stop()).toBe(0);
      const lines = d.stderr().split('\n');
      expect(lines.filter((l) => l.includes('notify webhook failed'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('notify command failed'))).toHaveLength(1);
      // The timed-out command was killed with what it started (its process group), not left running.
      const pids = readFileSync(path.join(out, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
      expect(pids.length).toBeGreaterThan(0);
      await waitFor(() => pids.every(gone), { timeoutMs: 5000, message: `the command's children ${pids.join(', ')} killed` });
    } finally {
      await d.stop();
      for (const r of hung) r.destroy();
      await hook.close();
    }
  });

  it('an unreachable webhook and a failing command: one line each, and the daemon keeps handling', async () => {
    const dir = await makeWorkspace();
    const port = await freePort();
    configure(dir, `notify:\n  webhook: http://127.0.0.1:${port}/nobody\n  command: "exit 3"\n  timeout: 5s`);
    const d = await startDaemonCli(dir);
    try {
      for (let i = 0; i < 4; i++) writeDocFile(dir, 'worker-core', `fail-${i}`, escalationFm(`Fail ${i}`));
      await waitFor(() => sentIds(dir).length >= 4, { message: 'four events dispatched' });
      const doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Still there?']);
      await reactionOf(dir, doubt);
      await d.waitForOutput(/notify webhook failed: ECONNREFUSED/);
      await d.waitForOutput(/notify command failed: exited with 3/);
      expect(await d.stop()).toBe(0);
      const lines = d.stderr().split('\n');
      expect(lines.filter((l) => l.includes('notify webhook failed'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('notify command failed'))).toHaveLength(1);
    } finally {
      await d.stop();
    }
  });
});
