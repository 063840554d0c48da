/**
 * A rebase or merge that stopped on conflicts: docs whose two sides differ only in an order's status are resolved
 * by the merge rule (core/sync-merge.ts) and the operation goes on; anything else aborts it cleanly, so the
 * worktree is never left half-rebased.
 */
import { mergeStatusConflict } from '../../core/sync-merge.js';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Git } from '../git.js';

async function conflicted(git: Git): Promise<string[]> {
  const out = await git.exec(['diff', '--name-only', '--diff-filter=U', '-z']).catch(() => '');
  return out.split('\0').filter(Boolean);
}

async function stage(git: Git, n: 2 | 3, file: string): Promise<string | undefined> {
  return git.exec(['cat-file', 'blob', `:${n}:${file}`]).catch(() => undefined);
}

/** Whether a rebase is in progress (asked of git: a linked worktree keeps it in its own git dir). */
async function rebasing(git: Git): Promise<boolean> {
  for (const p of ['rebase-merge', 'rebase-apply']) {
    const at = (await git.exec(['rev-parse', '--git-path', p])).trim();
    if (existsSync(path.resolve(git.cwd, at))) return true;
  }
  return false;
}

/**
 * Continues the rebase; true once it is finished, false when a later commit stopped on a conflict of its own. A
 * commit the rule made empty (the remote's side won whole) is skipped.
 */
async function advance(git: Git): Promise<boolean> {
  let cmd: 'continue' | 'skip' = 'continue';
  for (let i = 0; i < 1000; i++) {
    let failed: unknown;
    await git.exec(['-c', 'core.editor=true', 'rebase', `--${cmd}`]).catch((e: unknown) => (failed = e));
    if (!(await rebasing(git))) {
      if (failed) throw failed;
      return true;
    }
    if ((await conflicted(git)).length) return false;
    // Stopped with nothing conflicted: the commit in hand has nothing left to apply.
    if (cmd === 'skip' && failed) throw failed;
    cmd = 'skip';
  }
  throw new Error('the rebase did not finish');
}

/**
 * Resolves what the rule covers, then continues `op`; loops while later commits stop again (bounded). Returns the
 * paths it resolved, or throws (after aborting `op`) naming the first conflict the rule does not cover.
 */
export async function resolveByRule(git: Git, op: 'rebase' | 'merge'): Promise<string[]> {
  const resolved: string[] = [];
  try {
    for (let step = 0; step < 1000; step++) {
      const files = await conflicted(git);
      if (!files.length) throw new Error(`${op} stopped with no conflicted file`);
      for (const f of files) {
        // Upstream is stage 2 during a rebase (the commit being replayed is 3); in a merge, ours (2) is this clone.
        const two = await stage(git, 2, f);
        const three = await stage(git, 3, f);
        const isDoc = /^\.orchestra\/(docs|archive)\/[^/]+\/[^/]+\.md$/.test(f) || /^(docs|archive)\/[^/]+\/[^/]+\.md$/.test(f);
        const text = isDoc && two !== undefined && three !== undefined ? (op === 'rebase' ? mergeStatusConflict(two, three) : mergeStatusConflict(three, two)) : undefined;
        if (text === undefined) throw new Error(`${f} changed on both sides in a way the merge rule does not cover`);
        writeFileSync(path.join(git.cwd, f), text);
        await git.exec(['add', '--', f]);
        resolved.push(f);
      }
      if (op === 'merge') {
        await git.exec(['-c', 'core.editor=true', 'commit', '--no-edit', '--quiet']);
        return resolved;
      }
      if (await advance(git)) return resolved;
    }
    throw new Error('too many conflicted steps');
  } catch (e) {
    await git.exec([op, '--abort']).catch(() => undefined);
    throw e;
  }
}
