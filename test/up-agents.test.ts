import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, makeWorkspace, run, tempDir, waitFor } from './helpers.js';

afterAll(cleanupTemp);

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe('orchestra up --agents', () => {
  it.skipIf(!hasTmux)("starts each worker's agent with orchestra launch in a tmux window of its own", async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    const out = tempDir();
    const agent = path.join(out, 'claude');
    // A stand-in for claude: notes where and how it was started, then stays up as an agent would.
    writeFileSync(agent, `#!/usr/bin/env node\nrequire('node:fs').writeFileSync(require('node:path').join(process.env.STANDIN_OUT, process.env.ORCHESTRA_AS + '.json'), JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }));\nsetInterval(() => {}, 1000);\n`);
    chmodSync(agent, 0o755);
    const env = { TMUX_TMPDIR: tempDir('orchestra-tmux-'), TMUX: '', ORCHESTRA_CLAUDE: agent, STANDIN_OUT: out };
    const tmux = (args: string[]) => execFileSync('tmux', args, { encoding: 'utf8', env: { ...process.env, ...env } });
    const r = await run(dir, ['up', '--agents', '--port', '0'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const session = /tmux session "([^"]+)"/.exec(r.stdout)![1];
    try {
      expect(tmux(['list-windows', '-t', session, '-F', '#{window_name}']).trim().split('\n').slice(1)).toEqual(['worker-core', 'worker-infra']);
      for (const w of ['worker-core', 'worker-infra']) {
        const seen = await waitFor(() => existsSync(path.join(out, `${w}.json`)) && JSON.parse(readFileSync(path.join(out, `${w}.json`), 'utf8')), { message: `${w}'s agent` });
        expect(seen.cwd).toBe(`${dir}-${w}`);
        expect(seen.argv.slice(0, 2)).toEqual(['--dangerously-load-development-channels', 'server:orchestra']);
        expect(seen.argv[2]).toContain(`You are **${w}**`);
        expect(seen.argv[2]).toContain('## Your area');
      }
    } finally {
      tmux(['kill-session', '-t', session]);
      for (const w of ['worker-core', 'worker-infra']) rmSync(`${dir}-${w}`, { recursive: true, force: true });
    }
  });
});
