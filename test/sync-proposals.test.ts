/**
 * Review mode across machines (branch mode, a bare remote, real daemons and spawned CLIs): the proposals branch
 * travels with the orchestration branch. The daemon in clone A proposes; the lead in clone B sees the proposal,
 * approves or rejects it there, and A follows; an approval made while the remote is away and a proposal made
 * meanwhile are joined, file by file, when it returns; a daemon that takes the lease over never proposes again
 * for what the first one proposed; a branch deleted on the remote after its pull request was merged is not pushed
 * back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, ok, okJson, waitFor, type LongRunning } from './helpers.js';
import { docsOnDisk, startDaemonCli } from './daemon-fixture.js';
import { SYNC_ENV, fsckClean, machines, syncNow } from './sync-fixture.js';

afterAll(cleanupTemp);

/** Branch mode keeps `refs/heads/orchestra`, so the proposals branch is `orchestra-proposals` there. */
const PROPOSALS = 'orchestra-proposals';

const env = { env: SYNC_ENV };
const HOST = { GIT_AUTHOR_NAME: 'Host', GIT_AUTHOR_EMAIL: 'host@example.com', GIT_COMMITTER_NAME: 'Host', GIT_COMMITTER_EMAIL: 'host@example.com' };
const asC = (args: string[]) => ['--as', 'worker-c', ...args];
const proposals = async (dir: string) => (await okJson<{ id: string; re?: string }[]>(dir, ['list', '--proposals'], env)).map((p) => p.re);
const remoteTip = (remote: string) => git(remote, ['rev-parse', '--verify', '-q', `refs/heads/${PROPOSALS}`]).trim();

/** The reacting daemon of `dir` in review mode, once it holds the lease. */
async function reviewingDaemon(dir: string): Promise<LongRunning> {
  const d = await startDaemonCli(dir, ['--review'], SYNC_ENV);
  await d.waitForOutput(/holding the lease: reacting/, 60_000);
  return d;
}

/** Waits until the proposal for `re` is on the remote. */
const proposedThere = (remote: string, re: string, what: string) => waitFor(() => proposedOnRemote(remote, re), { timeoutMs: 60_000, intervalMs: 300, message: what });

async function doubt(dir: string, title: string): Promise<string> {
  return JSON.parse(await ok(dir, asC(['doubt', 'worker-c', title, '--json']), env)).id as string;
}

/** The proposal for `re` is on the remote's proposals branch (read there, no clone needed). */
function proposedOnRemote(remote: string, re: string): boolean {
  try {
    return git(remote, ['grep', '-l', `re: ${re}`, `refs/heads/${PROPOSALS}`, '--', 'docs']).trim() !== '';
  } catch {
    return false;
  }
}

