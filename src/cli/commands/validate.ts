import type { Command } from 'commander';
import pc from 'picocolors';
import { workerNames } from '../../core/config.js';
import { crossCheck } from '../../core/validate.js';
import { EXIT, formatProblem, type Problem } from '../../errors.js';
import { readConfig } from '../../store/config-file.js';
import { readDocs } from '../../store/docs.js';
import type { Register } from '../context.js';
import { safeLine } from '../terminal.js';

export const registerValidateCommand: Register = (program, ctx) => {
  program
    .command('validate')
    .description('check orchestra.yaml and every doc; exit 3 with one line per problem')
    .addHelpText('after', '\nExample:\n  $ orchestra validate --json')
    .action(async (_opts, cmd: Command) => {
      const c = ctx(cmd);
      const ws = c.ws;
      const problems: Problem[] = [];
      const config = readConfig(ws);
      let count = 0;
      if (!config.ok) problems.push(...config.problems);
      else {
        const read = await readDocs(ws, { workers: workerNames(config.config), firstCommitTimes: () => c.git.firstCommitTimes() });
        count = read.docs.length;
        problems.push(...read.problems, ...crossCheck(read.docs));
      }
      if (c.json) c.io.out(JSON.stringify({ ok: problems.length === 0, docs: count, problems }));
      else if (problems.length) {
        for (const p of problems) c.io.out(safeLine(formatProblem(p)));
        const files = new Set(problems.map((p) => p.file)).size;
        c.io.err(pc.red(`✖ ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`));
      } else c.io.out(pc.green(`✔ orchestra.yaml and ${count} doc${count === 1 ? '' : 's'} are valid`));
      if (problems.length) process.exitCode = EXIT.validation;
    });
};
