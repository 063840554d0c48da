/**
 * Issue 11 item 1: nothing from orchestra.yaml or a doc reaches git as an option. For each git call that takes a
 * configured or doc-borne value, hostile values are refused when the config loads (one clear line each), or, when
 * a caller bypasses the config, reach git inert; no PWNED file ever appears. Ref-name rules are checked against
 * git's own `check-ref-format`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, gitdir, makeWorkspace, ok, okJson, run, tempDir, waitFor } from './helpers.js';
import { configure, docsOnDisk, startDaemonCli } from './daemon-fixture.js';
import { resolveConfig } from '../src/core/config.js';
import { branchNameProblem, remoteProblem } from '../src/core/refname.js';

afterAll(cleanupTemp);

/** A folder the hostile values point at: every PWNED or output file would land here or in the repository. */
function trap(): { dir: string; values: string[]; pwned: (...roots: string[]) => string[] } {
  const dir = tempDir('orchestra-trap-');
  const values = [
    '--upload-pack=touch PWNED;',
    `--upload-pack=touch ${dir}/PWNED;`,
    '-ccore.sshCommand=touch PWNED',
    `--output=${dir}/out`,
    `-o${dir}/out2`,
    'main\n--output=x',
    'two words',
  ];
  const pwned = (...roots: string[]) => [dir, ...roots].flatMap((r) => readdirSync(r).filter((n) => /PWNED|^out|^x$/.test(n)).map((n) => path.join(r, n)));
  return { dir, values, pwned };
}

const base = () => ({ workers: [{ name: 'worker-core' }, { name: 'worker-nlp', depends_on: ['worker-core'] }] });

function problemsOf(data: unknown): string[] {
  const r = resolveConfig(data);
  return r.ok ? [] : r.problems.map((p) => `${p.field}: ${p.message}`);
}