describe('review mode across machines', () => {
  it('a proposal made in A is approved in B, rejected in B, and A follows; nothing is pushed twice', async () => {
    const { remote, clones: [a, b] } = await machines(2, '', 'branch');
    const d = await reviewingDaemon(a);
    try {
      const q1 = await doubt(b, 'Which framework for the parser?');
      const q2 = await doubt(b, 'Which framework for the lexer?');
      // The daemon in A proposes; its proposals reach the remote without anyone running sync.
      await waitFor(() => proposedOnRemote(remote, q1) && proposedOnRemote(remote, q2), { timeoutMs: 60_000, intervalMs: 300, message: 'both proposals on the remote' });
      expect(await syncNow(b)).toMatch(/proposals pulled/);
      expect((await proposals(b)).sort()).toEqual([q1, q2].sort());
      // Nothing reached a worker: the answers are only proposed.
      expect(docsOnDisk(b).filter((x) => x.fm.from === 'daemon')).toEqual([]);

      // The lead, in B: approve one (delivered, pushed at once), reject the other.
      const [p1, p2] = await okJson<{ id: string; re: string }[]>(b, ['list', '--proposals'], env).then((l) => [l.find((p) => p.re === q1)!.id, l.find((p) => p.re === q2)!.id]);
      await ok(b, ['approve', p1], env);
      await ok(b, ['reject', p2, '--why', 'asked twice'], env);
      expect(await proposals(b)).toEqual([]);
      // A follows by itself (its daemon's follower): the answer on disk, nothing waiting.
      await waitFor(() => docsOnDisk(a).some((x) => x.id === p1), { timeoutMs: 60_000, intervalMs: 200, message: 'the approved answer in A' });
      await waitFor(async () => (await proposals(a)).length === 0, { timeoutMs: 60_000, intervalMs: 300, message: 'A sees the proposals taken off' });
      expect(docsOnDisk(a).some((x) => x.id === p2)).toBe(false);
      expect(await okJson<{ type: string; doc: string }[]>(a, ['log', '--type', 'reject'], env)).toMatchObject([{ type: 'reject', doc: p2 }]);
      // The remote, A and B agree on the branch; the approval made no new reaction anywhere.
      await syncNow(a);
      expect(git(a, ['rev-parse', PROPOSALS]).trim()).toBe(remoteTip(remote));
      expect(git(b, ['rev-parse', PROPOSALS]).trim()).toBe(remoteTip(remote));
      expect(docsOnDisk(a).filter((x) => x.fm.from === 'daemon').map((x) => x.id)).toEqual([p1]);
      for (const dir of [a, b, remote]) fsckClean(dir);
    } finally {
      await d.stop();
    }
  }, 300_000);

  it('an approval made while the remote is away and a proposal made meanwhile are joined when it returns', async () => {
    const { remote, clones: [a, b] } = await machines(2, '', 'branch');
    const d = await reviewingDaemon(a);
    try {
      const q1 = await doubt(b, 'Which framework for q1?');
      await proposedThere(remote, q1, 'q1 proposed on the remote');
      await syncNow(b);
      const p1 = (await okJson<{ id: string }[]>(b, ['list', '--proposals'], env))[0].id;

      // B approves q1's answer while it cannot reach the remote (its own remote URL points nowhere for a while).
      git(b, ['remote', 'set-url', 'origin', `${remote}.away`]);
      const approved = await ok(b, ['approve', p1], env);
      expect(approved).toContain(p1);
      // Meanwhile A's daemon proposes for q2 (written in A), and pushes it.
      const q2 = await doubt(a, 'Which framework for q2?');
      await proposedThere(remote, q2, 'q2 proposed on the remote');

      // The remote is back for B: one round joins both, with a merge commit, and pushes.
      git(b, ['remote', 'set-url', 'origin', remote]);
      expect(await syncNow(b)).toMatch(/proposals pulled and pushed/);
      const tip = remoteTip(remote);
      expect(git(remote, ['rev-list', '--parents', '-n', '1', tip]).trim().split(' ')).toHaveLength(3);
      expect(await proposals(b)).toEqual([q2]);
      await waitFor(async () => JSON.stringify(await proposals(a)) === JSON.stringify([q2]), { timeoutMs: 60_000, intervalMs: 300, message: 'A: only q2 waits' });
      await waitFor(() => docsOnDisk(a).some((x) => x.id === p1), { timeoutMs: 60_000, intervalMs: 200, message: 'the approved answer reached A' });
      for (const dir of [a, b, remote]) fsckClean(dir);
    } finally {
      await d.stop();
    }
  }, 300_000);

  it('a daemon that takes the lease over never proposes again for what the first proposed', async () => {
    const { remote, clones: [a, b] } = await machines(2, '', 'branch');
    const first = await reviewingDaemon(a);
    let second: LongRunning | undefined;
    try {
      second = await startDaemonCli(b, ['--review'], SYNC_ENV);
      await second.waitForOutput(/following: .* holds the lease/, 60_000);
      const q1 = await doubt(b, 'Which framework for q1?');
      await proposedThere(remote, q1, 'q1 proposed on the remote');
      first.child.kill('SIGKILL');
      await first.exited;
      await second.waitForOutput(/took the lease over/, 60_000);
      // A new doubt after the takeover: once its proposal is there, the new holder has caught up on everything.
      const q2 = await doubt(b, 'Which framework for q2?');
      await proposedThere(remote, q2, 'q2 proposed by the new holder');
      await syncNow(b);
      expect((await proposals(b)).sort()).toEqual([q1, q2].sort());
      // One proposal commit per doubt in the branch's whole history.
      const subjects = git(b, ['log', '--format=%(trailers:key=Orchestra-Trigger,valueonly)', PROPOSALS]).split('\n').filter(Boolean);
      expect(subjects.filter((t) => t === q1)).toHaveLength(1);
      expect(subjects.filter((t) => t === q2)).toHaveLength(1);
    } finally {
      await second?.stop();
      await first.stop();
    }
  }, 300_000);

  it('a proposals branch merged by pull request and deleted on the remote is not pushed back', async () => {
    const { remote, clones: [a, b] } = await machines(2, '', 'branch');
    const d = await reviewingDaemon(a);
    try {
      const q1 = await doubt(a, 'Which framework for q1?');
      await proposedThere(remote, q1, 'q1 proposed on the remote');
      // The host merges the pull request into the orchestration branch and deletes its branch (done here by hand
      // in the bare repository, as a host does).
      const tree = git(remote, ['merge-tree', '--write-tree', 'refs/heads/orchestra', `refs/heads/${PROPOSALS}`]).trim().split('\n')[0];
      const merged = git(remote, ['commit-tree', '-p', 'refs/heads/orchestra', '-p', `refs/heads/${PROPOSALS}`, '-m', 'Merge pull request #1', tree], HOST).trim();
      git(remote, ['update-ref', 'refs/heads/orchestra', merged]);
      git(remote, ['update-ref', '-d', `refs/heads/${PROPOSALS}`]);

      // Both clones sync: the answer is delivered, nothing waits, and the branch stays deleted.
      await syncNow(b);
      await waitFor(() => reactionsIn(b, q1) === 1, { timeoutMs: 30_000, message: 'the merged answer in B' });
      await waitFor(() => reactionsIn(a, q1) === 1, { timeoutMs: 60_000, intervalMs: 200, message: 'the merged answer in A' });
      await syncNow(a);
      expect(await proposals(a)).toEqual([]);
      expect(git(remote, ['for-each-ref', '--format=%(refname)', 'refs/heads/']).trim().split('\n').sort()).toEqual(['refs/heads/main', 'refs/heads/orchestra']);
    } finally {
      await d.stop();
    }
  }, 300_000);
});

function reactionsIn(dir: string, re: string): number {
  return docsOnDisk(dir).filter((x) => x.fm.from === 'daemon' && x.fm.re === re).length;
}
