/**
 * Orchestra's writers note the paths they commit in `<git dir>/orchestra-committed` (under the write lock), so the
 * daemon knows a CLI-written trigger is committed without asking `git status` on its hot path. Only a hint: a path
 * not listed is checked with git. Kept short: past 256 KB only the newest half is kept.
 */
import { appendFileSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MAX_BYTES = 256 * 1024;

export function journalPath(gitDir: string): string {
  return path.join(gitDir, 'orchestra-committed');
}

export function noteCommitted(file: string, paths: readonly string[]): void {
  if (!paths.length) return;
  try {
    appendFileSync(file, `${paths.join('\n')}\n`);
    if (statSync(file).size > MAX_BYTES) {
      const lines = readFileSync(file, 'utf8').split('\n');
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, lines.slice(Math.floor(lines.length / 2)).join('\n'));
      renameSync(tmp, file);
    }
  } catch {
    /* a hint only: the daemon falls back to git status */
  }
}

export function recentlyCommitted(file: string): Set<string> {
  try {
    return new Set(readFileSync(file, 'utf8').split('\n'));
  } catch {
    return new Set();
  }
}
