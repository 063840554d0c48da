/**
 * Threads that settle (issue 12, items 1 and 2): an escalated doubt answered by the lead is the doubt's answer,
 * "unread" comes from receipts and links, never from clocks, and "worker idle" is a notice, not a call on the lead.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok, okJson, waitFor } from './helpers.js';
import { docsOnDisk, isCommitted, reactionOf, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

function setKey(dir: string, key: string, value: string) {
  const file = path.join(dir, 'orchestra.yaml');
  const text = readFileSync(file, 'utf8');
  const re = new RegExp(`^${key}:.*$`, 'm');
  writeFileSync(file, re.test(text) ? text.replace(re, `${key}: ${value}`) : `${text}\n${key}: ${value}\n`);
  git(dir, ['commit', '-q', '-m', key, '--', 'orchestra.yaml']);
}

const WEB = ['--as', 'worker-web'];

describe('scenario C: a doubt the daemon escalates, answered by the lead', () => {
  it('is answered, shown to the worker as the answer to its doubt once, and its thread archives', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    setKey(dir, 'archive_after', '0s');
    const daemon = await startDaemonCli(dir);
    try {
      const doubt = await ok(dir, [...WEB, 'doubt', 'worker-web', 'Which charting library?', '--body', 'nothing in faq covers it']);
      const esc = await reactionOf(dir, doubt);
      expect(esc.fm.type).toBe('escalation');

      const answer = await ok(dir, ['answer', esc.id, '--body', 'Use the native <canvas>, no library.']);
      // The lead looking at the worker's inbox delivers nothing.
      expect((await okJson(dir, ['pending', 'worker-web'])).answers.map((d: { id: string }) => d.id)).toEqual([answer]);
      expect((await okJson(dir, ['show', doubt])).state).toBe('answered');
      expect((await okJson(dir, ['show', esc.id])).state).toBe('resolved');
      const status = await okJson(dir, ['status']);
      expect(status.escalations).toEqual([]);

      // The worker reads it once; then it is no longer unread.
      const first = await okJson(dir, [...WEB, 'pending', 'worker-web']);
      expect(first.answers.map((d: { id: string }) => d.id)).toEqual([answer]);
      expect((await okJson(dir, [...WEB, 'pending', 'worker-web'])).answers).toEqual([]);
      expect(readFileSync(path.join(dir, '.orchestra', 'state', 'receipts.jsonl'), 'utf8')).toContain(answer);

      // The thread (doubt, escalation, answer) is settled: the daemon's periodic pass or `archive` moves it.
      const r = await okJson(dir, ['archive']);
      expect(r.moved.length).toBe(3);
      expect(docsOnDisk(dir, 'archive').map((d) => d.id).sort()).toEqual([doubt, esc.id, answer].sort());
    } finally {
      await daemon.stop();
    }
  });

  it('`next` shows the answer in full, and `show` by the worker delivers it', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const daemon = await startDaemonCli(dir);
    try {
      const d1 = await ok(dir, [...WEB, 'doubt', 'worker-web', 'First question']);
      const d2 = await ok(dir, [...WEB, 'doubt', 'worker-web', 'Second question']);
      const e1 = await reactionOf(dir, d1);
      const e2 = await reactionOf(dir, d2);
      const a1 = await ok(dir, ['answer', e1.id, '--body', 'first answer text']);
      const a2 = await ok(dir, ['answer', e2.id, '--body', 'second answer text']);
      const next = await ok(dir, [...WEB, 'next', 'worker-web']);
      expect(next).toContain('first answer text');
      await ok(dir, [...WEB, 'show', a2]);
      expect((await okJson(dir, [...WEB, 'pending', 'worker-web'])).answers).toEqual([]);
      expect(a1).not.toBe(a2);
    } finally {
      await daemon.stop();
    }
  });
});

describe('unread is decided by receipts, never by clocks', () => {
  it('a report after an answer does not hide it', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const order = await ok(dir, ['order', 'worker-web', 'Build the chart']);
    await ok(dir, [...WEB, 'start', order]);
    const doubt = await ok(dir, [...WEB, 'doubt', 'worker-web', 'Bars or lines?', '--re', order]);
    const answer = await ok(dir, ['answer', doubt, '--body', 'bars']);
    await ok(dir, [...WEB, 'report', order, '--partial', '--body', 'half way']);
    expect((await okJson(dir, ['pending', 'worker-web'])).answers.map((d: { id: string }) => d.id)).toEqual([answer]);
  });

  it('a report from a machine whose clock runs 2 h ahead does not hide an answer', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const doubt = await ok(dir, [...WEB, 'doubt', 'worker-web', 'Which port?']);
    const ahead = new Date(Date.now() + 2 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    mkdirSync(path.join(dir, '.orchestra', 'docs', 'worker-web'), { recursive: true });
    writeFileSync(
      path.join(dir, '.orchestra', 'docs', 'worker-web', 'report-from-the-future.md'),
      `---\ntype: report\ntitle: Progress on the side\nfrom: worker-web\noutcome: partial\ncreated: ${ahead}\n---\nwritten on a laptop whose clock is 2 h ahead\n`,
    );
    git(dir, ['add', '.orchestra']);
    git(dir, ['commit', '-q', '-m', 'report from another machine']);
    const answer = await ok(dir, ['answer', doubt, '--body', '8080']);
    expect((await okJson(dir, ['pending', 'worker-web'])).answers.map((d: { id: string }) => d.id)).toEqual([answer]);
  });
});

describe('"worker idle" is a notice', () => {
  it('needs no answer, costs no autonomy, is settled by the next order, and is not raised when the lead closed the order', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web,worker-api' });
    const daemon = await startDaemonCli(dir);
    try {
      const order = await ok(dir, ['order', 'worker-web', 'Build the page']);
      await ok(dir, [...WEB, 'start', order]);
      const report = await ok(dir, [...WEB, 'report', order, '--body', 'done']);
      const idle = await reactionOf(dir, report);
      expect(idle.fm.type).toBe('escalation');
      expect(idle.fm.tags).toMatch(/idle/);
      const m = await okJson(dir, ['metrics']);
      expect(m.escalations).toBe(0);
      expect(m.autonomyPct).toBe(100);
      const status = await okJson(dir, ['status']);
      expect(status.escalations).toEqual([]);
      // Answering the notice is allowed but puts nothing in the worker's inbox.
      await ok(dir, ['answer', idle.id, '--body', 'noted']);
      expect((await okJson(dir, ['pending', 'worker-web'])).answers).toEqual([]);

      // The lead closes the other worker's order itself: no idle notice for it. The CLI lets only the worker report
      // on its order (DESIGN "Who may do what"), so the lead writes the report by hand, as a git-native lead may.
      const o2 = await ok(dir, ['order', 'worker-api', 'Tiny fix']);
      const leadReport = 'lead-closes-tiny-fix';
      const file = path.join('.orchestra', 'docs', 'worker-api', `${leadReport}.md`);
      writeFileSync(path.join(dir, file), `---\ntype: report\ntitle: "Done: Tiny fix"\nfrom: lead\nre: ${o2}\n---\nI did it myself\n`);
      // The daemon commits a hand-written doc when it handles it.
      await waitFor(() => isCommitted(dir, file), { message: "the lead's report handled" });
      expect((await okJson(dir, ['show', o2])).state).toBe('completed');
      const marker = await ok(dir, [...WEB, 'doubt', 'worker-web', 'A marker doubt after the lead report']);
      await reactionOf(dir, marker);
      expect(docsOnDisk(dir).filter((d) => d.fm.re === leadReport && d.fm.from === 'daemon')).toEqual([]);
    } finally {
      await daemon.stop();
    }
  });

  it('an idle notice left unanswered is resolved by the next order to that worker', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const daemon = await startDaemonCli(dir);
    try {
      const order = await ok(dir, ['order', 'worker-web', 'First page']);
      const report = await ok(dir, [...WEB, 'report', order, '--body', 'done']);
      const idle = await reactionOf(dir, report);
      expect((await okJson(dir, ['show', idle.id])).state).toBe('open');
      await ok(dir, ['order', 'worker-web', 'Second page']);
      await waitFor(async () => (await okJson(dir, ['show', idle.id])).state === 'resolved', { message: 'the idle notice resolved' });
    } finally {
      await daemon.stop();
    }
  });
});
