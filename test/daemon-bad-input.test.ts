/**
 * Bad input while running: a corpus of malformed docs dropped into a running daemon. Each raises one alert naming
 * the file and the problem (once per content, not on every re-scan or restart), the daemon stays up, and it
 * keeps handling valid docs. No frontmatter is ever run as code.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, makeWorkspace, ok, okJson, tempDir, waitFor } from './helpers.js';
import { alertsOf, reactionOf, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

const canary = path.join(tempDir('orchestra-canary-'), 'pwned');

/** [path under .orchestra/docs, content, what the alert must say]. */
const CORPUS: [string, string | Buffer, RegExp][] = [
  ['worker-core/broken-yaml.md', '---\ntype: order\ntitle: [unclosed\n---\n', /YAML|frontmatter/i],
  ['worker-core/unknown-type.md', '---\ntype: memo\ntitle: A memo\n---\n', /unknown type "memo"/],
  ['worker-core/unknown-to.md', '---\ntype: answer\ntitle: Hi\nto: worker-ghost\n---\n', /unknown identity "worker-ghost"/],
  ['worker-core/unknown-priority.md', '---\ntype: order\ntitle: P\npriority: urgent\n---\n', /unknown priority "urgent"/],
  ['worker-core/unknown-status.md', '---\ntype: order\ntitle: S\nstatus: maybe\n---\n', /unknown status "maybe"/],
  ['worker-core/bad id!.md', '---\ntype: order\ntitle: Bad id\n---\n', /not a valid doc id/],
  ['worker-core/a..b.md', '---\ntype: order\ntitle: Dots\n---\n', /not a valid doc id/],
  ['worker-core/huge.md', `---\ntype: order\ntitle: Huge\n---\n${'x'.repeat(5 * 1024 * 1024)}\n`, /over the 1 MB limit/],
  ['worker-core/binary.md', Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0x00, 0x01, 0x02, 0x0a]), /binary/],
  ['worker-core/empty.md', '', /is empty/],
  ['worker-core/code.md', `---js\n{ type: (function(){ require('fs').writeFileSync(${JSON.stringify(canary)}, 'x'); return 'order' })(), title: 'x' }\n---\n`, /never run|only YAML/i],
  ['worker-core/no-frontmatter.md', 'Just some text\n', /frontmatter/],
  ['worker-core/unclosed.md', '---\ntype: order\ntitle: Unclosed\n', /not closed/],
  ['worker-core/latin1.md', Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x3a, 0x20, 0xe9, 0x0a, 0x2d, 0x2d, 0x2d, 0x0a]), /UTF-8/],
  ['worker-core/no-title.md', '---\ntype: order\n---\nbody\n', /title/],
  ['worker-core/bad-re.md', '---\ntype: answer\ntitle: R\nre: ../../etc/passwd\n---\n', /re/],
  ['worker-core/after-on-doubt.md', '---\ntype: doubt\ntitle: D\nafter: [x1]\n---\n', /only orders can wait/],
  ['worker-core/bad-created.md', '---\ntype: order\ntitle: C\ncreated: someday soon\n---\n', /not a date/],
  ['worker-core/wrong-folder-report.md', '---\ntype: report\ntitle: R\nfrom: worker-infra\n---\n', /sits in worker-core's folder/],
  ['worker-core/long-title.md', `---\ntype: order\ntitle: ${'t'.repeat(250)}\n---\n`, /over 200|longer than 200/],
  ['worker-core/multiline-title.md', '---\ntype: order\ntitle: |\n  one\n  two\n---\n', /single line/],
  ['worker-core/tags-object.md', '---\ntype: order\ntitle: T\ntags: {a: 1}\n---\n', /tags/],
  ['worker-ghost/in-unknown-folder.md', '---\ntype: order\ntitle: Ghost\n---\n', /unknown worker "worker-ghost"/],
  ['loose.md', '---\ntype: order\ntitle: Loose\n---\n', /not in a worker folder/],
  ['worker-infra/dup-1.md', '---\ntype: order\ntitle: Dup\n---\n', /duplicate id "dup-1"/],
];

describe('daemon: malformed docs while running', () => {
  it('one alert per bad file naming it and the problem; the daemon stays up and keeps answering', async () => {
    const dir = await makeWorkspace();
    const docs = path.join(dir, '.orchestra/docs');
    // The first copy of the duplicated id is valid and committed; the corpus brings its twin.
    writeFileSync(path.join(docs, 'worker-core/dup-1.md'), '---\ntype: order\ntitle: Dup\n---\n');
    const d = await startDaemonCli(dir);
    try {
      for (const [rel, content] of CORPUS) {
        mkdirSync(path.dirname(path.join(docs, rel)), { recursive: true });
        writeFileSync(path.join(docs, rel), content);
      }
      symlinkSync('/etc/hostname', path.join(docs, 'worker-core/link.md'));
      const expected = CORPUS.length + 1;
      const byFile = (alerts: ReturnType<typeof alertsOf>) => {
        const m = new Map<string, string[]>();
        for (const a of alerts.filter((x) => x.kind === 'invalid_doc')) {
          const file = /^(\.orchestra\/docs\/[^:]+): /.exec(a.message)?.[1] ?? '?';
          m.set(file, [...(m.get(file) ?? []), a.message]);
        }
        return m;
      };
      await waitFor(() => byFile(alertsOf(dir)).size >= expected, { timeoutMs: 30_000, message: `${expected} invalid_doc alerts` });

      // Still up and handling valid docs.
      const q = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Is the daemon still up?']);
      expect((await reactionOf(dir, q)).fm.type).toBe('escalation');
      expect(d.child.exitCode).toBeNull();

      const alerts = byFile(alertsOf(dir));
      const wrong = CORPUS.filter(([rel, , problem]) => alerts.get(`.orchestra/docs/${rel}`)?.length !== 1 || !problem.test(alerts.get(`.orchestra/docs/${rel}`)![0]));
      expect(wrong.map(([rel]) => [rel, alerts.get(`.orchestra/docs/${rel}`)])).toEqual([]);
      expect(alerts.get('.orchestra/docs/worker-core/link.md')![0]).toMatch(/symbolic link/);
      expect(alerts.size).toBe(expected);
      expect(existsSync(canary)).toBe(false);

      // `orchestra alerts --json`: the documented shape.
      const listed = await okJson(dir, ['alerts']);
      expect(listed.length).toBe(expected);
      for (const a of listed) expect(Object.keys(a)).toEqual(expect.arrayContaining(['id', 'at', 'level', 'kind', 'message']));

      // Fixing a file resolves its alert, and the doc is handled.
      writeFileSync(path.join(docs, 'worker-core/unknown-type.md'), '---\ntype: doubt\ntitle: Fixed now\nfrom: worker-core\n---\n');
      await reactionOf(dir, 'unknown-type');
      await waitFor(async () => (await okJson(dir, ['alerts'])).length === expected - 1, { message: 'the fixed file no longer alerted' });
    } finally {
      expect(await d.stop()).toBe(0);
    }
    // A restart re-reads every bad file but raises nothing new: once per file content.
    const before = alertsOf(dir).length;
    const again = await startDaemonCli(dir);
    await again.stop();
    expect(alertsOf(dir).length).toBe(before);
  }, 180_000);
});
