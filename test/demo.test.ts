/**
 * `orchestra demo`, run as a user runs it (the built CLI, a real repository, the real daemon and dashboard),
 * then checked from the outside: the docs and commits each scenario must leave, the metrics the script implies,
 * the conflict, and a second run into the same folder refused without touching it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { porcelain } from './daemon-fixture.js';
import { cleanupTemp, git, ogit, okJson, ok, run, spawnCli, tempDir } from './helpers.js';

afterAll(cleanupTemp);

interface DocJ {
  id: string;
  type: string;
  title: string;
  from: string;
  to: string;
  re: string | null;
  state: string | null;
  outcome: string | null;
  worker: string;
  created: string;
  path: string;
}

describe('orchestra demo --dir', () => {
  let dir = '';
  let stdout = '';
  let docs: DocJ[] = [];
  const byTitle = (type: string, title: string) => {
    const d = docs.find((x) => x.type === type && x.title === title);
    if (!d) throw new Error(`no ${type} "${title}" among ${docs.map((x) => `${x.type}:${x.title}`).join(' | ')}`);
    return d;
  };
  const repliesTo = (id: string) => docs.filter((d) => d.re === id);

  beforeAll(async () => {
    dir = path.join(tempDir(), 'team');
    const r = await run(path.dirname(dir), ['demo', '--dir', dir, '--speed', '0'], { timeoutMs: 180_000 });
    stdout = r.stdout;
    if (r.exitCode !== 0) throw new Error(`demo exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    docs = await okJson<DocJ[]>(dir, ['list']);
  });

  it('prints a live account, then metrics, the timeline and the dashboard URL', () => {
    for (const section of ['The plan', 'Scenario A', 'Conflict', 'Scenario B', 'Scenario C', 'Blocked once']) expect(stdout).toContain(section);
    expect(stdout).toMatch(/^daemon\s+answers: "Use the test framework/m);
    expect(stdout).toMatch(/^daemon\s+escalates to the lead: .*tokenizer/m);
    expect(stdout).toMatch(/^Metrics since/m);
    expect(stdout).toMatch(/^Timeline/m);
    expect(stdout).toMatch(/^Dashboard\s+http:\/\/127\.0\.0\.1:\d+\//m);
  });

  it('leaves the docs of every scenario, with the states the script implies', () => {
    const count = (type: string) => docs.filter((d) => d.type === type).length;
    expect({ orders: count('order'), reports: count('report'), doubts: count('doubt'), answers: count('answer'), escalations: count('escalation') }).toEqual({
      orders: 8,
      reports: 5,
      doubts: 2,
      answers: 3,
      escalations: 2,
    });
    const state = (title: string) => byTitle('order', title).state;
    // A: core and infra finished their first orders; core is on its second, infra's is ready.
    expect(state('Optimize propagation')).toBe('completed');
    expect(state('Create the test suite')).toBe('completed');
    expect(state('Cache the neighbour index')).toBe('in_progress');
    expect(state('Add a CI workflow')).toBe('pending');
    // B: nlp's first order ran after core's; its second waits on core's second.
    expect(state('Integrate NLP with the new core')).toBe('completed');
    expect(state('Rank related concepts')).toBe('waiting');
    // Blocked once, unblocked by the lead, completed; ui's second order waits on core and infra.
    expect(state('Show propagation in the panel')).toBe('completed');
    expect(state('Colour the bars by level')).toBe('waiting');
  });

  it('scenario C: the faq doubt answered by the daemon; the other escalated and answered by the lead', () => {
    const faq = byTitle('doubt', 'Which test framework should I use?');
    expect(faq.from).toBe('worker-infra');
    expect(faq.state).toBe('answered');
    expect(repliesTo(faq.id).map((d) => [d.type, d.from])).toEqual([['answer', 'daemon']]);

    const open = byTitle('doubt', 'Which tokenizer should the pipeline ship with?');
    const esc = repliesTo(open.id);
    expect(esc.map((d) => [d.type, d.from, d.to])).toEqual([['escalation', 'daemon', 'lead']]);
    expect(repliesTo(esc[0].id).map((d) => [d.type, d.from, d.to])).toEqual([['answer', 'lead', 'worker-nlp']]);
    expect(esc[0].state).toBe('resolved');
  });

  it('the blocked report is escalated to the lead, who answers it', () => {
    const blocked = docs.find((d) => d.type === 'report' && d.outcome === 'blocked')!;
    expect(blocked.from).toBe('worker-ui');
    const esc = repliesTo(blocked.id);
    expect(esc.map((d) => [d.type, d.from])).toEqual([['escalation', 'daemon']]);
    expect(repliesTo(esc[0].id).map((d) => [d.type, d.from])).toEqual([['answer', 'lead']]);
  });

  it('scenario B: nlp started its order only after core reported completion', () => {
    const log = ogit(dir, ['log', '--reverse', '--format=%s']).trim().split('\n');
    const nlp = byTitle('order', 'Integrate NLP with the new core');
    const coreDone = log.indexOf('orchestra: report worker-core: Done: Optimize propagation');
    const nlpStart = log.indexOf(`orchestra: start worker-nlp: ${nlp.id}`);
    expect(coreDone).toBeGreaterThan(0);
    expect(nlpStart).toBeGreaterThan(coreDone);
    expect(nlp.created > byTitle('order', 'Optimize propagation').created).toBe(true);
  });

  it('every doc is committed under its actor\'s identity; worker commits carry their trailers', () => {
    expect(porcelain(dir)).toBe('');
    for (const d of docs) {
      const out = ogit(dir, ['log', '--diff-filter=A', '--format=%an%n%(trailers:key=Orchestra-Actor,valueonly)', '--', d.path]).trim().split('\n');
      const actor = d.type === 'order' || (d.type === 'answer' && d.from === 'lead') ? 'lead' : d.from;
      expect(out[1], d.path).toBe(actor);
      if (actor !== 'lead') expect(out[0], d.path).toBe(actor);
    }
    for (const [w, b] of [['worker-core', 'worker/core'], ['worker-infra', 'worker/infra'], ['worker-nlp', 'worker/nlp'], ['worker-ui', 'worker/ui']]) {
      const out = git(dir, ['log', `main..${b}`, '--format=%an|%(trailers:key=Orchestra-Actor,valueonly)']).trim();
      expect(out, b).toContain(`${w}|${w}`);
    }
    expect(git(dir, ['show', 'worker/core:package.json'])).toContain('"bench"');
    expect(git(dir, ['show', 'worker/infra:package.json'])).toContain('"test"');
    // Workers branch off the code's main, never off the orchestration branch.
    for (const b of ['worker/core', 'worker/infra', 'worker/nlp', 'worker/ui']) expect(() => git(dir, ['merge-base', 'orchestra', b])).toThrow();
    // Branch mode (the demo's, init's default): the code's main branch got the team's config and nothing else.
    expect(git(dir, ['log', '--format=%s', 'main']).trim().split('\n').filter((l) => l.startsWith('orchestra:'))).toEqual(['orchestra: init lead: the team (4 workers) in orchestra.yaml']);
  });

  it('the conflict is detected by `orchestra conflicts`, and the metrics are as the script implies', async () => {
    const conflicts = await okJson<{ file: string; workers: string[]; kind: string }[]>(dir, ['conflicts']);
    expect(conflicts.map((c) => [c.file, c.workers, c.kind])).toEqual([['package.json', ['worker-core', 'worker-infra'], 'overlap']]);
    const m = await okJson(dir, ['metrics']);
    expect(m).toMatchObject({ ordersTotal: 8, ordersCompleted: 4, escalations: 2, autonomyPct: 75, conflicts: 1 });
    expect(await ok(dir, ['validate'])).toContain('valid');
  });

  it('a second run into the same folder says it exists and changes nothing', async () => {
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    const r = await run(dir, ['demo', '--dir', dir, '--speed', '0']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/already exists.*pick another --dir/);
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(porcelain(dir)).toBe('');
  });
});

describe('orchestra demo (temporary, --keep)', () => {
  it('without --dir builds in a temporary folder and removes it at the end; --json sums the run up', async () => {
    const r = await run(tempDir(), ['demo', '--speed', '0', '--json'], { timeoutMs: 180_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.root).toContain('orchestra-demo-');
    expect(out.kept).toBe(false);
    expect(existsSync(out.root)).toBe(false);
    expect(Object.keys(out.orders)).toHaveLength(8);
    expect(out.escalations).toHaveLength(2);
    expect(out.conflicts).toBe(1);
    expect(out.metrics).toMatchObject({ ordersTotal: 8, ordersCompleted: 4, escalations: 2, autonomyPct: 75, conflicts: 1 });
  });

  it('--keep leaves the dashboard serving until Ctrl-C, then exits 0', async () => {
    const dir = path.join(tempDir(), 'kept');
    const p = spawnCli(tempDir(), ['demo', '--dir', dir, '--speed', '0', '--keep']);
    try {
      await p.waitForOutput(/Running until Ctrl-C/, 180_000);
      const url = /^Dashboard\s+(http\S+)/m.exec(p.stdout())![1];
      const res = await fetch(new URL('/api/workers', url));
      expect(res.status).toBe(200);
      const body = JSON.stringify(await res.json());
      for (const w of ['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui']) expect(body).toContain(w);
    } finally {
      expect(await p.stop('SIGINT')).toBe(0);
    }
    expect(existsSync(path.join(dir, 'orchestra.yaml'))).toBe(true);
    expect(existsSync(path.join(dir, '.orchestra/state/daemon.pid'))).toBe(false);
  });
});
