import { CONFIG_FILE } from '../../core/workers.js';
import { Refusal } from '../../errors.js';
import { checkedBranch, configuredBranch, mountedLine, mountOrchestration } from '../../store/orchestration.js';
import { declaresBranchMode, locateWorkspace, mountedGitDir } from '../../store/workspace.js';
import type { Register } from '../context.js';

export const registerAttachCommand: Register = (program, ctx) => {
  program
    .command('attach')
    .description("check out the orchestration branch (from this clone or its remote) as .orchestra/, in a clone of a branch-mode workspace")
    .addHelpText('after', '\nThe first orchestra command in such a clone does this by itself, saying so on stderr.\n\nExamples:\n  $ git clone git@example.com:team/app.git && cd app && orchestra attach')
    .action((_opts, cmd) => {
      const c = ctx(cmd);
      // Not `c.ws`: that would attach on its own before this command could say what it did.
      const ws = locateWorkspace(c.cwd);
      if (!declaresBranchMode(ws.root)) {
        throw new Refusal(`${CONFIG_FILE} has no \`orchestration:\` block: this workspace keeps its docs inline, on the checked-out branch (\`orchestra migrate --to-branch\` moves them to a branch of their own)`);
      }
      const branch = checkedBranch(configuredBranch(ws.root));
      if (mountedGitDir(ws.root)) {
        if (c.json) c.io.out(JSON.stringify({ attached: false, branch, worktree: ws.docsRepo }));
        else c.io.out(`.orchestra/ is already the orchestration worktree (branch ${branch}): nothing to do`);
        return;
      }
      const m = mountOrchestration(ws, branch, { create: false });
      if (c.json) c.io.out(JSON.stringify({ attached: true, branch, how: m.how, from: m.from ?? null, worktree: m.ws.docsRepo }));
      else c.io.out(mountedLine(m));
    });
};
