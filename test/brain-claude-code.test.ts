/**
 * The claude-code brain end to end: the real daemon asks the real headless Claude Code (`claude -p`), which talks
 * to a scripted streaming fake of the Messages API; the answer it returns is validated and committed, and the
 * daily budget stops the next call.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { brainWorkspace } from './brain-setup.js';
import { ROOT, cleanupTemp, ok, okJson, run, tempDir } from './helpers.js';
import { startStreamingFake, type Turn } from './fake-anthropic-stream.js';

afterAll(cleanupTemp);

const CLAUDE = path.join(ROOT, 'node_modules', '.bin', 'claude');
const present = existsSync(CLAUDE);
if (!present) console.warn(`\n⚠ claude-code brain test skipped: ${CLAUDE} is not installed\n`);

const BRAIN = `kind: claude-code
model: claude-test-model
max_daily_calls: 1
retries: 2
timeout: 60s
breaker: { failures: 3, cooldown: 60s }`;

describe.skipIf(!present)('brain.kind: claude-code', () => {
  it('answers a doubt through claude -p with no tools, then escalates once the budget is spent', async () => {
    const dir = await brainWorkspace(BRAIN);
    const fake = await startStreamingFake((body): Turn => {
      const sys = JSON.stringify(body.system ?? '');
      if (!sys.includes('answer_doubt')) return { content: [{ type: 'text', text: 'ok' }] };
      return { content: [{ type: 'text', text: '{"tool": "answer_doubt", "input": {"body": "Use vitest, like the rest of the project."}}' }] };
    });
    const env = { ORCHESTRA_CLAUDE: CLAUDE, HOME: tempDir('orchestra-claude-home-'), ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'x', DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    try {
      await ok(dir, ['daemon', '--once'], { env });
      const doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which runner for the new suite?', '--body', 'mocha or the other one?']);
      const r = await run(dir, ['daemon', '--once'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      const answer = (await okJson(dir, ['list', '--type', 'answer'])).find((d: { re: string }) => d.re === doubt);
      expect(answer).toMatchObject({ from: 'daemon', to: 'worker-core' });
      expect((await okJson(dir, ['show', answer.id])).body).toContain('Use vitest, like the rest of the project.');
      // The agent's request carried our decision tools in the prompt, and no tools of its own.
      const asked = fake.requests.filter((q) => JSON.stringify(q.body.system ?? '').includes('answer_doubt'));
      expect(asked).toHaveLength(1);
      expect(asked[0].body.tools ?? []).toEqual([]);

      const second = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'And the coverage tool?']);
      await ok(dir, ['daemon', '--once'], { env });
      const esc = (await okJson(dir, ['list', '--type', 'escalation'])).find((d: { re: string }) => d.re === second);
      expect(esc).toBeTruthy();
      expect((await okJson(dir, ['show', esc.id])).body).toMatch(/budget/);
      expect(fake.requests.filter((q) => JSON.stringify(q.body.system ?? '').includes('answer_doubt'))).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });
});
