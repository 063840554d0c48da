import { DEFAULT_ORCHESTRATION_BRANCH } from '../../core/workers.js';
import { runningDaemon } from '../../daemon/pid-lock.js';
import { Refusal, UsageError } from '../../errors.js';
import { migrateToBranch } from '../../store/migrate.js';
import type { Register } from '../context.js';

export const registerMigrateCommand: Register = (program, ctx) => {
  program
    .command('migrate')
    .description('move an inline workspace to branch mode: docs, archive and prompts onto a branch of their own, in two commits')
    .option('--to-branch', 'move the docs to the orchestration branch (the only migration there is)')
    .option('--branch <name>', 'the orchestration branch to make', DEFAULT_ORCHESTRATION_BRANCH)
    .addHelpText('after', '\nStop the daemon first. Nothing is lost: ids and creation dates stay, uncommitted docs and local state move along.\n\nExamples:\n  $ orchestra migrate --to-branch\n  $ orchestra migrate --to-branch --branch team/orchestration')
    .action(async (opts, cmd) => {
      const c = ctx(cmd);
      if (!opts.toBranch) throw new UsageError('say where to: `orchestra migrate --to-branch`');
      const daemon = runningDaemon(c.ws);
      if (daemon) throw new Refusal(`a daemon (pid ${daemon.pid}) is running on this workspace: stop it first (Ctrl-C in its terminal, or \`kill ${daemon.pid}\`), then migrate`);
      const m = await migrateToBranch(c.ws, opts.branch);
      if (c.json) {
        c.io.out(JSON.stringify({ branch: m.branch, commit: m.commit, files: m.files, dated: m.dated, codeCommit: m.codeCommit, userBranch: m.userBranch, carried: m.carried }));
        return;
      }
      c.io.out(`Moved ${m.files} files (docs, archive, prompts) to branch ${m.branch} (commit ${m.commit}), checked out at .orchestra/; \`git log ${m.branch}\` is the timeline from now on.`);
      if (m.dated) c.io.out(`${m.dated} hand-written doc${m.dated === 1 ? '' : 's'} got the date of ${m.dated === 1 ? 'its' : 'their'} first commit as created:, so every date stays.`);
      c.io.out(`Committed on your branch ${m.userBranch} (commit ${m.codeCommit}): .orchestra/ removed, orchestration: added to orchestra.yaml, .orchestra/ ignored.`);
      if (m.carried) c.io.out(`Carried over uncommitted: ${m.carried} path${m.carried === 1 ? '' : 's'} (local state, docs not committed yet).`);
    });
};
