/**
 * The docs staged for the commit being made, as the pre-commit hook (`orchestra hook install`) validates them: read
 * from git's index, not the working tree, so what is checked is what will be committed (a file staged and then
 * edited again is checked as staged). A hook runs with `GIT_INDEX_FILE` pointing at the index of this commit
 * (`git commit -a`, `git commit <paths>` use a temporary one); the git layer never passes that variable on, so
 * this module passes it explicitly, to these read-only queries only.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Doc } from '../core/doc.js';
import type { Problem } from '../errors.js';
import { entryProblem, parseDocBytes } from './docs.js';
import { GIT_CONFIG, cleanEnv } from './git/exec.js';
import { DOC_PATHSPECS } from './git/history.js';

function gitIndexed(cwd: string, args: string[], indexFile: string | undefined): Promise<Buffer> {
  const env = cleanEnv();
  if (indexFile) env.GIT_INDEX_FILE = path.resolve(cwd, indexFile);
  return new Promise((resolve, reject) => {
    execFile('git', [...GIT_CONFIG.flatMap((c) => ['-c', c]), ...args], { cwd, env, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stderr.toString() || err.message}`.trim()));
      else resolve(stdout);
    });
  });
}

export interface StagedDocs {
  /** Workspace-relative paths of the staged doc files (added or modified). */
  paths: string[];
  docs: Doc[];
  problems: Problem[];
}

/** The doc files staged in `worktree`'s index (or `indexFile`), parsed from their staged content. */
export async function readStagedDocs(worktree: string, workers: ReadonlySet<string>, indexFile?: string): Promise<StagedDocs> {
  const listed = await gitIndexed(worktree, ['diff', '--cached', '--name-only', '-z', '--no-renames', '--diff-filter=d', '--', ...DOC_PATHSPECS], indexFile);
  const paths = listed.toString('utf8').split('\0').filter((p) => p.endsWith('.md'));
  const docs: Doc[] = [];
  const problems: Problem[] = [];
  for (const relPath of paths) {
    const m = /^\.orchestra\/(docs|archive)\/(?:([^/]+)\/)?([^/]+)$/.exec(relPath);
    if (!m) continue; // deeper than a worker folder: readDocs does not read it either
    const [, folder, worker, file] = m;
    if (!worker) {
      problems.push({ file: relPath, field: '-', message: 'is not in a worker folder: move it to .orchestra/docs/<worker>/' });
      continue;
    }
    if (!workers.has(worker)) {
      problems.push({ file: relPath, field: '-', message: `is in the folder of unknown worker "${worker}": declare the worker in orchestra.yaml or move the doc` });
      continue;
    }
    // A symbolic link is staged as mode 120000: refused like one on disk.
    const mode = (await gitIndexed(worktree, ['ls-files', '-s', '-z', '--', relPath], indexFile)).toString('utf8').split(' ')[0];
    const refused = entryProblem(relPath, file, mode === '120000');
    if (refused) {
      problems.push(refused);
      continue;
    }
    const bytes = await gitIndexed(worktree, ['cat-file', 'blob', `:${relPath}`], indexFile);
    const r = parseDocBytes({ relPath, worker, id: file.slice(0, -3), archived: folder === 'archive' }, bytes, workers, new Date().toISOString());
    problems.push(...r.problems);
    if (r.doc) docs.push(r.doc);
  }
  return { paths, docs, problems };
}
