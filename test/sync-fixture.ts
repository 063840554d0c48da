/** Several machines on one: a bare repository and clones of one workspace, with sync set and a short lease. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { git, makeWorkspace, ok, tempDir } from './helpers.js';
import { docsOnDisk, type DiskDoc } from './daemon-fixture.js';

/** Short lease and fast polling, so takeovers and arrivals happen in seconds on a loaded machine. */
export const LEASE_MS = 3_000;
export const SYNC_ENV: NodeJS.ProcessEnv = { ORCHESTRA_SYNC_LEASE_MS: String(LEASE_MS), ORCHESTRA_SYNC_POLL_MS: '200' };

export interface Machines {
  remote: string;
  /** The clones, the first one being where the workspace was made. */
  clones: string[];
}

function identity(dir: string, name: string): void {
  git(dir, ['config', 'user.name', name]);
  git(dir, ['config', 'user.email', `${name.toLowerCase().replace(/\s+/g, '-')}@example.com`]);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  git(dir, ['config', 'core.hooksPath', '/dev/null']);
}

/**
 * A workspace with `sync:` on a bare remote, and `n` clones of it (the first is the original). Inline mode by
 * default (the docs on `main`); in branch mode the remote gets `main` and the orchestration branch, and each clone
 * attaches its `.orchestra/` on its first command.
 */
export async function machines(n = 3, extraConfig = '', mode: 'inline' | 'branch' = 'inline'): Promise<Machines> {
  const remote = path.join(tempDir('orchestra-remote-'), 'team.git');
  git(path.dirname(remote), ['init', '-q', '--bare', '-b', 'main', remote]);
  const a = await makeWorkspace({ workers: 'worker-b,worker-c', mode });
  const file = path.join(a, 'orchestra.yaml');
  const text = readFileSync(file, 'utf8').replace(/\nfaq:\n(?:[ \t]+.*\n|\s*\n)*/, '\n');
  const sync = mode === 'inline' ? 'sync:\n  remote: origin\n  branch: main\n  interval: 2s\n' : 'sync:\n  remote: origin\n  interval: 2s\n';
  writeFileSync(file, `${text.trimEnd()}\nfaq:\n  - match: "framework"\n    answer: "Use vitest."\n${sync}${extraConfig}`);
  git(a, ['commit', '-q', '-m', 'sync config', '--', 'orchestra.yaml']);
  git(a, ['remote', 'add', 'origin', remote]);
  git(a, ['push', '-q', '-u', 'origin', 'main', ...(mode === 'branch' ? ['orchestra'] : [])]);
  const clones = [a];
  for (let i = 1; i < n; i++) {
    const dir = path.join(tempDir('orchestra-clone-'), 'repo');
    git(path.dirname(dir), ['clone', '-q', remote, dir]);
    identity(dir, `Clone ${i}`);
    if (mode === 'branch') await ok(dir, ['attach']);
    clones.push(dir);
  }
  return { remote, clones };
}

/** One `orchestra sync` round in `dir` (what a person runs to catch up). */
export async function syncNow(dir: string): Promise<string> {
  return ok(dir, ['sync'], { env: SYNC_ENV });
}

/**
 * Docs on the remote (read from a throwaway clone): those of its orchestration branch where it has one (branch
 * mode, cloned where `.orchestra/` would be mounted), else of its main branch.
 */
export function remoteDocs(remote: string): DiskDoc[] {
  const dir = path.join(tempDir('orchestra-peek-'), 'peek');
  const branchMode = git(remote, ['for-each-ref', '--format=%(refname)', 'refs/heads/orchestra']).trim() !== '';
  if (branchMode) git(path.dirname(dir), ['clone', '-q', '-b', 'orchestra', remote, path.join(dir, '.orchestra')]);
  else git(path.dirname(dir), ['clone', '-q', remote, dir]);
  return docsOnDisk(dir);
}

export function fsckClean(dir: string): void {
  git(dir, ['fsck', '--no-progress', '--no-dangling']);
}
