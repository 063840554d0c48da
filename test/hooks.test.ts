import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, makeWorkspace, ok, run } from './helpers.js';

afterAll(cleanupTemp);

const stop = (dir: string, input: unknown, as = 'worker-core') => run(dir, ['hook', 'stop', '--as', as], { input: typeof input === 'string' ? input : JSON.stringify(input) });
const hookInput = (session: string, active = false) => ({ session_id: session, transcript_path: '/tmp/t.jsonl', cwd: '/tmp', hook_event_name: 'Stop', stop_hook_active: active, last_assistant_message: 'done' });

describe('orchestra hook stop', () => {
  it('prints nothing when no work waits', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    await ok(dir, ['order', 'worker-nlp', 'Not for core']);
    const r = await stop(dir, hookInput('s1'));
    expect(r).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('blocks once per doc and session with the exact JSON, honouring stop_hook_active', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const a = await ok(dir, ['order', 'worker-core', 'Optimize propagation', '--priority', 'high']);
    const r = await stop(dir, hookInput('s1'));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      decision: 'block',
      reason: `orchestra: new work for worker-core:\norder ${a} (high) from lead: Optimize propagation\nStart ${a} now: call the orchestra take tool (or run \`orchestra --as worker-core next worker-core\`), do it, and report.`,
    });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    // The same session, told already: nothing, active or not.
    expect((await stop(dir, hookInput('s1', true))).stdout).toBe('');
    expect((await stop(dir, hookInput('s1', false))).stdout).toBe('');
    // Another session was not told.
    expect(JSON.parse((await stop(dir, hookInput('s2'))).stdout).decision).toBe('block');

    // Something new arrives while the hook is active: it blocks for the new doc alone.
    await ok(dir, ['--as', 'worker-core', 'start', a]);
    const doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which benchmark?']);
    const ans = await ok(dir, ['answer', doubt, '--body', 'bench/']);
    const r2 = await stop(dir, hookInput('s1', true));
    expect(JSON.parse(r2.stdout)).toEqual({
      decision: 'block',
      reason: `orchestra: new work for worker-core:\nanswer ${ans} (medium) from lead: Re: Which benchmark?\nRead the answer with the orchestra inbox tool and go on with your order.`,
    });
    expect((await stop(dir, hookInput('s1', true))).stdout).toBe('');
  });

  it('refuses bad input with one line and exit 1 (exit 2 would make Claude Code block)', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    for (const [input, re] of [
      ['not json', /expects Claude Code's hook JSON/],
      [{ stop_hook_active: true }, /no valid "session_id"/],
      [{ session_id: 'a\u0007b' }, /no valid "session_id"/],
    ] as const) {
      const r = await stop(dir, input);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    const lead = await stop(dir, hookInput('s1'), 'lead');
    expect(lead.exitCode).toBe(1);
    expect(lead.stderr.trim()).toBe('error: hook stop is for a worker: give --as <worker>');
    const unknown = await stop(dir, hookInput('s1'), 'worker-zzz');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^error: unknown identity "worker-zzz"/);
  });
});

describe('orchestra hook session-start', () => {
  it('prints the short briefing: who, the inbox, the loop', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const empty = await run(dir, ['hook', 'session-start', '--as', 'worker-core']);
    expect(empty.exitCode).toBe(0);
    expect(empty.stdout.split('\n').slice(0, 2)).toEqual(['You are worker-core, a worker coordinated by orchestra. Your area: src/core/**.', 'Nothing is waiting for worker-core right now.']);
    const a = await ok(dir, ['order', 'worker-core', 'Optimize propagation', '--priority', 'high']);
    const r = await run(dir, ['hook', 'session-start', '--as', 'worker-core']);
    expect(r.stdout).toContain(`Ready (1), most important first:\n- ${a} (high) Optimize propagation\n`);
    expect(r.stdout).toContain('take / `orchestra --as worker-core next worker-core`');
    // Listing it at session start does not count as telling this session: the Stop hook still blocks once.
    expect(JSON.parse((await stop(dir, hookInput('s1'))).stdout).decision).toBe('block');
  });
});
