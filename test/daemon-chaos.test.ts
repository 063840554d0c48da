/**
 * Chaos: 200 reports and doubts written through the CLI while the daemon is killed with SIGKILL at random
 * moments and restarted, at least 20 times. Afterwards every trigger has exactly one reaction, none lost and
 * none doubled, `git fsck` is clean and nothing is left uncommitted. The kill times come from a seeded PRNG:
 * the seed is `ORCHESTRA_CHAOS_SEED` or random, printed at the start and in every failure message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, run, spawnCli, waitFor, type LongRunning } from './helpers.js';
import { configure, docsOnDisk, porcelain } from './daemon-fixture.js';

afterAll(cleanupTemp);

const WORKERS = ['worker-a', 'worker-b', 'worker-c', 'worker-d'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded PRNG, so the kill schedule of a failed run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fromEnv = process.env.ORCHESTRA_CHAOS_SEED;
if (fromEnv !== undefined && !/^\d+$/.test(fromEnv)) throw new Error(`ORCHESTRA_CHAOS_SEED must be a whole number, got "${fromEnv}"`);
const SEED = fromEnv !== undefined ? Number(fromEnv) % 2 ** 32 : Math.floor(Math.random() * 2 ** 32);
const REPLAY = `chaos seed ${SEED} (replay: ORCHESTRA_CHAOS_SEED=${SEED} npx vitest run test/daemon-chaos.test.ts)`;

describe('daemon chaos', () => {
  it('SIGKILL at random moments, at least 20 times, while 200 reports and doubts arrive: exactly one reaction each', async () => {
    console.log(REPLAY);
    const random = mulberry32(SEED);
    try {
      await chaos(random);
    } catch (e) {
      // Every failure names the seed, whichever assertion or wait it came from.
      if (e instanceof Error) {
        e.message = `${e.message}\n${REPLAY}`;
        throw e;
      }
      throw new Error(`${String(e)}\n${REPLAY}`);
    }
  }, 400_000);
});

/** The run itself; `random` decides when each SIGKILL lands. */
async function chaos(random: () => number): Promise<void> {
  const dir = await makeWorkspace({ workers: WORKERS.join(',') });
  configure(dir, 'faq:\n  - match: "framework"\n    answer: "Use vitest."');
  // 100 orders to report on, written in one commit (adopted by the daemon's first start).
  const orders: { id: string; worker: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const worker = WORKERS[i % 4];
    const id = `20261124-100000-order-chaos-${String(i).padStart(3, '0')}`;
    mkdirSync(path.join(dir, '.orchestra/docs', worker), { recursive: true });
    writeFileSync(path.join(dir, '.orchestra/docs', worker, `${id}.md`), `---\ntype: order\ntitle: Chaos task ${i}\nfrom: lead\nto: ${worker}\nstatus: in_progress\ncreated: 2026-11-24T10:00:00.000Z\n---\nDo it.\n`);
    orders.push({ id, worker });
  }
  git(dir, ['add', '.orchestra/docs']);
  git(dir, ['commit', '-q', '-m', 'orders']);
  expect((await run(dir, ['daemon', '--once'])).exitCode).toBe(0);

  // 200 writes: a blocked report per order, and 100 doubts (half answered from faq, half escalated).
  const jobs: string[][] = [];
  for (let i = 0; i < 100; i++) {
    const o = orders[i];
    jobs.push(['--as', o.worker, 'report', o.id, '--blocked', '--body', `blocked ${i}`]);
    const w = WORKERS[(i + 1) % 4];
    jobs.push(['--as', w, 'doubt', w, i % 2 ? `Which framework for part ${i}?` : `Which colour for part ${i}?`, '--re', o.id]);
  }
  const triggers: string[] = [];
  let next = 0;
  const writer = async () => {
    while (next < jobs.length) {
      const args = jobs[next++];
      const r = await run(dir, args, { timeoutMs: 120_000 });
      if (r.exitCode !== 0) {
        // Say what the folder and git looked like, to tell a real loss from a race in the test.
        const folder = path.join(dir, '.orchestra/docs', args[1]);
        throw new Error(`orchestra ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}\nfolder now: ${readdirSync(folder).filter((n) => /order-chaos/.test(n)).length} orders\ngit log:\n${git(dir, ['log', '--stat', '--format=%s', '-3']).slice(0, 1500)}`);
      }
      triggers.push(r.stdout.trim());
    }
  };

  let daemon: LongRunning = spawnCli(dir, ['daemon']);
  let kills = 0;
  let writing = true;
  const killer = (async () => {
    while (writing || kills < 20) {
      await sleep(150 + random() * 650);
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      kills++;
      daemon = spawnCli(dir, ['daemon']);
    }
  })();
  await Promise.all([writer(), writer(), writer(), writer()]);
  writing = false;
  await killer;
  expect(kills).toBeGreaterThanOrEqual(20);
  expect(triggers).toHaveLength(200);

  // The last daemon runs to the end and stops cleanly.
  await daemon.waitForOutput(/re-scan \(watcher ready\)/, 120_000);
  const wanted = new Set(triggers);
  await waitFor(
    () => {
      const reacted = new Set(docsOnDisk(dir).filter((d) => d.fm.from === 'daemon').map((d) => d.fm.re));
      return [...wanted].every((t) => reacted.has(t));
    },
    { timeoutMs: 90_000, message: 'a reaction for every trigger' },
  );
  daemon.child.kill('SIGTERM');
  expect(await daemon.exited).toBe(0);

  const reactions = docsOnDisk(dir).filter((d) => d.fm.from === 'daemon');
  const perTrigger = new Map<string, number>();
  for (const r of reactions) perTrigger.set(r.fm.re, (perTrigger.get(r.fm.re) ?? 0) + 1);
  const doubled = [...perTrigger].filter(([, n]) => n !== 1);
  expect(doubled).toEqual([]);
  expect([...perTrigger.keys()].sort()).toEqual([...wanted].sort());
  expect(reactions).toHaveLength(200);
  // Answers for the faq doubts, escalations for the rest.
  expect(reactions.filter((r) => r.fm.type === 'answer')).toHaveLength(50);

  expect(porcelain(dir)).toBe('');
  const fsck = execFileSync('git', ['fsck', '--no-progress'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(fsck).not.toMatch(/error|missing|broken|corrupt/i);
  // Every reaction is in HEAD, with the daemon as its author.
  const tracked = new Set(git(dir, ['ls-files', '.orchestra/docs']).trim().split('\n'));
  for (const r of reactions) expect(tracked.has(r.path)).toBe(true);
}
