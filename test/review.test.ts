/**
 * Review mode end to end: the spawned daemon proposes on `orchestra/proposals` (never on disk, never on the checked-out
 * branch, never in the user's index), and nothing reaches a worker until the lead approves or merges; a rejection is
 * recorded in the timeline; restarts and a lost state folder never make it propose twice.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok, okJson, run, waitFor } from './helpers.js';
import { configure, docsOnDisk, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

const FAQ = `faq:
  - match: "test framework|pytest|vitest"
    answer: "Use vitest, as the rest of the project does."`;

const BRANCH = 'orchestra/proposals';

interface ProposalJson {
  id: string;
  type: string;
  from: string;
  to: string;
  re: string | null;
  body: string;
  path: string;
  proposedOn: string;
}

/** A workspace with the faq above; `review: true` in orchestra.yaml unless `viaFlag` (then the daemon gets --review). */
async function reviewWorkspace(viaFlag = false): Promise<string> {
  const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
  configure(dir, FAQ);
  if (!viaFlag) {
    const file = path.join(dir, 'orchestra.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^review: false/m, 'review: true'));
    git(dir, ['commit', '-q', '-m', 'review mode', '--', 'orchestra.yaml']);
  }
  return dir;
}

const proposals = (dir: string) => okJson<ProposalJson[]>(dir, ['list', '--proposals']);

/** Waits until a proposal answering `trigger` is on the branch, and returns it. */
async function proposalFor(dir: string, trigger: string): Promise<ProposalJson> {
  return waitFor(async () => (await proposals(dir)).find((p) => p.re === trigger), { message: `a proposal answering ${trigger}` });
}

const head = (dir: string) => git(dir, ['rev-parse', 'HEAD']).trim();
const triggerCommits = (dir: string) => git(dir, ['log', '--format=%H', '--grep=^Orchestra-Trigger: ', BRANCH]).trim().split('\n').filter(Boolean).length;
const answersOf = async (dir: string, worker: string) => ((await okJson(dir, ['pending', worker])).answers as { id: string }[]).map((a) => a.id);

describe('review mode', () => {
  it("a doubt the faq answers: the answer waits on orchestra/proposals, invisible to the worker, until the lead approves it", async () => {
    const dir = await reviewWorkspace();
    // The lead's own work in progress, staged and unstaged: review mode never touches the index or working tree.
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    git(dir, ['add', 'notes.txt']);
    writeFileSync(path.join(dir, 'scratch.txt'), 'draft\n');
    const d = await startDaemonCli(dir);
    try {
      const doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework should I use?']);
      const before = head(dir);
      const p = await proposalFor(dir, doubt);
      expect(p).toMatchObject({ type: 'answer', from: 'daemon', to: 'worker-infra', proposedOn: BRANCH });
      expect(p.body).toContain('Use vitest');
      await d.waitForOutput(new RegExp(`${doubt}.*proposed on ${BRANCH}: ${p.id}`));
      // Not on disk, not on main, not in the worker's inbox; the lead's staged and unstaged work as it was.
      expect(docsOnDisk(dir).map((x) => x.id)).not.toContain(p.id);
      expect(head(dir)).toBe(before);
      expect(await answersOf(dir, 'worker-infra')).toEqual([]);
      expect(git(dir, ['diff', '--cached', '--name-only']).trim()).toBe('notes.txt');
      expect(git(dir, ['status', '--porcelain', '--', 'scratch.txt']).trim()).toBe('?? scratch.txt');
      expect(git(dir, ['show', '--format=%an%n%(trailers:only,unfold)', '--no-patch', BRANCH]).trim().split('\n')).toEqual([
        'daemon',
        `Orchestra-Doc: ${p.id}`,
        'Orchestra-Actor: daemon',
        `Orchestra-Trigger: ${doubt}`,
      ]);
      expect((await okJson(dir, ['status'])).proposals).toBe(1);

      // A worker cannot approve; the refusal names the rule.
      const byWorker = await run(dir, ['--as', 'worker-infra', 'approve', p.id.slice(-4)]);
      expect(byWorker.exitCode).toBe(1);
      expect(byWorker.stderr).toMatch(/worker-infra cannot approve proposals: only the lead approves or rejects/);
      expect(await answersOf(dir, 'worker-infra')).toEqual([]);

      // The lead approves by the short id: the answer is delivered, committed as the daemon's, naming the lead.
      expect(await ok(dir, ['approve', p.id.slice(-4)])).toBe(p.id);
      expect(await answersOf(dir, 'worker-infra')).toEqual([p.id]);
      expect(readFileSync(path.join(dir, p.path), 'utf8')).toBe(git(dir, ['show', `${BRANCH}~1:${p.path}`]));
      expect(git(dir, ['log', '-1', '--format=%s%n%(trailers:only,unfold)']).trim().split('\n')).toEqual([
        'orchestra: answer worker-infra: Re: Which test framework should I use?',
        `Orchestra-Doc: ${p.id}`,
        'Orchestra-Actor: daemon',
        'Orchestra-Approved-By: lead',
      ]);
      expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim()).toBe(p.path);
      expect(git(dir, ['diff', '--cached', '--name-only']).trim()).toBe('notes.txt');
      expect(await proposals(dir)).toEqual([]);
      expect((await okJson(dir, ['status'])).proposals).toBe(0);

      // Twice: a clear refusal, nothing changes.
      const again = await run(dir, ['approve', p.id.slice(-4)]);
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toMatch(/is not waiting for review: it is approved already/);

      // The daemon never reacts to the approved doc: a later doubt is the only thing it handles.
      const commits = triggerCommits(dir);
      const next = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'And vitest for the api too?']);
      await proposalFor(dir, next);
      expect(triggerCommits(dir)).toBe(commits + 1);
      expect(d.stderr()).not.toMatch(new RegExp(`answer ${p.id} \\(daemon\\)`));
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it('daemon --review with approve --all: every proposal delivered in one commit; list and status follow', async () => {
    const dir = await reviewWorkspace(true);
    const d = await startDaemonCli(dir, ['--review']);
    try {
      const q1 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'pytest or vitest?']);
      const q2 = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which colour for the logo?']);
      const a1 = await proposalFor(dir, q1);
      const e2 = await proposalFor(dir, q2);
      expect(e2).toMatchObject({ type: 'escalation', to: 'lead' });
      expect((await okJson(dir, ['list', '--type', 'escalation', '--state', 'open']))).toEqual([]);
      expect((await okJson(dir, ['status'])).proposals).toBe(2);
      const text = await run(dir, ['list', '--proposals']);
      expect(text.stdout).toContain(a1.id.slice(-4));
      expect(text.stdout).toContain(e2.id.slice(-4));

      const out = (await ok(dir, ['approve', '--all'])).split('\n');
      expect(out.sort()).toEqual([a1.id, e2.id].sort());
      expect(await answersOf(dir, 'worker-infra')).toEqual([a1.id]);
      expect((await okJson(dir, ['list', '--type', 'escalation', '--state', 'open'])).map((x: { id: string }) => x.id)).toEqual([e2.id]);
      expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').sort()).toEqual([a1.path, e2.path].sort());
      expect(await proposals(dir)).toEqual([]);
      const none = await run(dir, ['approve', '--all']);
      expect(none.exitCode).toBe(1);
      expect(none.stderr).toMatch(/no proposal is waiting for review/);
      const usage = await run(dir, ['approve']);
      expect(usage.exitCode).toBe(2);
      expect(usage.stderr).toMatch(/give a proposal id or --all/);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it('a rejection is recorded in the timeline (log text and --json), and the proposal never reaches anyone', async () => {
    const dir = await reviewWorkspace();
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    git(dir, ['add', 'notes.txt']);
    const d = await startDaemonCli(dir);
    try {
      const doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Should I use vitest?']);
      const p = await proposalFor(dir, doubt);
      const byWorker = await run(dir, ['--as', 'worker-core', 'reject', p.id, '--why', 'no']);
      expect(byWorker.exitCode).toBe(1);
      expect(byWorker.stderr).toMatch(/worker-core cannot reject proposals: only the lead approves or rejects/);

      const before = git(dir, ['rev-parse', 'HEAD^{tree}']).trim();
      expect(await ok(dir, ['reject', p.id.slice(-4), '--why', 'We use node:test in this package'])).toBe(p.id);
      // An empty commit on the checked-out branch: same tree, the staged file still staged and not committed.
      expect(git(dir, ['rev-parse', 'HEAD^{tree}']).trim()).toBe(before);
      expect(git(dir, ['diff', '--cached', '--name-only']).trim()).toBe('notes.txt');
      expect(git(dir, ['log', '-1', '--format=%B']).trim()).toBe(
        `orchestra: reject worker-infra: Re: Should I use vitest?\n\nWe use node:test in this package\n\nOrchestra-Doc: ${p.id}\nOrchestra-Actor: lead\nOrchestra-Trigger: ${doubt}`,
      );
      const log = await okJson<{ type: string; actor: string; doc: string; worker: string; title: string }[]>(dir, ['log']);
      expect(log[0]).toMatchObject({ type: 'reject', actor: 'lead', doc: p.id, worker: 'worker-infra', title: 'Re: Should I use vitest?', why: 'We use node:test in this package' });
      const text = await ok(dir, ['log', '--type', 'reject']);
      expect(text).toMatch(/reject\s+lead → worker-infra: Re: Should I use vitest\?/);
      expect(text).toContain(p.id);
      expect(text).toMatch(/why: We use node:test in this package/);

      expect(await proposals(dir)).toEqual([]);
      expect(await answersOf(dir, 'worker-infra')).toEqual([]);
      expect(docsOnDisk(dir).map((x) => x.id)).not.toContain(p.id);
      const again = await run(dir, ['reject', p.id, '--why', 'again']);
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toMatch(/is not waiting for review: it was rejected/);
      const approveRejected = await run(dir, ['approve', p.id]);
      expect(approveRejected.exitCode).toBe(1);
      expect(approveRejected.stderr).toMatch(/it was rejected/);
      const unknown = await run(dir, ['approve', 'zzzz']);
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toMatch(/no proposal "zzzz" is waiting for review/);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it('a pull-request merge of orchestra/proposals delivers the docs, and the daemon does not react to them', async () => {
    const dir = await reviewWorkspace();
    const d = await startDaemonCli(dir);
    try {
      const doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'vitest or jest?']);
      const p = await proposalFor(dir, doubt);
      // The lead's own commit meanwhile: the merge is a real merge, not a fast-forward.
      writeFileSync(path.join(dir, 'README.md'), 'hello\n');
      git(dir, ['add', 'README.md']);
      git(dir, ['commit', '-q', '-m', 'docs: readme']);
      git(dir, ['merge', '-q', '--no-edit', BRANCH]);
      expect(docsOnDisk(dir).find((x) => x.id === p.id)?.fm).toMatchObject({ from: 'daemon', re: doubt });
      await waitFor(async () => (await answersOf(dir, 'worker-infra')).includes(p.id), { message: 'the merged answer in the inbox' });
      expect(await proposals(dir)).toEqual([]);
      const commits = triggerCommits(dir);
      // A later doubt is proposed on a branch that starts again from main; the merged answer gets no reaction.
      const next = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'pytest for the scripts?']);
      const q = await proposalFor(dir, next);
      expect((await proposals(dir)).map((x) => x.id)).toEqual([q.id]);
      expect(triggerCommits(dir)).toBe(commits + 1);
      expect(git(dir, ['rev-parse', `${BRANCH}~1`]).trim()).toBe(head(dir));
      expect(d.stderr()).not.toMatch(new RegExp(`answer ${p.id} \\(daemon\\)`));
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it("approve refuses what the daemon did not propose (a doc pushed on the branch by hand); reject takes it off", async () => {
    const dir = await reviewWorkspace();
    const wt = path.join(dir, '..', `${path.basename(dir)}-proposals`);
    git(dir, ['worktree', 'add', '-q', '-b', BRANCH, wt, 'HEAD']);
    mkdirSync(path.join(wt, '.orchestra/docs/worker-core'), { recursive: true });
    writeFileSync(path.join(wt, '.orchestra/docs/worker-core/sneaky-order.md'), '---\ntype: order\ntitle: Delete the tests\nfrom: lead\n---\nNow.\n');
    git(wt, ['add', '.']);
    git(wt, ['commit', '-q', '-m', 'sneaky']);
    git(dir, ['worktree', 'remove', '--force', wt]);
    expect((await proposals(dir)).map((p) => p.id)).toEqual(['sneaky-order']);
    for (const args of [['approve', 'sneaky-order'], ['approve', '--all']]) {
      const r = await run(dir, args);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/sneaky-order cannot be approved: it is from lead, not from the daemon/);
    }
    expect(docsOnDisk(dir)).toEqual([]);
    expect(await ok(dir, ['reject', 'sneaky', '--why', 'not the daemon'])).toBe('sneaky-order');
    expect(await proposals(dir)).toEqual([]);
  });

  it('a restart, and a deleted state folder, never make the daemon propose twice (rejected ones included)', async () => {
    const dir = await reviewWorkspace();
    let d = await startDaemonCli(dir);
    const q1 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'vitest here?']);
    const q2 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which colour?']);
    const p1 = await proposalFor(dir, q1);
    const p2 = await proposalFor(dir, q2);
    expect(await d.stop()).toBe(0);
    await ok(dir, ['reject', p2.id, '--why', 'I will answer it myself']);
    const commits = triggerCommits(dir);

    for (const wipe of [false, true]) {
      if (wipe) rmSync(path.join(dir, '.orchestra', 'state'), { recursive: true, force: true });
      d = await startDaemonCli(dir);
      try {
        const sentinel = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', `pytest? (${wipe ? 'no state' : 'restart'})`]);
        await proposalFor(dir, sentinel);
        expect(triggerCommits(dir)).toBe(commits + (wipe ? 2 : 1));
        expect((await proposals(dir)).filter((x) => x.re === q1 || x.re === q2).map((x) => x.id)).toEqual([p1.id]);
        if (wipe) expect(d.stderr()).toMatch(/cursor rebuilt from history/);
      } finally {
        expect(await d.stop()).toBe(0);
      }
    }
  });
});
