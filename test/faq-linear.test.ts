/**
 * Issue 11 item 4: faq patterns are matched in linear time, so a worker's huge doubt cannot freeze the daemon;
 * a pattern only a backtracking engine can run is refused by `validate` naming the faq entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configure, isCommitted, reactionOf, startDaemonCli } from './daemon-fixture.js';
import { cleanupTemp, makeWorkspace, ok, run, tempDir, waitFor } from './helpers.js';

afterAll(cleanupTemp);

describe('faq matching', () => {
  it("a ~1 MB doubt against init's default pattern is answered by the running daemon", async () => {
    const dir = await makeWorkspace();
    // init's own faq holds `framework.*test`: on one long line of "framework " with no "test", a backtracking
    // engine restarts `.*` at every word (quadratic: minutes at 1 MB); the match is on the last line.
    expect(readFileSync(path.join(dir, 'orchestra.yaml'), 'utf8')).toContain('framework.*test');
    const file = path.join(tempDir(), 'doubt.md');
    writeFileSync(file, `${'framework '.repeat(100_000)}\nWhich test framework should I use?\n`);
    const d = await startDaemonCli(dir);
    try {
      const id = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'A long question', '--file', file]);
      const answer = await reactionOf(dir, id, 60_000);
      expect(answer.fm).toMatchObject({ type: 'answer', from: 'daemon', re: id });
      expect(answer.body).toContain('Use the test framework the project already uses');
      await waitFor(() => isCommitted(dir, answer.path), { message: 'the answer committed' });
      // The daemon still answers what comes next.
      const next = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which colour for the logo?']);
      expect((await reactionOf(dir, next)).fm.type).toBe('escalation');
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });

  it('validate refuses a backreference or a lookaround with one line naming the faq entry (exit 3)', async () => {
    const dir = await makeWorkspace();
    configure(dir, 'faq:\n  - match: "vitest"\n    answer: "fine"\n  - match: "(a+)\\\\1"\n    answer: "x"\n  - match: "framework(?=.*test)"\n    answer: "y"\n  - match: "(?<!py)test"\n    answer: "z"');
    const r = await run(dir, ['validate']);
    expect(r.exitCode).toBe(3);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      'orchestra.yaml: faq[1].match: "(a+)\\1" cannot be matched in linear time (invalid escape sequence at `\\1`): rewrite it without backreferences (\\1) or lookaround ((?=, (?!, (?<=, (?<!), in RE2 syntax',
      expect.stringMatching(/^orchestra\.yaml: faq\[2\]\.match: "framework\(\?=\.\*test\)" cannot be matched in linear time \(invalid or unsupported Perl syntax at `\(\?=`\)/),
      expect.stringMatching(/^orchestra\.yaml: faq\[3\]\.match: "\(\?<!py\)test" cannot be matched in linear time/),
    ]);
    const j = await run(dir, ['validate', '--json']);
    expect(JSON.parse(j.stdout).problems.map((p: { field: string }) => p.field)).toEqual(['faq[1].match', 'faq[2].match', 'faq[3].match']);
    // Every other command refuses the config the same way.
    const list = await run(dir, ['list']);
    expect(list.exitCode).toBe(3);
    expect(list.stderr).toMatch(/^error: orchestra\.yaml: faq\[1\]\.match: /);
  });
});
