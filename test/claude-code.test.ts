/**
 * The real client: Claude Code (the npm package, binary inside) launched by `orchestra launch` in a worker's
 * worktree, talking to a scripted streaming fake of the Messages API on 127.0.0.1. It must spawn orchestra's MCP
 * server from the written .mcp.json, run the SessionStart and Stop hooks from .claude/settings.local.json, and
 * finish two queued orders; the Stop hook's reason is what makes it take the second.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cleanupTemp, makeWorkspace, ok, okJson, run, tempDir } from './helpers.js';
import { startDaemonCli } from './daemon-fixture.js';
import { lastUserText, startStreamingFake, type Turn } from './fake-anthropic-stream.js';

afterAll(cleanupTemp);

const CLAUDE = path.join(ROOT, 'node_modules', '.bin', 'claude');
const present = existsSync(CLAUDE);
if (!present) console.warn(`\n⚠ Claude Code end-to-end test skipped: ${CLAUDE} is not installed (npm install @anthropic-ai/claude-code)\n`);

const text = (t: string): Turn => ({ content: [{ type: 'text', text: t }] });
const call = (name: string, input: unknown): Turn => ({ content: [{ type: 'tool_use', name, input }] });

describe.skipIf(!present)('Claude Code as a worker', () => {
  it('spawns orchestra mcp from .mcp.json, runs the hooks, and completes two queued orders', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const first = await ok(dir, ['order', 'worker-core', 'First task', '--priority', 'high', '--body', 'Do the first thing.']);
    const second = await ok(dir, ['order', 'worker-core', 'Second task', '--body', 'Do the second thing.']);
    const daemon = await startDaemonCli(dir);

    let sessionStartSeen = false;
    const stopReasons: string[] = [];
    const fake = await startStreamingFake((body) => {
      // Side requests (titles, summaries) carry no tools.
      if (!Array.isArray(body.tools) || !body.tools.length) return text('ok');
      const all = JSON.stringify(body.messages ?? []);
      if (all.includes('You are worker-core, a worker coordinated by orchestra')) sessionStartSeen = true;
      const last = lastUserText(body);
      const taken = /"state":"in_progress"/.test(last) ? /"id":"([^"]+)"/.exec(last) : null;
      if (taken) return call('mcp__orchestra__report', { id: taken[1], body: `done by claude: ${taken[1]}` });
      if (/"outcome":"completed"/.test(last)) return text('Reported; stopping.');
      if (last.includes('new work for worker-core')) {
        stopReasons.push(last);
        return call('mcp__orchestra__take', {});
      }
      if (last.includes('Take your next order')) return call('mcp__orchestra__take', {});
      return text('Nothing to do.');
    });
    const home = tempDir('orchestra-claude-home-');
    const wt = path.join(tempDir(), 'wt-core');
    try {
      const r = await run(
        dir,
        ['launch', 'worker-core', '--worktree', wt, '--', CLAUDE, '-p', 'Take your next order with the orchestra take tool, do it, and report it.', '--output-format', 'json', '--allowedTools', 'mcp__orchestra__take,mcp__orchestra__report,mcp__orchestra__inbox'],
        {
          env: { HOME: home, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'x', DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
          timeoutMs: 180_000,
        },
      );
      expect(r.exitCode, `stdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`).toBe(0);
      const orders = await okJson(dir, ['list', '--type', 'order']);
      expect(orders.map((d: { id: string; state: string }) => [d.id, d.state])).toEqual([
        [first, 'completed'],
        [second, 'completed'],
      ]);
      // The Stop hook blocked once, after the first report, naming the second order; its reason reached the model.
      expect(stopReasons).toHaveLength(1);
      expect(stopReasons[0]).toContain(`order ${second} (medium) from lead: Second task`);
      expect(sessionStartSeen).toBe(true);
      const reports = (await okJson(dir, ['list', '--type', 'report'])).map((d: { re: string; from: string }) => [d.re, d.from]);
      expect(reports).toEqual([
        [first, 'worker-core'],
        [second, 'worker-core'],
      ]);
      // The daemon handled both reports.
      const rIds = (await okJson(dir, ['list', '--type', 'report'])).map((d: { id: string }) => d.id);
      for (const id of rIds) await daemon.waitForOutput(new RegExp(`report ${id}`), 30_000);
    } finally {
      if (process.env.ORCHESTRA_DUMP_FAKE) writeFileSync(process.env.ORCHESTRA_DUMP_FAKE, JSON.stringify(fake.requests, null, 1));
      await fake.close();
      await daemon.stop();
    }
  });
});
