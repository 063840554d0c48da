/**
 * git's housekeeping: orchestra's own commits never start `git maintenance run --auto` in the writer's path (about
 * 5 ms a commit); the daemon runs it now and then instead (runMaintenance), and that does pack a repository past
 * git's threshold.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, gitdir, makeWorkspace, ok, tempDir } from './helpers.js';
import { runMaintenance } from '../src/store/git/exec.js';

afterAll(cleanupTemp);

const inPack = (dir: string) => Number(/in-pack: (\d+)/.exec(git(dir, ['count-objects', '-v']))![1]);

describe('git maintenance', () => {
  it("orchestra's commits do not start it, even where the repository asks for it after every command", async () => {
    for (const mode of ['inline', 'branch'] as const) {
      const dir = await makeWorkspace({ workers: 'worker-core', mode });
      git(dir, ['config', 'gc.auto', '1']);
      git(dir, ['config', 'maintenance.auto', 'true']);
      const trace = path.join(tempDir(), 'trace');
      await ok(dir, ['order', 'worker-core', 'Traced'], { env: { GIT_TRACE: trace } });
      const lines = readFileSync(trace, 'utf8');
      expect(lines).toMatch(/built-in: git .*commit/);
      expect(lines).not.toMatch(/maintenance run|built-in: git gc/);
    }
  });

  it('runMaintenance packs a repository past the threshold', async () => {
    const dir = gitdir();
    git(dir, ['config', 'gc.auto', '1']);
    // Enough loose objects that git's estimate (one of 256 fan-out folders, times 256) is past 1.
    const files = Array.from({ length: 2000 }, (_, i) => {
      const f = path.join(dir, `o${i}`);
      writeFileSync(f, `object ${i}\n`);
      return f;
    });
    expect(files).toHaveLength(2000);
    // Reachable (gc keeps unreachable loose objects for two weeks), committed without git's own housekeeping.
    git(dir, ['add', '.']);
    git(dir, ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', 'commit', '-q', '-m', 'many']);
    expect(inPack(dir)).toBe(0);
    await runMaintenance(dir);
    expect(inPack(dir)).toBeGreaterThan(0);
  });
});
