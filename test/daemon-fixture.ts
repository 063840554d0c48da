/** Shared by the daemon's tests: start the real daemon, and read what is on disk and in git. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { docsRepo, git, ogit, spawnCli, waitFor, type LongRunning } from './helpers.js';

export interface DiskDoc {
  id: string;
  path: string;
  fm: Record<string, string>;
  body: string;
}

/** Spawns `orchestra daemon` and waits until its watcher is live. */
export async function startDaemonCli(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<LongRunning> {
  const d = spawnCli(dir, ['daemon', ...args], { env });
  await d.waitForOutput(/re-scan \(watcher ready\)/, 60_000);
  return d;
}

/** Every doc file under `.orchestra/<folder>/`, with its frontmatter read as plain `key: value` lines. */
export function docsOnDisk(dir: string, folder: 'docs' | 'archive' = 'docs'): DiskDoc[] {
  const base = path.join(dir, '.orchestra', folder);
  if (!existsSync(base)) return [];
  const out: DiskDoc[] = [];
  for (const w of readdirSync(base)) {
    const wdir = path.join(base, w);
    let names: string[];
    try {
      names = readdirSync(wdir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (!n.endsWith('.md') || n.startsWith('.')) continue;
      const text = readFileSync(path.join(wdir, n), 'utf8');
      const m = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(text);
      const fm: Record<string, string> = {};
      for (const line of (m?.[1] ?? '').split('\n')) {
        const kv = /^([a-z_]+):\s*(.*)$/.exec(line);
        if (kv) fm[kv[1]] = kv[2].replace(/^["']|["']$/g, '');
      }
      out.push({ id: n.slice(0, -3), path: `.orchestra/${folder}/${w}/${n}`, fm, body: (m?.[2] ?? '').trim() });
    }
  }
  return out;
}

/** Daemon docs that answer `id`. */
export function reactionsTo(dir: string, id: string): DiskDoc[] {
  return docsOnDisk(dir).filter((d) => d.fm.from === 'daemon' && d.fm.re === id);
}

/** Waits for exactly one reaction to `id` and returns it. */
export async function reactionOf(dir: string, id: string, timeoutMs = 30_000): Promise<DiskDoc> {
  const list = await waitFor(() => {
    const r = reactionsTo(dir, id);
    return r.length ? r : undefined;
  }, { timeoutMs, message: `a reaction to ${id}` });
  return list[0];
}

/**
 * `git status --porcelain` of the working tree (the state folder is git-ignored), and in branch mode of the
 * orchestration worktree too (the main checkout ignores it).
 */
export function porcelain(dir: string): string {
  const main = git(dir, ['status', '--porcelain', '--untracked-files=all']).trim();
  if (docsRepo(dir) === dir) return main;
  return [main, ogit(dir, ['status', '--porcelain', '--untracked-files=all']).trim()].filter(Boolean).join('\n');
}

/** True once `file` is committed (tracked and equal to HEAD) where orchestra commits. */
export function isCommitted(dir: string, file: string): boolean {
  try {
    ogit(dir, ['ls-files', '--error-unmatch', '--', file]);
  } catch {
    return false;
  }
  return ogit(dir, ['status', '--porcelain', '--', file]).trim() === '';
}

export function alertsOf(dir: string): { kind: string; message: string; doc?: string; key?: string }[] {
  const file = path.join(dir, '.orchestra', 'state', 'alerts.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .filter((a) => !('resolve' in a));
}

/** Adds a faq entry (and optionally sync) to orchestra.yaml and commits it. */
export function configure(dir: string, extra: string): void {
  const file = path.join(dir, 'orchestra.yaml');
  let text = readFileSync(file, 'utf8');
  // init writes a faq of its own: replace it, so the test's entries are the only ones.
  text = text.replace(/\nfaq:\n(?:[ \t]+.*\n|\s*\n)*/, '\n');
  writeFileSync(file, `${text.trimEnd()}\n${extra}\n`);
  git(dir, ['commit', '-q', '-m', 'test config', '--', 'orchestra.yaml']);
}
