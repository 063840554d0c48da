/** `orchestra up`: daemon and dashboard in one process, one log, the exact watchdog commands; `--tmux`. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, cleanupTemp, makeWorkspace, ok, run, spawnCli, tempDir, waitFor } from './helpers.js';

afterAll(cleanupTemp);

/** Not started by npx, and no `orchestra` on PATH: the printed command is node with the script's path. */
const plainEnv = { npm_command: '' };

describe('orchestra up', () => {
  it('runs daemon and dashboard with one combined log, prints each watchdog command, stops cleanly on Ctrl-C', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    const up = spawnCli(dir, ['up', '--port', '0'], { env: plainEnv });
    try {
      await up.waitForOutput(/Ctrl-C stops/);
      const out = up.stdout();
      const url = /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1];
      const self = `${process.execPath} ${BIN}`;
      expect(out).toContain(`up        │   ${self} watch worker-core`);
      expect(out).toContain(`up        │   ${self} watch worker-infra`);
      expect(out).toMatch(/^daemon\s+│ .*daemon started/m);

      // The printed command works as printed.
      const printed = new RegExp(`│   (.* watch worker-core)$`, 'm').exec(out)![1];
      const [cmd, ...args] = printed.split(' ');
      const once = spawnSync(cmd, [...args, '--once'], { cwd: dir, encoding: 'utf8', env: baseEnv() });
      expect(once.status, once.stderr).toBe(0);

      // The daemon reacts, in the same log; the dashboard answers.
      await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework should I use?']);
      await up.waitForOutput(/^daemon\s+│ .*doubt .*worker-infra/);
      const res = await fetch(new URL('/api/workers', url));
      expect(res.status).toBe(200);
      expect(existsSync(path.join(dir, '.orchestra/state/logs/up.log'))).toBe(true);
    } finally {
      expect(await up.stop('SIGINT')).toBe(0);
    }
    expect(existsSync(path.join(dir, '.orchestra/state/daemon.pid'))).toBe(false);
  });

  it('adds -C <root> to the watchdog commands when started from outside the workspace', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const up = spawnCli(tempDir(), ['-C', dir, 'up', '--port', '0', '--no-dashboard'], { env: plainEnv });
    try {
      await up.waitForOutput(/Ctrl-C stops/);
      expect(up.stdout()).toContain(`${process.execPath} ${BIN} -C ${dir} watch worker-core`);
      expect(up.stdout()).not.toContain('dashboard at');
    } finally {
      expect(await up.stop('SIGINT')).toBe(0);
    }
  });

  it('a second up on the same workspace is refused while the first runs', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const up = spawnCli(dir, ['up', '--port', '0'], { env: plainEnv });
    try {
      await up.waitForOutput(/Ctrl-C stops/);
      const r = await run(dir, ['up', '--port', '0']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/daemon/);
    } finally {
      await up.stop('SIGINT');
    }
  });
});

describe('orchestra up --tmux', () => {
  const hasTmux = spawnSync('tmux', ['-V']).status === 0;

  it('says clearly when tmux is not installed', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const r = await run(dir, ['up', '--tmux'], { env: { PATH: tempDir() } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: tmux is not installed .*orchestra up/);
  });

  it.skipIf(!hasTmux)('opens a session with the daemon pane and one watchdog pane per worker', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    // A tmux server of our own, so the test never touches a person's sessions.
    const env = { TMUX_TMPDIR: tempDir('orchestra-tmux-'), TMUX: '' };
    const tmux = (args: string[]) => execFileSync('tmux', args, { encoding: 'utf8', env: { ...process.env, ...env } });
    const r = await run(dir, ['up', '--tmux', '--port', '0'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const session = /tmux session "([^"]+)"/.exec(r.stdout)![1];
    expect(r.stdout).toContain(`attach with: tmux attach -t ${session}`);
    try {
      const panes = tmux(['list-panes', '-t', session, '-F', '#{pane_index} #{pane_start_command}']).trim().split('\n');
      expect(panes).toHaveLength(3);
      expect(panes[0]).toMatch(/ up --port 0/);
      expect(panes.slice(1).map((p) => / watch ([\w-]+)/.exec(p)?.[1])).toEqual(['worker-core', 'worker-infra']);
      await waitFor(() => tmux(['capture-pane', '-p', '-t', `${session}.0`]).includes('Ctrl-C stops'), { message: 'the up pane to start' });
      const again = await run(dir, ['up', '--tmux'], { env });
      expect(again.exitCode).toBe(2);
      expect(again.stderr).toMatch(/already running/);
    } finally {
      tmux(['kill-session', '-t', session]);
    }
  });
});
