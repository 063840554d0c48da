import type { Command } from 'commander';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { errorAnnotation, problemLine } from '../../core/annotations.js';
import { workerNames } from '../../core/config.js';
import type { Doc } from '../../core/doc.js';
import { revisionProblem } from '../../core/refname.js';
import { crossCheck } from '../../core/validate.js';
import { EXIT, UsageError, formatProblem, type Problem } from '../../errors.js';
import { readBounded } from '../../store/bounded-read.js';
import { readConfig } from '../../store/config-file.js';
import { readDocs } from '../../store/docs.js';
import { MAX_DOC_BYTES } from '../../store/frontmatter.js';
import { changedDocPaths, unknownRevision } from '../../store/git/history.js';
import { readStagedDocs } from '../../store/staged.js';
import { rel } from '../../store/workspace.js';
import type { Ctx, Register } from '../context.js';
import { safeLine } from '../terminal.js';

const HELP = `
--changed <base> checks orchestra.yaml and only the docs that differ from <base> (since where <base> and HEAD
meet, as a pull request's diff; uncommitted and untracked docs count as changed): a CI gate for a pull request.
--staged checks the docs staged for the next commit, as staged: the pre-commit hook of \`orchestra hook install\`.
Every doc is still read, so references to unchanged docs resolve. Under GitHub Actions (GITHUB_ACTIONS=true)
each problem is also printed as an ::error file=…,line=…:: annotation, shown on the pull request's diff.

Examples:
  $ orchestra validate --json
  $ orchestra validate --changed origin/main`;

/** The text of a problem's file, for its line number: never through a link, never over the doc size limit. */
function fileText(root: string, file: string): string | undefined {
  try {
    const abs = path.join(root, file);
    if (!lstatSync(abs).isFile()) return undefined;
    const read = readBounded(abs, MAX_DOC_BYTES);
    return read.over ? undefined : read.bytes.toString('utf8');
  } catch {
    return undefined;
  }
}

/** The docs to check: every doc on disk, with the staged content in place of the files staged (`--staged`). */
async function readAll(c: Ctx, workers: ReadonlySet<string>, staged: boolean): Promise<{ docs: Doc[]; problems: Problem[]; only?: Set<string> }> {
  const read = await readDocs(c.ws, { workers, firstCommitTimes: () => c.git.firstCommitTimes() });
  if (!staged) return read;
  const s = await readStagedDocs(c.ws.worktree ?? c.ws.root, workers, process.env.GIT_INDEX_FILE);
  const only = new Set(s.paths);
  return {
    docs: [...read.docs.filter((d) => !only.has(d.path)), ...s.docs],
    problems: [...read.problems.filter((p) => !only.has(p.file)), ...s.problems],
    only,
  };
}

export const registerValidateCommand: Register = (program, ctx) => {
  program
    .command('validate')
    .description('check orchestra.yaml and every doc (or only changed or staged ones); exit 3 with one line per problem')
    .option('--changed <base>', 'check only the docs changed since <base> (a branch, tag or commit), plus orchestra.yaml')
    .option('--staged', 'check the docs staged for the next commit, as staged (what the pre-commit hook runs)')
    .addHelpText('after', HELP)
    .action(async (opts: { changed?: string; staged?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      const ws = c.ws;
      if (opts.changed !== undefined && opts.staged) throw new UsageError('give either --changed <base> or --staged, not both');
      let only: Set<string> | undefined;
      if (opts.changed !== undefined) {
        const bad = revisionProblem(opts.changed);
        if (bad) throw new UsageError(`--changed "${safeLine(opts.changed.slice(0, 80))}" ${bad}: give a branch, tag or commit, like origin/main`);
        if (await unknownRevision(c.git, [opts.changed])) {
          throw new UsageError(`--changed "${opts.changed}" names no commit in this repository: fetch it first (in CI: actions/checkout with fetch-depth: 0)`);
        }
        only = new Set(await changedDocPaths(c.git, opts.changed));
      }
      let problems: Problem[] = [];
      const config = readConfig(ws);
      let count = 0;
      if (!config.ok) problems.push(...config.problems);
      else {
        const read = await readAll(c, workerNames(config.config), !!opts.staged);
        only ??= read.only;
        count = only ? only.size : read.docs.length;
        problems.push(...read.problems, ...crossCheck(read.docs));
      }
      const configFile = rel(ws, ws.configPath);
      if (only) problems = problems.filter((p) => p.file === configFile || only.has(p.file));
      const what = only ? `changed doc${count === 1 ? '' : 's'}` : `doc${count === 1 ? '' : 's'}`;
      if (c.json) c.io.out(JSON.stringify({ ok: problems.length === 0, docs: count, ...(only ? { checked: [...only] } : {}), problems }));
      else if (problems.length) {
        for (const p of problems) c.io.out(safeLine(formatProblem(p)));
        if (process.env.GITHUB_ACTIONS === 'true') for (const p of problems) c.io.out(safeLine(errorAnnotation(p, problemLine(fileText(ws.root, p.file), p))));
        const files = new Set(problems.map((p) => p.file)).size;
        c.io.err(pc.red(`✖ ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`));
      } else c.io.out(pc.green(`✔ orchestra.yaml and ${count} ${what} are valid`));
      if (problems.length) process.exitCode = EXIT.validation;
    });
};