describe('git-bound values in orchestra.yaml', () => {
  const { values } = trap();
  const fields: [string, (v: string) => unknown][] = [
    ['sync.remote', (v) => ({ ...base(), sync: { remote: v } })],
    ['sync.branch', (v) => ({ ...base(), sync: { branch: v } })],
    ['workers[1].branch', (v) => ({ workers: [{ name: 'worker-core' }, { name: 'worker-nlp', branch: v }] })],
  ];
  for (const [field, config] of fields) {
    it(`refuses hostile ${field} values with one line naming the field`, () => {
      for (const v of values) {
        const p = problemsOf(config(v));
        expect(p, v).toHaveLength(1);
        expect(p[0]).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: ".*" is not a valid (remote|branch name): it .+; use `));
        expect(p[0]).not.toContain('\n');
      }
    });
  }

  it('accepts remote names and plain URLs, and refuses transports that run programs', () => {
    for (const ok of ['origin', 'team/upstream', 'https://example.com/team/repo.git', 'ssh://git@example.com:2222/repo.git', 'git@example.com:team/repo.git', '/srv/git/repo.git', './repo.git', 'file:///srv/repo.git']) {
      expect(remoteProblem(ok), ok).toBeUndefined();
    }
    for (const bad of ['ext::sh -c touch% PWNED', 'ext::sh', 'fd::3', 'ssh://-oProxyCommand=touch%20PWNED/x', '-oProxyCommand=x:repo', 'origin..x', 'ori gin', '']) {
      expect(remoteProblem(bad), bad).toBeDefined();
    }
  });

  it('judges branch names as `git check-ref-format --branch` does, and refuses a leading "-"', () => {
    const dir = gitdir();
    const names = ['main', 'worker/core', 'feature.x', 'a..b', 'a/.b', 'a.lock', 'a/b.lock/c', 'x.', '/x', 'x/', 'a//b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[1', 'a\\b', '@', 'a@{1', 'a@b', 'HEAD', 'café', 'x\ty', 'x\x7f', '.hidden', 'ok-_+=,!#%', 'v1.2.3', 'a/b/c/d'];
    for (const n of names) {
      let gitSays: boolean;
      try {
        git(dir, ['check-ref-format', '--branch', n]);
        gitSays = true;
      } catch {
        gitSays = false;
      }
      expect(branchNameProblem(n) === undefined, `${JSON.stringify(n)}: git says ${gitSays ? 'valid' : 'invalid'}`).toBe(gitSays);
    }
    for (const n of ['-x', '--output=x', '-ccore.sshCommand=x']) expect(branchNameProblem(n), n).toMatch(/starts with "-"/);
  });

  it('`orchestra validate` and the commands that would run git refuse them: exit 3, one line per field, no PWNED', async () => {
    const t = trap();
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    git(dir, ['remote', 'add', 'origin', dir]);
    const yaml = readFileSync(path.join(dir, 'orchestra.yaml'), 'utf8');
    writeFileSync(
      path.join(dir, 'orchestra.yaml'),
      `${yaml.replace(/(- name: worker-nlp[^\n]*\n)/, `$1    branch: "--output=${t.dir}/out"\n`)}\nsync:\n  remote: "--upload-pack=touch ${t.dir}/PWNED;"\n  branch: "-ccore.sshCommand=touch PWNED"\n  interval: 1s\n`,
    );
    const v = await run(dir, ['validate']);
    expect(v.exitCode).toBe(3);
    const lines = `${v.stdout}\n${v.stderr}`.split('\n').filter((l) => /orchestra\.yaml: /.test(l));
    expect(lines.map((l) => /(sync\.remote|sync\.branch|workers\[1\]\.branch):/.exec(l)?.[1]).sort()).toEqual(['sync.branch', 'sync.remote', 'workers[1].branch']);
    const json = JSON.parse((await run(dir, ['validate', '--json'])).stdout) as { ok: boolean; problems: { field: string }[] };
    expect(json.ok).toBe(false);
    expect(json.problems.map((p) => p.field).sort()).toEqual(['sync.branch', 'sync.remote', 'workers[1].branch']);
    // Each of these would hand the values to git (sync's fetch, the conflict scan's log, doctor's remote probe).
    for (const args of [['conflicts'], ['status'], ['doctor'], ['daemon', '--once']]) {
      const r = await run(dir, args);
      expect(r.exitCode, args.join(' ')).not.toBe(0);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(/(sync\.remote|sync\.branch|workers\[1\]\.branch): ".*" is not a valid (remote|branch name): it starts with "-"/);
    }
    expect(t.pwned(dir)).toEqual([]);
  });
});

describe('every git call taking a configured value passes it inert when the config is bypassed', () => {
  it('sync: fetch, rev-parse, rev-list, log, merge, rebase and push take the remote and branch as values', async () => {
    const { syncOnce } = await import('../src/daemon/sync.js');
    const { Git } = await import('../src/store/git.js');
    const t = trap();
    const remote = tempDir('orchestra-remote-');
    git(remote, ['init', '-q', '--bare', '-b', 'main']);
    const dir = await makeWorkspace({ workers: 'worker-core' });
    git(dir, ['remote', 'add', 'origin', remote]);
    git(dir, ['push', '-q', '-u', 'origin', 'main']);
    for (const v of t.values) {
      const asRemote = await syncOnce(new Git(dir), { remote: v, branch: 'main' }, { attempts: 1 });
      expect(t.pwned(dir, remote), v).toEqual([]);
      expect(asRemote.pushed, v).toBe(0);
      expect(asRemote.warning, v).toBeDefined();
      expect(asRemote.warning, v).not.toContain('\n');
    }
    // As the branch, the value meets the branch check first (HEAD is on main): check the remote path with a branch
    // HEAD really stands on, named like an option would be were it not after --end-of-options.
    git(dir, ['update-ref', 'refs/heads/-ccore.sshCommand=touch', 'HEAD']);
    git(dir, ['symbolic-ref', 'HEAD', 'refs/heads/-ccore.sshCommand=touch']);
    const odd = await syncOnce(new Git(dir), { remote: 'origin', branch: '-ccore.sshCommand=touch' }, { attempts: 1 });
    expect(odd.warning).toBeUndefined();
    expect(git(remote, ['for-each-ref', '--format=%(refname)']).split('\n')).toContain('refs/heads/-ccore.sshCommand=touch');
    expect(t.pwned(dir, remote)).toEqual([]);
  });

  it('the conflict scan: rev-list and log take worker and main branches as revisions, never as options', async () => {
    const { collectBranchChanges } = await import('../src/store/changes.js');
    const { Git } = await import('../src/store/git.js');
    const { resolveConfig: resolve } = await import('../src/core/config.js');
    const t = trap();
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    const r = resolve(base());
    if (!r.ok) throw new Error('base config');
    for (const v of t.values) {
      const config = { ...r.config, workers: r.config.workers.map((w) => (w.name === 'worker-nlp' ? { ...w, branch: v } : w)), sync: { remote: 'origin', branch: v, intervalMs: 1000 } };
      const changes = await collectBranchChanges(new Git(dir), config);
      expect(changes.changes, v).toEqual([]);
    }
    expect(t.pwned(dir)).toEqual([]);
  });

  it('doc-borne titles, bodies and ids reach git as the commit message value or after "--"', async () => {
    const t = trap();
    const dir = await makeWorkspace({ workers: 'worker-core' });
    // Titles refuse control characters: the newline value is the config's concern only.
    const titles = t.values.filter((v) => !v.includes('\n'));
    for (const v of titles) {
      const id = await ok(dir, ['order', 'worker-core', `--body=${v}`, '--', v]);
      const subject = git(dir, ['log', '-1', '--format=%s']).trim();
      expect(subject).toBe(`orchestra: order worker-core: ${v.replace(/\s+/g, ' ').trim()}`);
      await ok(dir, ['--as', 'worker-core', 'report', id, `--body=${v}`]);
    }
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    const log = await okJson<{ type: string }[]>(dir, ['log']);
    expect(log.filter((e) => e.type === 'order')).toHaveLength(titles.length);
    expect(t.pwned(dir)).toEqual([]);
  });
});

describe('a daemon that pulls a hostile orchestra.yaml from a teammate', () => {
  it('runs no command, stays up, keeps the previous config, says why once, and loses no trigger', async () => {
    const t = trap();
    const remote = tempDir('orchestra-remote-');
    git(remote, ['init', '-q', '--bare', '-b', 'main']);
    const a = await makeWorkspace();
    configure(a, 'faq:\n  - match: "framework"\n    answer: "Use vitest."\nsync:\n  remote: origin\n  branch: main\n  interval: 1s');
    git(a, ['remote', 'add', 'origin', remote]);
    git(a, ['push', '-q', '-u', 'origin', 'main']);
    const b = gitdir(tempDir('orchestra-clone-'));
    git(b, ['remote', 'add', 'origin', remote]);
    git(b, ['pull', '-q', 'origin', 'main']);

    const d = await startDaemonCli(a);
    try {
      // The teammate's commit: the verbatim payload of the issue, and one writing into the trap folder.
      const file = path.join(b, 'orchestra.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('remote: origin', `remote: "--upload-pack=touch ${t.dir}/PWNED;touch PWNED;"`));
      git(b, ['commit', '-q', '-am', 'point sync elsewhere']);
      git(b, ['push', '-q', 'origin', 'main']);
      // Whichever comes first: the refusal, or (as before this was fixed) the command running on a sync round.
      const invalid = /orchestra\.yaml changed but is invalid, keeping the previous config/;
      await waitFor(() => t.pwned(a).length || `${d.stdout()}\n${d.stderr()}`.split('\n').some((l) => invalid.test(l)), { timeoutMs: 60_000, message: 'the refusal (or a PWNED file)' });
      expect(t.pwned(a)).toEqual([]);
      const warned = await d.waitForOutput(invalid);
      expect(warned).toMatch(/sync\.remote: .* is not a valid remote: it starts with "-"/);
      await waitFor(() => readFileSync(path.join(a, 'orchestra.yaml'), 'utf8').includes('--upload-pack'), { timeoutMs: 30_000, message: 'the pulled config on disk' });

      // A trigger after it: a hand-written doubt from the teammate, pulled and answered with the previous config.
      const doubt = '20261201-120000-doubt-which-framework-h0st';
      mkdirSync(path.join(b, '.orchestra', 'docs', 'worker-infra'), { recursive: true });
      writeFileSync(path.join(b, '.orchestra', 'docs', 'worker-infra', `${doubt}.md`), '---\ntype: doubt\ntitle: Which test framework?\n---\nvitest or jest?\n');
      git(b, ['add', '.orchestra']);
      git(b, ['commit', '-q', '-m', 'a doubt']);
      git(b, ['push', '-q', 'origin', 'main']);
      const answer = await waitFor(
        () => {
          git(b, ['pull', '-q', '--ff-only', 'origin', 'main']);
          return docsOnDisk(b).find((x) => x.fm.from === 'daemon' && x.fm.re === doubt);
        },
        { timeoutMs: 60_000, intervalMs: 300, message: 'the answer pushed back with the previous config' },
      );
      expect(answer.body).toContain('Use vitest.');
      expect(d.child.exitCode).toBeNull();
      const said = `${d.stdout()}\n${d.stderr()}`.split('\n').filter((l) => /changed but is invalid/.test(l));
      expect(said).toHaveLength(1);
      expect(t.pwned(a, b, remote)).toEqual([]);
      expect(existsSync(path.join(a, 'PWNED'))).toBe(false);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });
});
