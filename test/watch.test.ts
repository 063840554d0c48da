import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupTemp, ok, run, spawnCli, waitFor, type LongRunning } from './helpers.js';
import { makeTeam, write } from './conflicts-fixture.js';

afterAll(cleanupTemp);

const running: LongRunning[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop('SIGKILL');
});

function start(cwd: string, args: string[]): LongRunning {
  const p = spawnCli(cwd, args);
  running.push(p);
  return p;
}

type Ev = { event: string; [k: string]: any };

/** The JSON events a `watch --json` printed so far. */
function events(p: LongRunning): Ev[] {
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Ev);
}

function waitEvent(p: LongRunning, pred: (e: Ev) => boolean, message: string): Promise<Ev> {
  return waitFor(
    () => {
      if (p.child.exitCode !== null) throw new Error(`watch exited ${p.child.exitCode}: ${p.stderr()}`);
      return events(p).find(pred);
    },
    { timeoutMs: 30_000, message: `${message}; stdout so far: ${p.stdout().slice(-2000)}; stderr: ${p.stderr().slice(-500)}` },
  );
}

describe('orchestra watch', () => {
  it('--json from the worker\'s own worktree: summary, then the order written through the CLI, its status change, a conflict; Ctrl-C exits 0', async () => {
    const { root, wt } = await makeTeam();
    const early = await ok(root, ['order', 'worker-core', 'Already there', '--priority', 'low']);
    const watch = start(wt.core, ['watch', 'worker-core', '--json', '--conflict-interval', '300']);
    const summary = await waitEvent(watch, (e) => e.event === 'summary', 'the summary');
    expect(summary.worker).toBe('worker-core');
    expect(summary.ready.map((d: { id: string }) => d.id)).toEqual([early]);
    expect(summary.conflicts).toEqual([]);

    const id = await ok(root, ['order', 'worker-core', 'Optimize propagation', '--priority', 'high', '--body', 'Done when p99 < 5 ms']);
    const ev = await waitEvent(watch, (e) => e.event === 'order' && e.doc.id === id, 'the order event');
    expect(ev.doc).toMatchObject({ title: 'Optimize propagation', priority: 'high', state: 'pending', from: 'lead', to: 'worker-core' });
    expect(ev.show).toBe(`orchestra show ${id}`);
    // An order for someone else is not this worker's business.
    await ok(root, ['order', 'worker-infra', 'Not for core']);

    await ok(root, ['--as', 'worker-core', 'start', id]);
    const st = await waitEvent(watch, (e) => e.event === 'status' && e.id === id, 'the status event');
    expect([st.from, st.to]).toEqual(['pending', 'in_progress']);

    // Another worker touches the same file, uncommitted: the conflict reaches the watcher.
    write(wt.core, 'src/shared/util.ts', 'core edit\n');
    write(wt.infra, 'src/shared/util.ts', 'infra edit\n');
    const c = await waitEvent(watch, (e) => e.event === 'conflict' && !e.resolved, 'the conflict event');
    expect(c.conflict).toMatchObject({ file: 'src/shared/util.ts', workers: ['worker-core', 'worker-infra'], kind: 'overlap' });

    expect(events(watch).filter((e) => e.event === 'order').map((e) => e.doc.id)).toEqual([id]);
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
  });

  it('--once prints the summary (ready by priority, waiting and on what, unread answers) and exits; text blocks name the command to read in full', async () => {
    const { root } = await makeTeam();
    const low = await ok(root, ['order', 'worker-ui', 'Polish icons', '--priority', 'low']);
    const high = await ok(root, ['order', 'worker-ui', 'Fix the login page', '--priority', 'high']);
    // worker-ui depends on worker-core: a later ui order waits on core's open order.
    const core = await ok(root, ['order', 'worker-core', 'Core API']);
    const waiting = await ok(root, ['order', 'worker-ui', 'Use the core API']);
    const doubt = await ok(root, ['--as', 'worker-ui', 'doubt', 'worker-ui', 'Which icon set?']);
    const answer = await ok(root, ['answer', doubt, '--body', 'Feather']);

    const json = JSON.parse(await ok(root, ['watch', 'worker-ui', '--once', '--json']));
    expect(json.event).toBe('summary');
    expect(json.ready.map((d: { id: string }) => d.id)).toEqual([high, low]);
    expect(json.waiting.map((d: { id: string; waitingOn: string[] }) => [d.id, d.waitingOn])).toEqual([[waiting, [core]]]);
    expect(json.answers.map((d: { id: string }) => d.id)).toEqual([answer]);

    const text = await ok(root, ['watch', 'worker-ui', '--once']);
    expect(text).toMatch(/2 ready · 1 waiting · 1 unread answer/);
    expect(text.indexOf('Fix the login page')).toBeLessThan(text.indexOf('Polish icons'));
    expect(text).toContain(`waits on ${core}`);
    expect(text).toContain(`orchestra show ${answer}`);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('text mode rings the bell on a new order unless --quiet', async () => {
    const { root } = await makeTeam();
    const loud = start(root, ['watch', 'worker-core']);
    const quiet = start(root, ['watch', 'worker-core', '--quiet']);
    await loud.waitForOutput(/watching worker-core/);
    await quiet.waitForOutput(/watching worker-core/);
    await waitFor(() => /Ctrl-C/.test(loud.stderr()) && /Ctrl-C/.test(quiet.stderr()), { message: 'both watching' });
    const id = await ok(root, ['order', 'worker-core', 'Ring']);
    await loud.waitForOutput(new RegExp(`orchestra show ${id}`));
    await quiet.waitForOutput(new RegExp(`orchestra show ${id}`));
    expect(loud.stdout()).toContain('\x07');
    expect(quiet.stdout()).not.toContain('\x07');
    expect(loud.stdout()).toMatch(/new order/);
    loud.child.kill('SIGTERM');
    expect(await loud.exited).toBe(0);
  });

  it('refuses an unknown worker with exit 2', async () => {
    const { root } = await makeTeam();
    const r = await run(root, ['watch', 'nobody', '--once']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown worker "nobody"/);
  });

  it('with a running daemon, the answer to a doubt reaches the watching worker', async () => {
    const { root, wt } = await makeTeam('faq:\n  - match: "test framework"\n    answer: "Use vitest."\n');
    const daemon = start(root, ['daemon']);
    const watch = start(wt.core, ['watch', 'worker-core', '--json']);
    await waitEvent(watch, (e) => e.event === 'summary', 'the summary');
    // A daemon adopts docs already there on its first start: write the doubt once it is watching.
    await daemon.waitForOutput(/watcher ready/);
    const doubt = await ok(wt.core, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which test framework?', '--body', 'jest or vitest?']);
    const ev = await waitEvent(watch, (e) => e.event === 'answer' && e.doc.re === doubt, 'the daemon\'s answer');
    expect(ev.doc.from).toBe('daemon');
    expect(ev.show).toBe(`orchestra show ${ev.doc.id}`);
    expect(await ok(root, ['show', ev.doc.id])).toContain('Use vitest.');
  });
});
