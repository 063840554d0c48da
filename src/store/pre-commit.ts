/**
 * `orchestra hook install`: a git pre-commit hook that validates the docs staged in a worktree. It goes where git
 * will look for it (`git rev-parse --git-path hooks` from that worktree honours `core.hooksPath`), never replaces a
 * hook it did not write unless told to chain it, and rewriting its own is harmless. orchestra's own commits run
 * with hooks off (git/exec.ts NO_HOOKS), so the hook guards what people and agents commit, not orchestra itself.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OrchestraError } from '../errors.js';
import { cleanEnv } from './git/exec.js';

/** The line that marks a hook as orchestra's. */
export const HOOK_MARK = '# orchestra pre-commit hook';
/** Where `--chain` keeps the hook that was there, which orchestra's then runs first. */
export const CHAINED_NAME = 'pre-commit.before-orchestra';

export interface HookInstall {
  path: string;
  /** installed: new; updated: ours, rewritten; chained: the existing hook kept as CHAINED_NAME and run first. */
  action: 'installed' | 'updated' | 'chained';
}

/** Single-quoted for sh. */
function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The hooks folder git uses for commits in `worktree`. Asked without orchestra's own `core.hooksPath=/dev/null`,
 * so the user's setting is the one read.
 */
export function hooksDir(worktree: string): string {
  const out = execFileSync('git', ['rev-parse', '--git-path', 'hooks'], { cwd: worktree, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return path.resolve(worktree, out.trim());
}

export function hookScript(command: readonly string[], chained: boolean): string {
  return [
    '#!/bin/sh',
    `${HOOK_MARK}: validates the docs staged for this commit (written by \`orchestra hook install\`).`,
    '# Skip it once with `git commit --no-verify`.',
    ...(chained ? [`"$(dirname "$0")/${CHAINED_NAME}" "$@" || exit $?`] : []),
    `exec ${command.map(sh).join(' ')} validate --staged`,
    '',
  ].join('\n');
}

/**
 * Installs the pre-commit hook guarding commits in `worktree` (for an inline workspace the repository's checkout;
 * in branch mode the orchestration worktree). `command` runs orchestra (node and its bin). A hook that is not ours
 * is refused, unless `chain`: then it is kept beside ours and run first.
 */
export function installPreCommitHook(worktree: string, command: readonly string[], opts: { chain?: boolean } = {}): HookInstall {
  const dir = hooksDir(worktree);
  if (dir === '/dev/null' || dir.startsWith('/dev/')) {
    throw new OrchestraError(`git's core.hooksPath is ${dir} here, which turns every hook off: unset it (\`git config --unset core.hooksPath\`) or point it at a folder, then run this again`);
  }
  const file = path.join(dir, 'pre-commit');
  let existing: string | undefined;
  if (existsSync(file) || isLink(file)) {
    existing = lstatSync(file).isFile() ? readFileSync(file, 'utf8') : '';
  }
  const ours = existing?.includes(HOOK_MARK) ?? false;
  if (existing !== undefined && !ours && !opts.chain) {
    throw new OrchestraError(`${file} already exists and is not orchestra's: run \`orchestra hook install --chain\` to keep it and run it before orchestra's check, or call \`orchestra validate --staged\` from it yourself`);
  }
  mkdirSync(dir, { recursive: true });
  const chained = (existing !== undefined && !ours) || (ours && existsSync(path.join(dir, CHAINED_NAME)));
  if (existing !== undefined && !ours) {
    const keep = path.join(dir, CHAINED_NAME);
    if (existsSync(keep)) throw new OrchestraError(`${keep} already exists: move it away, then run this again`);
    renameSync(file, keep);
  }
  const tmp = `${file}.orchestra-${process.pid}.tmp`;
  writeFileSync(tmp, hookScript(command, chained), { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, file);
  return { path: file, action: existing === undefined ? 'installed' : ours ? 'updated' : 'chained' };
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
