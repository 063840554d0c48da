/**
 * End to end: the spawned daemon and the spawned CLI in real temporary repositories. The seed's scenarios A, B
 * and C, blocked reports, hand-written files, the pid lock, first-start adoption, and a clean stop.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, MODES, ogit, ok, okJson, run, trailersOf, waitFor } from './helpers.js';
import { alertsOf, configure, docsOnDisk, isCommitted, porcelain, reactionOf, reactionsTo, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

const FAQ = `faq:
  - match: "test framework|pytest|vitest"
    answer: "Use vitest, as the rest of the project does."`;

describe.each(MODES)('%s mode', (mode) => {
describe('orchestra daemon: the decision table, end to end', () => {
  it("scenario C: a doubt matching faq is answered; one with no match is escalated to the lead", async () => {
    const dir = await makeWorkspace({ mode });
    configure(dir, FAQ);
    const d = await startDaemonCli(dir);
    try {
      const q1 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework should I use?', '--body', 'pytest or vitest?']);
      const answer = await reactionOf(dir, q1);
      expect(answer.fm).toMatchObject({ type: 'answer', from: 'daemon', to: 'worker-infra', re: q1 });
      expect(answer.body).toContain('Use vitest');
      await waitFor(() => isCommitted(dir, answer.path), { message: 'the answer committed' });
      expect(trailersOf(dir, answer.path)).toEqual({ 'Orchestra-Doc': answer.id, 'Orchestra-Actor': 'daemon' });
      // The watchdog's view: the worker sees the answer.
      const pending = await okJson(dir, ['pending', 'worker-infra']);
      expect(pending.answers.map((a: { id: string }) => a.id)).toContain(answer.id);

      const q2 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which colour for the logo?']);
      const esc = await reactionOf(dir, q2);
      expect(esc.fm).toMatchObject({ type: 'escalation', from: 'daemon', to: 'lead', re: q2 });
      await waitFor(() => isCommitted(dir, esc.path), { message: 'the escalation committed' });
      expect(ogit(dir, ['log', '-1', '--format=%an', '--', esc.path]).trim()).toBe('daemon');
      expect(porcelain(dir)).toBe('');
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it('scenario A: two independent workers; a report with work left gets nothing, the last one escalates "worker idle"', async () => {
    const dir = await makeWorkspace({ mode });
    const d = await startDaemonCli(dir);
    try {
      const core = await ok(dir, ['order', 'worker-core', 'Optimize propagation']);
      const infra1 = await ok(dir, ['order', 'worker-infra', 'Create tests']);
      const infra2 = await ok(dir, ['order', 'worker-infra', 'Add CI']);
      await ok(dir, ['--as', 'worker-infra', 'start', infra1]);
      await ok(dir, ['--as', 'worker-core', 'start', core]);
      const rInfra = await ok(dir, ['--as', 'worker-infra', 'report', infra1, '--body', 'tests in test/']);
      await d.waitForOutput(new RegExp(`${rInfra}.*no new orders; worker-infra has 1 open order`));
      expect(reactionsTo(dir, rInfra)).toEqual([]);
      const rCore = await ok(dir, ['--as', 'worker-core', 'report', core, '--body', 'p99 3 ms']);
      const idleCore = await reactionOf(dir, rCore);
      expect(idleCore.fm).toMatchObject({ type: 'escalation', to: 'lead', title: 'Worker idle: worker-core' });
      const rInfra2 = await ok(dir, ['--as', 'worker-infra', 'report', infra2]);
      expect((await reactionOf(dir, rInfra2)).fm.title).toBe('Worker idle: worker-infra');
      await waitFor(() => porcelain(dir) === '', { message: 'everything committed' });
      // A log line for every doc, the orders included.
      await d.waitForOutput(new RegExp(`order ${infra2} \\(lead\\): order for worker-infra`));
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it("scenario B: worker-nlp's order waits on worker-core's; core's report makes it ready and the daemon says so", async () => {
    const dir = await makeWorkspace({ mode });
    const d = await startDaemonCli(dir);
    try {
      const core = await ok(dir, ['order', 'worker-core', 'Refactor nucleo.py to numpy']);
      const nlp = await ok(dir, ['order', 'worker-nlp', 'Integrate NLP with the numpy core']);
      await d.waitForOutput(new RegExp(`order ${nlp} .*waiting on ${core}`));
      expect((await okJson(dir, ['pending', 'worker-nlp'])).waiting.map((o: { id: string }) => o.id)).toEqual([nlp]);
      await ok(dir, ['--as', 'worker-core', 'start', core]);
      const report = await ok(dir, ['--as', 'worker-core', 'report', core]);
      await d.waitForOutput(new RegExp(`${report}.*now ready: ${nlp} \\(worker-nlp\\)`));
      expect((await okJson(dir, ['pending', 'worker-nlp'])).ready.map((o: { id: string }) => o.id)).toEqual([nlp]);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it('a blocked report is escalated to the lead, high priority', async () => {
    const dir = await makeWorkspace({ mode });
    const d = await startDaemonCli(dir);
    try {
      const order = await ok(dir, ['order', 'worker-core', 'Migrate the database']);
      const report = await ok(dir, ['--as', 'worker-core', 'report', order, '--blocked', '--body', 'No credentials for the staging DB']);
      const esc = await reactionOf(dir, report);
      expect(esc.fm).toMatchObject({ type: 'escalation', from: 'daemon', to: 'lead', re: report, priority: 'high' });
      expect(esc.body).toContain('No credentials for the staging DB');
      const escalations = (await okJson(dir, ['list', '--type', 'escalation', '--state', 'open'])).map((e: { id: string }) => e.id);
      expect(escalations).toEqual([esc.id]);
    } finally {
      await d.stop();
    }
  });

  it('hand-written files not committed yet are committed first, as their authors, then handled', async () => {
    const dir = await makeWorkspace({ mode });
    configure(dir, FAQ);
    git(dir, ['commit', '-q', '--allow-empty', '-m', 'base']);
    // The person's own unrelated work, staged and unstaged: never swept into the daemon's commits.
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    git(dir, ['add', 'notes.txt']);
    writeFileSync(path.join(dir, 'scratch.txt'), 'draft\n');
    const d = await startDaemonCli(dir);
    try {
      const orderFile = path.join(dir, '.orchestra/docs/worker-core/hand-order-1.md');
      // The seed's Spanish vocabulary: `orden` for the type, `alta` for the priority.
      const orderText = '---\ntype: orden\ntitle: Write the parser\npriority: alta\n---\nDone when parser tests pass.\n';
      writeFileSync(orderFile, orderText);
      await waitFor(() => isCommitted(dir, '.orchestra/docs/worker-core/hand-order-1.md'), { message: 'the hand-written order committed' });
      expect(trailersOf(dir, '.orchestra/docs/worker-core/hand-order-1.md')).toEqual({ 'Orchestra-Doc': 'hand-order-1', 'Orchestra-Actor': 'lead' });
      expect(ogit(dir, ['log', '-1', '--format=%an', '--', orderFile]).trim()).toBe('Test Lead');
      // Read normalised, never rewritten on disk.
      expect(await okJson(dir, ['show', 'hand-order-1'])).toMatchObject({ type: 'order', priority: 'high', to: 'worker-core', from: 'lead' });
      expect(readFileSync(orderFile, 'utf8')).toBe(orderText);
      // Handled (the daemon logs it once it has decided), and the decision for an order is to write nothing.
      await d.waitForOutput(/order hand-order-1 \(lead\): order for worker-core/);

      const doubtFile = path.join(dir, '.orchestra/docs/worker-infra/hand-doubt-1.md');
      writeFileSync(doubtFile, '---\ntype: duda\ntitle: Should I use pytest?\n---\n');
      const answer = await reactionOf(dir, 'hand-doubt-1');
      expect(answer.fm.type).toBe('answer');
      await waitFor(() => isCommitted(dir, answer.path), { message: 'answer committed' });
      expect(ogit(dir, ['log', '-1', '--diff-filter=A', '--format=%an', '--', doubtFile]).trim()).toBe('worker-infra');
      // Both triggers handled: the doubt got its answer, the order (handled before it) got nothing.
      expect(reactionsTo(dir, 'hand-order-1')).toEqual([]);
      expect(docsOnDisk(dir).filter((x) => x.fm.from === 'daemon').map((x) => x.fm.re)).toEqual(['hand-doubt-1']);
      // The person's changes are where they were.
      const status = porcelain(dir).split('\n').sort();
      expect(status).toEqual(['?? scratch.txt', 'A  notes.txt']);
    } finally {
      await d.stop();
    }
  });
});

describe('orchestra daemon: exactly once, one per workspace, clean stop', () => {
  it('the first start adopts existing docs; --catch-up handles them; later docs are handled by --once', async () => {
    const adopt = await makeWorkspace({ mode });
    const catchUp = await makeWorkspace({ mode });
    const qa = await ok(adopt, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'An old question']);
    const qc = await ok(catchUp, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'An old question']);
    const r1 = await run(adopt, ['daemon', '--once']);
    expect(r1.exitCode).toBe(0);
    expect(r1.stderr).toMatch(/1 adopted as handled, 0 to handle/);
    expect(reactionsTo(adopt, qa)).toEqual([]);
    const r2 = await run(catchUp, ['daemon', '--once', '--catch-up']);
    expect(r2.exitCode).toBe(0);
    expect(reactionsTo(catchUp, qc)).toHaveLength(1);

    const later = await ok(adopt, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'A new question']);
    expect((await run(adopt, ['daemon', '--once'])).exitCode).toBe(0);
    expect(reactionsTo(adopt, later)).toHaveLength(1);
    // Again: nothing new, nothing doubled.
    expect((await run(adopt, ['daemon', '--once'])).exitCode).toBe(0);
    expect(reactionsTo(adopt, later)).toHaveLength(1);
    expect(reactionsTo(adopt, qa)).toEqual([]);
    expect(porcelain(adopt)).toBe('');
  });

  it('one daemon per workspace: a second is refused; a stale lock is taken over; SIGINT exits 0 and frees the lock', async () => {
    const dir = await makeWorkspace({ mode });
    const pidFile = path.join(dir, '.orchestra/state/daemon.pid');
    mkdirSync(path.dirname(pidFile), { recursive: true });
    // A lock left by a daemon that died (pid that cannot be alive).
    writeFileSync(pidFile, JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), at: Date.now(), purpose: 'daemon' }));
    const d = await startDaemonCli(dir);
    const second = await run(dir, ['daemon']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/another daemon \(pid \d+\) is already running in this workspace/);
    const q = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Still alive?']);
    await reactionOf(dir, q);
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
    expect(d.stderr()).toMatch(/daemon stopped/);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('--brain anthropic without a key says clearly why it cannot start', async () => {
    const dir = await makeWorkspace({ mode });
    const r = await run(dir, ['daemon', '--brain', 'anthropic', '--once']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*(ANTHROPIC_API_KEY|not available)/);
    const bad = await run(dir, ['daemon', '--brain', 'oracle']);
    expect(bad.exitCode).toBe(2);
  });

  it('writes a JSON line per event to .orchestra/state/logs/daemon.jsonl', async () => {
    const dir = await makeWorkspace({ mode });
    expect((await run(dir, ['daemon', '--once'])).exitCode).toBe(0);
    const q = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which database?']);
    expect((await run(dir, ['daemon', '--once'])).exitCode).toBe(0);
    const lines = (await import('node:fs')).readFileSync(path.join(dir, '.orchestra/state/logs/daemon.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const ev = lines.find((l) => l.event === 'trigger' && l.trigger === q);
    expect(ev).toMatchObject({ decision: 'escalate', type: 'doubt', from: 'worker-core' });
    expect(ev.reactions).toHaveLength(1);
    expect(typeof ev.ms).toBe('number');
    expect(lines.filter((l) => l.event === 'start')).toHaveLength(2);
    expect(alertsOf(dir)).toEqual([]);
    expect(docsOnDisk(dir).length).toBe(2);
  });
});
});
