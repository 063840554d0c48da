import type { Command } from 'commander';
import pc from 'picocolors';
import { conflictJson, conflictsOf, describeChange, type Conflict } from '../../core/conflicts.js';
import { collectBranchChanges } from '../../store/changes.js';
import { refreshHealth } from '../../store/health.js';
import type { Register } from '../context.js';
import { safeLine } from '../terminal.js';

export function conflictLines(c: Conflict): string[] {
  const head =
    c.kind === 'overlap'
      ? `${pc.red('overlap')}  ${pc.bold(safeLine(c.file))}  ${c.workers.join(' × ')}`
      : `${pc.yellow('scope')}    ${pc.bold(safeLine(c.file))}  ${c.workers[0]} outside its scope${c.workers[1] ? ` (${c.workers[1]}'s)` : ''}`;
  // File names and refs come from git: anyone with push access chooses them.
  return [head, ...c.changes.map((x) => `  ${x.worker.padEnd(14)} ${pc.dim(safeLine(describeChange(x)))}`)];
}

export const registerConflictsCommand: Register = (program, ctx) => {
  program
    .command('conflicts')
    .description("files in two workers' current changes, and changes outside a worker's scope")
    .option('--worker <w>', 'only the conflicts that name this worker')
    .addHelpText(
      'after',
      `
A worker's current changes are: commits on its branch not yet on the main branch, uncommitted changes in a
worktree that has its branch checked out, and commits carrying its Orchestra-Actor trailer made while it had
an order in progress. Files under .orchestra/ never conflict. Each conflict found is recorded as an alert
once (see \`orchestra status\`) and counted in \`orchestra metrics\`.

Example:
  $ orchestra conflicts --json`,
    )
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      if (opts.worker) c.requireWorker(opts.worker);
      const branchChanges = collectBranchChanges(c.git, c.config);
      branchChanges.catch(() => undefined);
      const loaded = await c.load();
      const { conflicts: all } = await refreshHealth(loaded, new Date(), { branchChanges });
      const conflicts = opts.worker ? conflictsOf(opts.worker, all) : all;
      if (c.json) {
        c.io.out(JSON.stringify(conflicts.map(conflictJson)));
        return;
      }
      if (!conflicts.length) {
        c.io.out('no conflicts');
        return;
      }
      c.io.out(pc.bold(`${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}`));
      for (const x of conflicts) c.io.out(conflictLines(x).join('\n'));
    });
};
