/** Settled threads move to `.orchestra/archive/` with `git mv`, one commit per run: by hand and by the daemon. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, MODES, ogit, ok, okJson, run, subjects, waitFor } from './helpers.js';
import { docsOnDisk, porcelain } from './daemon-fixture.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { locateWorkspace } from '../src/store/workspace.js';

afterAll(cleanupTemp);

function archiveAfter(dir: string, value: string) {
  const file = path.join(dir, 'orchestra.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^archive_after:.*$/m, `archive_after: ${value}`));
  git(dir, ['commit', '-q', '-m', 'archive_after', '--', 'orchestra.yaml']);
}

async function settledThread(dir: string) {
  const order = await ok(dir, ['order', 'worker-core', 'Finished work']);
  await ok(dir, ['--as', 'worker-core', 'start', order]);
  const report = await ok(dir, ['--as', 'worker-core', 'report', order]);
  const doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'A question', '--re', order]);
  const answer = await ok(dir, ['answer', doubt, '--body', 'the answer']);
  return { order, report, doubt, answer };
}

describe.each(MODES)('%s mode', (mode) => {
describe('orchestra archive', () => {
  it('--dry-run lists and changes nothing; a run moves settled threads in one commit; readers still find them', async () => {
    const dir = await makeWorkspace({ mode });
    archiveAfter(dir, '0s');
    const t = await settledThread(dir);
    const open = await ok(dir, ['order', 'worker-infra', 'Still open']);
    const openDoubt = await ok(dir, ['--as', 'worker-nlp', 'doubt', 'worker-nlp', 'Unanswered']);
    const head = ogit(dir, ['rev-parse', 'HEAD']).trim();

    const dry = await run(dir, ['archive', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout.trim().split('\n')).toHaveLength(4);
    expect(dry.stdout).toContain(`.orchestra/docs/worker-core/${t.order}.md -> .orchestra/archive/worker-core/${t.order}.md`);
    expect(ogit(dir, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(docsOnDisk(dir, 'archive')).toEqual([]);

    const r = await okJson(dir, ['archive']);
    expect(r.moved).toHaveLength(4);
    expect(r.threads).toBe(1);
    expect(subjects(dir)[0]).toBe('orchestra: archive workspace: 4 settled docs in 1 thread');
    expect(ogit(dir, ['show', '--name-status', '--format=', 'HEAD']).trim().split('\n').every((l) => l.startsWith('R100'))).toBe(true);
    expect(docsOnDisk(dir, 'archive').map((d) => d.id).sort()).toEqual(Object.values(t).sort());
    expect(docsOnDisk(dir).map((d) => d.id).sort()).toEqual([open, openDoubt].sort());
    expect(porcelain(dir)).toBe('');
    // Everything that reads docs reads both folders.
    expect((await okJson(dir, ['show', t.order])).state).toBe('completed');
    // Nothing more is settled: a second run does nothing.
    const again = await run(dir, ['archive']);
    expect(again.stderr).toMatch(/nothing to archive/);
  });

  it('threads not old enough stay; the daemon archives on its periodic scan and never watches the archive', async () => {
    const dir = await makeWorkspace({ mode });
    const t = await settledThread(dir);
    expect((await okJson(dir, ['archive', '--dry-run'])).moved).toEqual([]);
    archiveAfter(dir, '0s');
    const handle = await startDaemon(locateWorkspace(dir), { rescanMs: 300, log: () => undefined });
    try {
      await handle.ready;
      await waitFor(() => /^orchestra: archive workspace: /.test(subjects(dir)[0]), { message: 'the thread archived by the daemon' });
      await handle.idle();
      expect(existsSync(path.join(dir, '.orchestra/archive/worker-core', `${t.order}.md`))).toBe(true);
      expect(handle.stats().liveDocs).toBe(docsOnDisk(dir).length);
    } finally {
      await handle.stop();
    }
    expect(porcelain(dir)).toBe('');
  });
});
});
