/**
 * The live doc model seen from the running processes: `orchestra up` runs one model and one watcher for the daemon
 * and the dashboard together; a worker added while the daemon runs is known at once; a huge sparse `.md` is refused
 * without being read into memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, ftruncateSync, openSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, makeWorkspace, ok, spawnCli, waitFor } from './helpers.js';
import { alertsOf, reactionOf, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

/** Peak resident memory of a process, in MB (Linux). */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)![1]) / 1024;
}

describe('one live doc model per process', () => {
  it('orchestra up: one model and one watcher serve the daemon and the dashboard', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    const up = spawnCli(dir, ['up', '--port', '0', '--json']);
    try {
      const line = await up.waitForOutput(/^\{.*"liveModels"/, 60_000);
      const status = JSON.parse(line) as { dashboard: string; liveModels: number; watchers: number };
      expect(status).toMatchObject({ liveModels: 1, watchers: 1 });
      // Both readers of that one model see a new doc: the daemon reacts, the dashboard lists it.
      const id = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework should I use?']);
      await reactionOf(dir, id);
      await waitFor(async () => {
        const docs = (await (await fetch(new URL('/api/docs?limit=100', status.dashboard))).json()) as { id: string }[];
        return docs.some((d) => d.id === id);
      });
    } finally {
      expect(await up.stop('SIGINT')).toBe(0);
    }
  });

  it('a worker added with `worker add` while the daemon runs: its first doc is handled, with no invalid-doc alert', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const d = await startDaemonCli(dir);
    try {
      await ok(dir, ['worker', 'add', 'worker-late']);
      const id = await ok(dir, ['--as', 'worker-late', 'doubt', 'worker-late', 'Where do the fixtures go?']);
      const reaction = await reactionOf(dir, id);
      expect(reaction.fm.re).toBe(id);
      expect(alertsOf(dir).filter((a) => a.kind === 'invalid_doc')).toEqual([]);
      expect(d.stderr()).not.toMatch(/invalid/);
    } finally {
      await d.stop();
    }
  });

  it('an invalid edit of orchestra.yaml keeps the previous config and is said once', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const d = await startDaemonCli(dir);
    try {
      const yaml = path.join(dir, 'orchestra.yaml');
      const good = readFileSync(yaml, 'utf8');
      writeFileSync(yaml, `${good}\nworkers: [oops\n`);
      await d.waitForOutput(/orchestra\.yaml changed but is invalid, keeping the previous config/);
      // Touched again with the same mistake, then a hand-written doubt (the CLI refuses to run on an invalid
      // config): once the daemon has answered it, it has looked at orchestra.yaml again.
      utimesSync(yaml, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
      writeFileSync(path.join(dir, '.orchestra/docs/worker-core/still-there.md'), '---\ntype: doubt\ntitle: Still there?\n---\n');
      await reactionOf(dir, 'still-there');
      expect(d.stderr().match(/orchestra\.yaml changed but is invalid/g)).toHaveLength(1);
    } finally {
      await d.stop();
    }
  });

  it('a 1.5 GB sparse .md is refused from its size with one alert, never read into memory', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const d = await startDaemonCli(dir);
    try {
      const huge = path.join(dir, '.orchestra/docs/worker-core/huge.md');
      const fd = openSync(huge, 'w');
      ftruncateSync(fd, 1.5 * 1024 ** 3);
      closeSync(fd);
      const alert = await waitFor(() => alertsOf(dir).find((a) => a.kind === 'invalid_doc' && a.doc === 'huge'));
      expect(alert.message).toMatch(/over the 1 MB limit/);
      // Reading the file would have taken 1.5 GB; the daemon's peak stays that of a small process.
      expect(peakRssMb(d.child.pid!)).toBeLessThan(400);
      // Gone again (the test's own helper reads every file whole), and the daemon still answers.
      unlinkSync(huge);
      const id = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Still answering?']);
      await reactionOf(dir, id);
    } finally {
      await d.stop();
    }
  });
});
