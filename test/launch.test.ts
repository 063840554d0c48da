import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, cleanupTemp, git, makeWorkspace, ok, okJson, run, tempDir } from './helpers.js';

afterAll(cleanupTemp);

/** A stand-in agent with only a shell: `wait`, `start`, work, commit, `report`, twice. */
const AGENT = `
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const [bin, envOut] = process.argv.slice(2);
const me = process.env.ORCHESTRA_AS;
const o = (...a) => execFileSync(process.execPath, [bin, ...a], { encoding: 'utf8' }).trim();
writeFileSync(envOut, JSON.stringify({ as: me, ws: process.env.ORCHESTRA_WORKSPACE, wt: process.env.ORCHESTRA_WORKTREE, cwd: process.cwd(), briefing: process.env.ORCHESTRA_BRIEFING }));
for (let i = 0; i < 2; i++) {
  const order = JSON.parse(o('wait', me, '--timeout', '60s', '--json')).news.find((n) => n.event === 'order');
  o('--as', me, 'start', order.id);
  writeFileSync('work-' + i + '.txt', order.title + '\\n');
  execFileSync('git', ['add', 'work-' + i + '.txt']);
  execFileSync('git', ['commit', '-q', '-m', 'work: ' + order.title]);
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  o('--as', me, 'report', order.id, '--body', 'done in ' + sha);
}
`;

describe('orchestra launch', () => {
  it('makes the worktree, sets the identity, writes the configuration and runs the agent through two queued orders', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    const scratch = tempDir();
    const script = path.join(scratch, 'agent.mjs');
    writeFileSync(script, AGENT);
    const envOut = path.join(scratch, 'env.json');
    const wt = path.join(scratch, 'wt-core');
    const first = await ok(dir, ['order', 'worker-core', 'First task', '--priority', 'high']);
    const second = await ok(dir, ['order', 'worker-core', 'Second task']);

    const r = await run(dir, ['launch', 'worker-core', '--worktree', wt, '--', process.execPath, script, BIN, envOut]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`created ${wt} on branch worker-core`);

    // The worktree, on the worker's branch, with the worker's own identity (the lead's checkout keeps the lead's).
    expect(git(wt, ['rev-parse', '--abbrev-ref', 'HEAD']).trim()).toBe('worker-core');
    expect(git(wt, ['config', 'user.name']).trim()).toBe('worker-core');
    expect(git(dir, ['config', 'user.name']).trim()).toBe('Test Lead');
    expect(git(wt, ['log', '--format=%an <%ae>|%s', '-2']).trim().split('\n')).toEqual([
      'worker-core <worker-core@orchestra.invalid>|work: Second task',
      'worker-core <worker-core@orchestra.invalid>|work: First task',
    ]);

    // The agent's environment.
    const env = JSON.parse(readFileSync(envOut, 'utf8'));
    expect(env).toMatchObject({ as: 'worker-core', ws: dir, wt, cwd: wt });
    expect(env.briefing).toContain('## Your area');

    // The configuration: the MCP server and both hooks, written and not committed.
    const mcp = JSON.parse(readFileSync(path.join(wt, '.mcp.json'), 'utf8'));
    expect(mcp).toEqual({ mcpServers: { orchestra: { command: process.execPath, args: [BIN, 'mcp', '--as', 'worker-core'] } } });
    const settings = JSON.parse(readFileSync(path.join(wt, '.claude', 'settings.local.json'), 'utf8'));
    expect(settings).toEqual({
      enableAllProjectMcpServers: true,
      enabledMcpjsonServers: ['orchestra'],
      hooks: {
        Stop: [{ hooks: [{ type: 'command', command: `'${process.execPath}' '${BIN}' hook stop --as worker-core` }] }],
        SessionStart: [{ hooks: [{ type: 'command', command: `'${process.execPath}' '${BIN}' hook session-start --as worker-core` }] }],
      },
    });
    expect(git(wt, ['status', '--porcelain']).trim()).toBe('');
    expect(git(wt, ['ls-files', '.mcp.json', '.claude']).trim()).toBe('');

    // Both orders completed, reported by the worker.
    const orders = await okJson(dir, ['list', '--type', 'order', '--worker', 'worker-core']);
    expect(orders.map((d: { id: string; state: string }) => [d.id, d.state])).toEqual([
      [first, 'completed'],
      [second, 'completed'],
    ]);
    const agent = JSON.parse(readFileSync(path.join(dir, '.orchestra', 'state', 'agents', 'worker-core.json'), 'utf8'));
    expect(agent).toMatchObject({ worktree: wt, exitCode: 0 });
    expect(agent.ended).toBeTruthy();

    // Launching again reuses the worktree and merges the configuration instead of duplicating hooks.
    const again = await run(dir, ['launch', 'worker-core', '--no-start']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(wt);
    const settings2 = JSON.parse(readFileSync(path.join(wt, '.claude', 'settings.local.json'), 'utf8'));
    expect(settings2.hooks.Stop).toHaveLength(1);
  });

  it('writes the Codex entry with --agent codex, and refuses bad input', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const wt = path.join(tempDir(), 'wt');
    const r = await run(dir, ['launch', 'worker-core', '--agent', 'codex', '--worktree', wt, '--no-start']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(path.join(wt, '.codex', 'config.toml'), 'utf8')).toBe(`[mcp_servers.orchestra]\ncommand = ${JSON.stringify(process.execPath)}\nargs = ${JSON.stringify([BIN, 'mcp', '--as', 'worker-core'])}\n`);
    expect(existsSync(path.join(wt, '.mcp.json'))).toBe(false);
    for (const args of [['launch', 'worker-zzz'], ['launch', 'worker-core', '--agent', 'vim']]) {
      const bad = await run(dir, args);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
    const missing = await run(dir, ['launch', 'worker-core', '--', 'no-such-agent-binary-xyz']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.trim()).toMatch(/cannot start no-such-agent-binary-xyz: not found on PATH/);
  });

  it('launches every worker at once without tripping on the others\' git config lock (as `up --agents` does)', async () => {
    const workers = ['worker-a', 'worker-b', 'worker-c', 'worker-d'];
    const dir = await makeWorkspace({ workers: workers.join(',') });
    const scratch = tempDir();
    const results = await Promise.all(workers.map((w) => run(dir, ['launch', w, '--worktree', path.join(scratch, w), '--no-start'])));
    results.forEach((r, i) => expect(r.exitCode, `${workers[i]}: ${r.stderr}`).toBe(0));
    for (const w of workers) expect(git(path.join(scratch, w), ['config', 'user.name']).trim()).toBe(w);
  });
});
