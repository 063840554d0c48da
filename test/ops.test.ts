/** Issue 12 item 6: doctor's levels, `daemon --once` beside a running daemon, refusals exit 1. */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, makeWorkspace, ok, run, spawnCli } from './helpers.js';
import { docsOnDisk, reactionsTo } from './daemon-fixture.js';

afterAll(cleanupTemp);

describe('doctor and the daemon', () => {
  it('a daemon that is not running is a warning, not a tick and not a failure', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const r = await run(dir, ['doctor']);
    expect(r.exitCode).toBe(0);
    const line = r.stdout.split('\n').find((l) => /\bdaemon\b/.test(l)) ?? '';
    expect(line).toMatch(/^! daemon\s+daemon not running/);
    expect(line).not.toContain('✔');
  });

  it('`daemon --once --catch-up` from the README works while `orchestra up` runs: the running daemon handles the new doc', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web' });
    const up = spawnCli(dir, ['up', '--port', '0']);
    try {
      await up.waitForOutput(/re-scan \(watcher ready\)/, 60_000);
      const doubt = await ok(dir, ['--as', 'worker-web', 'doubt', 'worker-web', 'Anything in the faq about this?']);
      const once = await run(dir, ['daemon', '--once', '--catch-up']);
      expect(once.stderr).toMatch(/a daemon is running/);
      expect(once.exitCode).toBe(0);
      // When it returns, the doubt has been handled by the running daemon, exactly once.
      expect(reactionsTo(dir, doubt)).toHaveLength(1);
      expect(docsOnDisk(dir).filter((d) => d.fm.from === 'daemon')).toHaveLength(1);
    } finally {
      await up.stop();
    }
  });
});
