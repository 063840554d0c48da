/**
 * Sync across machines (issue 14, item 2): one bare repository and three clones on this machine, spawned CLIs and
 * real daemons. A reacting daemon in one clone, workers in the others; concurrent writes from all three; a second
 * daemon that follows and takes over when the first is killed; an unreachable remote; the same order changed in two
 * clones at once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, docsRepo, git, ok, okJson, run, spawnCli, waitFor, type LongRunning } from './helpers.js';
import { docsOnDisk, reactionsTo, startDaemonCli } from './daemon-fixture.js';
import { LEASE_MS, SYNC_ENV, fsckClean, machines, remoteDocs, syncNow } from './sync-fixture.js';

afterAll(cleanupTemp);

const asB = (args: string[]) => ['--as', 'worker-b', ...args];
const asC = (args: string[]) => ['--as', 'worker-c', ...args];

/** The reacting daemon of a clone: its log says when it holds the lease. */
async function daemonIn(dir: string): Promise<LongRunning> {
  return startDaemonCli(dir, [], SYNC_ENV);
}

async function stopAll(...ds: (LongRunning | undefined)[]): Promise<void> {
  for (const d of ds) await d?.stop();
}

describe('sync across machines', () => {
  it('a daemon in A reacts to what workers in B and C push, and they see its reactions', async () => {
    const { remote, clones: [a, b, c] } = await machines();
    const d = await daemonIn(a);
    let waiter: LongRunning | undefined;
    try {
      await d.waitForOutput(/holding the lease: reacting/, 60_000);
      // The lead, working in C, gives B an order; B's `wait` (which keeps its clone current) sees it arrive.
      waiter = spawnCli(b, ['wait', 'worker-b', '--timeout', '90s', '--json'], { env: SYNC_ENV });
      await waiter.waitForOutput(/waiting for worker-b/, 30_000);
      const order = JSON.parse(await ok(c, ['order', 'worker-b', 'Add the parser', '--json'], { env: SYNC_ENV })).id as string;
      expect(await waiter.exited).toBe(0);
      expect(JSON.parse(waiter.stdout()).news.map((n: { id: string }) => n.id)).toEqual([order]);

      // B works on it and reports it blocked: the daemon in A escalates to the lead.
      await ok(b, asB(['start', order]), { env: SYNC_ENV });
      const report = JSON.parse(await ok(b, asB(['report', order, '--blocked', '--body', 'need the grammar', '--json']), { env: SYNC_ENV })).id as string;
      // C asks a doubt the faq answers: the daemon in A answers it, and C's `wait` gets the answer.
      const doubt = JSON.parse(await ok(c, asC(['doubt', 'worker-c', 'Which test framework?', '--json']), { env: SYNC_ENV })).id as string;
      const cWait = spawnCli(c, ['--as', 'worker-c', 'wait', 'worker-c', '--timeout', '90s', '--json'], { env: SYNC_ENV });
      expect(await cWait.exited).toBe(0);
      const answer = JSON.parse(cWait.stdout()).news[0];
      expect(answer).toMatchObject({ event: 'answer', from: 'daemon', re: doubt, body: expect.stringContaining('Use vitest.') });

      await waitFor(() => remoteDocs(remote).some((x) => x.fm.re === report && x.fm.type === 'escalation'), { timeoutMs: 60_000, intervalMs: 300, message: 'the escalation on the remote' });
      for (const dir of [a, b, c]) await syncNow(dir);
      for (const dir of [a, b, c]) {
        expect(reactionsTo(dir, report).map((x) => x.fm.type)).toEqual(['escalation']);
        expect(reactionsTo(dir, doubt).map((x) => x.fm.type)).toEqual(['answer']);
        fsckClean(dir);
      }
    } finally {
      await stopAll(waiter, d);
    }
  }, 300_000);

  it('`sync --watch` and `watch` keep their clones current by themselves', async () => {
    const { clones: [a, b, c] } = await machines();
    const follower = spawnCli(a, ['sync', '--watch'], { env: SYNC_ENV });
    const watcher = spawnCli(c, ['watch', 'worker-b', '--json', '--quiet'], { env: SYNC_ENV });
    try {
      await follower.waitForOutput(/keeping this clone current/, 30_000);
      await watcher.waitForOutput(/"event":"summary"/, 30_000);
      const order = JSON.parse(await ok(b, ['order', 'worker-b', 'Seen everywhere', '--json'], { env: SYNC_ENV })).id as string;
      await watcher.waitForOutput(new RegExp(`"event":"order".*${order}`), 60_000);
      await follower.waitForOutput(/pulled 1 commit/, 60_000);
      expect(docsOnDisk(a).some((x) => x.id === order)).toBe(true);
      expect(docsOnDisk(c).some((x) => x.id === order)).toBe(true);
    } finally {
      expect(await follower.stop()).toBe(0);
      await watcher.stop();
    }
  }, 300_000);

  it('3 × 50 concurrent writes from three clones all arrive exactly once everywhere', async () => {
    const { remote, clones } = await machines();
    const PER = 50;
    const write = async (dir: string, k: number, from: number, to: number) => {
      for (let i = from; i < to; i++) await ok(dir, ['order', 'worker-b', `Clone ${k} order ${i}`], { env: SYNC_ENV });
    };
    // Two writers per clone at a time, three clones at once: pushes race each other all the way.
    await Promise.all(clones.flatMap((dir, k) => [write(dir, k, 0, PER / 2), write(dir, k, PER / 2, PER)]));
    for (let round = 0; round < 2; round++) for (const dir of clones) await syncNow(dir);
    const titles = (docs: { fm: Record<string, string> }[]) => docs.filter((x) => x.fm.type === 'order').map((x) => x.fm.title).sort();
    const expected = clones.flatMap((_, k) => Array.from({ length: PER }, (_, i) => `Clone ${k} order ${i}`)).sort();
    expect(titles(remoteDocs(remote))).toEqual(expected);
    for (const dir of clones) {
      expect(titles(docsOnDisk(dir))).toEqual(expected);
      expect(git(dir, ['status', '--porcelain', '--untracked-files=no']).trim()).toBe('');
      expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(git(remote, ['rev-parse', 'main']).trim());
      fsckClean(dir);
    }
    fsckClean(remote);
  }, 900_000);

  it('a second daemon follows, and takes over when the first is killed, handling nothing twice', async () => {
    const { remote, clones: [a, b, c] } = await machines();
    const first = await daemonIn(a);
    let second: LongRunning | undefined;
    let third: LongRunning | undefined;
    try {
      await first.waitForOutput(/holding the lease: reacting/, 60_000);
      second = await daemonIn(b);
      await second.waitForOutput(/following: .* holds the lease/, 60_000);
      const q1 = JSON.parse(await ok(c, asC(['doubt', 'worker-c', 'Which framework for q1?', '--json']), { env: SYNC_ENV })).id as string;
      await waitFor(() => remoteDocs(remote).some((x) => x.fm.re === q1), { timeoutMs: 60_000, intervalMs: 300, message: 'the answer to q1 on the remote' });
      // The follower pulled it, but never reacted.
      await waitFor(() => reactionsTo(b, q1).length === 1, { timeoutMs: 30_000, message: 'B pulled the answer' });
      expect(second.stderr()).not.toMatch(/answered/);

      first.child.kill('SIGKILL');
      await first.exited;
      const killedAt = Date.now();
      // Triggers written while nobody holds the lease are handled by the new holder, once.
      const q2 = JSON.parse(await ok(c, asC(['doubt', 'worker-c', 'Which framework for q2?', '--json']), { env: SYNC_ENV })).id as string;
      const q3 = JSON.parse(await ok(c, asC(['doubt', 'worker-c', 'Something nobody knows', '--json']), { env: SYNC_ENV })).id as string;
      await second.waitForOutput(/took the lease over/, 60_000);
      const tookMs = Date.now() - killedAt;
      await waitFor(() => {
        const docs = remoteDocs(remote);
        return docs.some((x) => x.fm.re === q2) && docs.some((x) => x.fm.re === q3);
      }, { timeoutMs: 60_000, intervalMs: 300, message: 'q2 and q3 handled by the new holder' });
      // Stated bound (README): 1⅔ leases plus one sync round; logged, not asserted (machines are loaded).
      process.stderr.write(`takeover after SIGKILL: ${tookMs} ms (lease ${LEASE_MS} ms)\n`);
      await syncNow(c);
      for (const q of [q1, q2, q3]) expect(reactionsTo(c, q)).toHaveLength(1);
      const remoteReactions = remoteDocs(remote).filter((x) => x.fm.from === 'daemon');
      expect(new Set(remoteReactions.map((x) => x.fm.re)).size).toBe(remoteReactions.length);

      // A clean stop hands the lease back: a follower takes it at once, without waiting a lease out.
      third = await daemonIn(c);
      await third.waitForOutput(/following: .* holds the lease/, 60_000);
      expect(await second.stop()).toBe(0);
      await third.waitForOutput(/took the lease over from a daemon that stopped/, 60_000);
      const q4 = JSON.parse(await ok(b, asB(['doubt', 'worker-b', 'Which framework for q4?', '--json']), { env: SYNC_ENV })).id as string;
      await waitFor(() => remoteDocs(remote).filter((x) => x.fm.re === q4).length === 1, { timeoutMs: 60_000, intervalMs: 300, message: 'q4 answered by the third daemon' });
    } finally {
      await stopAll(third, second, first);
    }
  }, 300_000);

  it('an unreachable remote loses nothing: writes stay local, status says so, and all goes when it is back', async () => {
    const { remote, clones: [a, b, c] } = await machines();
    const d = await daemonIn(a);
    try {
      await d.waitForOutput(/holding the lease: reacting/, 60_000);
      const away = `${remote}.away`;
      renameSync(remote, away);
      // The reacting daemon cannot renew its lease: it stops reacting rather than react unseen.
      await d.waitForOutput(/lease lost/, 60_000);
      const r = await run(b, ['order', 'worker-c', 'Written offline 1'], { env: SYNC_ENV });
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/sync: .*the write is committed here and goes with the next sync round/);
      const r2 = await run(b, asB(['doubt', 'worker-b', 'Which framework, offline?', '--json']), { env: SYNC_ENV });
      expect(r2.exitCode).toBe(0);
      const doubt = JSON.parse(r2.stdout).id as string;
      // Said once, not after every write.
      expect(r2.stderr).not.toMatch(/sync:/);
      const offline = await run(b, ['sync'], { env: SYNC_ENV });
      expect(offline.exitCode).toBe(1);
      const status = await okJson(b, ['status']);
      expect(status.sync).toMatchObject({ remote: 'origin', branch: 'main', ahead: 2, behind: 0, failing: expect.stringMatching(/origin/), lastSyncAt: null });
      expect(await ok(b, ['status'])).toMatch(/Sync origin\/main · ahead 2, behind 0/);

      renameSync(away, remote);
      expect(await syncNow(b)).toMatch(/pushed/);
      const back = await okJson(b, ['status']);
      expect(back.sync).toMatchObject({ ahead: 0, behind: 0, failing: null, lastSyncAt: expect.any(String) });
      // The daemon in A gets its lease back, pulls the doubt written offline and answers it, once.
      await waitFor(() => remoteDocs(remote).some((x) => x.fm.re === doubt), { timeoutMs: 90_000, intervalMs: 500, message: 'the offline doubt answered' });
      await syncNow(c);
      expect(docsOnDisk(c).filter((x) => x.fm.title?.startsWith('Written offline')).length).toBe(1);
      expect(reactionsTo(c, doubt)).toHaveLength(1);
      fsckClean(b);
      fsckClean(c);
    } finally {
      await d.stop();
    }
  }, 300_000);

  it('the same order changed in two clones at once ends by the merge rule, never half-rebased', async () => {
    const { remote, clones: [a, b, c] } = await machines();
    const o1 = JSON.parse(await ok(a, ['order', 'worker-b', 'Started here, cancelled there', '--json'], { env: SYNC_ENV })).id as string;
    const o2 = JSON.parse(await ok(a, ['order', 'worker-b', 'Completed here, cancelled there', '--json'], { env: SYNC_ENV })).id as string;
    await syncNow(b);
    await syncNow(c);
    await ok(b, asB(['start', o2]), { env: SYNC_ENV });
    await syncNow(c);
    // Both clones change the same orders while they cannot see each other.
    const away = `${remote}.away`;
    renameSync(remote, away);
    await ok(b, asB(['start', o1]), { env: SYNC_ENV });
    await ok(b, asB(['report', o2, '--body', 'done']), { env: SYNC_ENV });
    await ok(c, ['cancel', o1], { env: SYNC_ENV });
    await ok(c, ['cancel', o2], { env: SYNC_ENV });
    renameSync(away, remote);
    await syncNow(b);
    const out = await syncNow(c);
    expect(out).toMatch(/merge rule settled/);
    for (const dir of [a, b, c]) await syncNow(dir);
    for (const dir of [a, b, c]) {
      const docs = docsOnDisk(dir);
      // in_progress vs cancelled: cancelled wins; completed vs cancelled: completed wins.
      expect(docs.find((x) => x.id === o1)?.fm.status).toBe('cancelled');
      expect(docs.find((x) => x.id === o2)?.fm.status).toBe('completed');
      expect(existsSync(path.join(dir, '.git', 'rebase-merge'))).toBe(false);
      expect(git(dir, ['status', '--porcelain', '--untracked-files=no']).trim()).toBe('');
      fsckClean(dir);
    }
  }, 300_000);

  /** A answers a doubt while cut off from the remote; B's daemon answers it too and pushes; then A syncs. */
  async function answeredTwice(dirtyA: boolean, mode: 'inline' | 'branch' = 'inline') {
    const { remote, clones: [a, b, c] } = await machines(3, '', mode);
    // A has the doubt; then A loses the remote (its URL points nowhere) and its daemon answers it there.
    const q = JSON.parse(await ok(c, asC(['doubt', 'worker-c', 'Which framework for the cut-off clone?', '--json']), { env: SYNC_ENV })).id as string;
    await syncNow(a);
    git(a, ['remote', 'set-url', 'origin', `${remote}.away`]);
    const once = await run(a, ['daemon', '--once', '--catch-up'], { env: SYNC_ENV });
    expect(once.exitCode, once.stderr).toBe(0);
    const mine = reactionsTo(a, q);
    expect(mine.map((x) => x.fm.type)).toEqual(['answer']);
    // Meanwhile the daemon in B, which reaches the remote, answers the same doubt and pushes.
    const d = await daemonIn(b);
    try {
      await waitFor(() => remoteDocs(remote).some((x) => x.fm.re === q && x.fm.from === 'daemon'), { timeoutMs: 60_000, intervalMs: 300, message: "B's answer on the remote" });
    } finally {
      await d.stop();
    }
    const theirs = remoteDocs(remote).filter((x) => x.fm.re === q && x.fm.from === 'daemon');
    expect(theirs).toHaveLength(1);
    expect(theirs[0].id).not.toBe(mine[0].id);
    // The person's own uncommitted work in A (inline mode: the docs share their checkout): sync merges around it.
    if (dirtyA) writeFileSync(path.join(a, 'orchestra.yaml'), `${readFileSync(path.join(a, 'orchestra.yaml'), 'utf8')}# my note\n`);

    // A reaches the remote again: its own answer is taken out before anything is pushed.
    git(a, ['remote', 'set-url', 'origin', remote]);
    expect(await syncNow(a)).toMatch(new RegExp(`dropped 1 reaction another daemon had made already \\(${mine[0].id}\\)`));
    await syncNow(c);
    for (const dir of [a, c]) expect(reactionsTo(dir, q).map((x) => x.id)).toEqual([theirs[0].id]);
    expect(remoteDocs(remote).filter((x) => x.fm.re === q && x.fm.from === 'daemon').map((x) => x.id)).toEqual([theirs[0].id]);
    for (const dir of [a, c, remote]) fsckClean(dir);
    return { remote, a, mine: mine[0].id };
  }

  for (const mode of ['inline', 'branch'] as const) {
    it(`a reaction made where the remote could not be reached, to a trigger another daemon answered meanwhile, is dropped before it is pushed (${mode} mode)`, async () => {
      const { remote, a, mine } = await answeredTwice(false, mode);
      // Not even the history knows it: A's unpushed commit was rewritten without it (it held nothing else, so it went).
      const branch = mode === 'inline' ? 'main' : 'orchestra';
      for (const dir of [remote, a]) expect(git(dir, ['log', branch, '--format=%(trailers:key=Orchestra-Doc,valueonly)']).split('\n')).not.toContain(mine);
      expect(git(a, ['rev-parse', branch]).trim()).toBe(git(remote, ['rev-parse', branch]).trim());
      expect(git(docsRepo(a), ['status', '--porcelain', '--untracked-files=no']).trim()).toBe('');
    }, 300_000);
  }

  it('the same with uncommitted work in the way: merged, then one commit takes the duplicate out; the work is untouched', async () => {
    const { a } = await answeredTwice(true);
    expect(git(a, ['log', '-1', '--format=%s']).trim()).toMatch(/^orchestra: drop worker-c: duplicate reaction to /);
    expect(git(a, ['status', '--porcelain', '--untracked-files=no']).trim()).toBe('M orchestra.yaml');
    expect(readFileSync(path.join(a, 'orchestra.yaml'), 'utf8')).toMatch(/# my note\n$/);
  }, 300_000);
});
