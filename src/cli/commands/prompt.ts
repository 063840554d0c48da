import type { Command } from 'commander';
import type { Register } from '../context.js';
import { safeBlock } from '../terminal.js';

export const registerPromptCommand: Register = (program, ctx) => {
  program
    .command('prompt')
    .description("print a worker's briefing: the lead's words, what the config says, its inbox and the loop")
    .argument('<worker>', 'worker name')
    .option('--short', 'the short briefing a session-start hook prints')
    .addHelpText('after', '\nExample:\n  $ claude "$(orchestra prompt worker-core)"')
    .action(async (worker: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      const { openSession, briefing } = await import('../../mcp/ops.js');
      // Order titles in the inbox part are anyone's text: escaped for the terminal.
      c.io.out(safeBlock(await briefing(openSession(c.cwd, worker), worker, opts.short ? 'short' : 'full')));
    });
};
