import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import type { Register } from '../context.js';
import { safeLine } from '../terminal.js';

const INPUT = `
Claude Code runs these at each session start and turn end (orchestra launch writes them into
.claude/settings.local.json). The stop hook reads the hook's JSON on stdin (session_id, stop_hook_active) and
prints {"decision":"block","reason":"..."} when a ready order or an unread answer waits that this session was not
yet told of; otherwise nothing. Both exit 1 with one line on an error (exit 2 would mean "block" to Claude Code).`;

/**
 * `hook stop` and `hook session-start` normally never reach commander: bin/orchestra.js sends them straight to
 * their small module (they run at every turn end). They are registered here so that `orchestra --help` lists
 * them and `orchestra hook --help` explains them; a call that does reach this goes to the same module.
 */
export const registerHookCommand: Register = (program, ctx) => {
  const hook = program
    .command('hook')
    .description("agent hooks (a worker's briefing at session start, new work at each turn end) and the git pre-commit hook")
    .addHelpText('after', INPUT);
  hook
    .command('install')
    .description('add a git pre-commit hook that refuses a commit whose staged docs are invalid (`orchestra validate --staged`)')
    .option('--chain', 'keep an existing pre-commit hook (as pre-commit.before-orchestra) and run it first')
    .addHelpText(
      'after',
      `
The hook goes where git looks for hooks (core.hooksPath when set). An existing hook that is not orchestra's is never
replaced: the command refuses, or with --chain keeps it and runs it before the check. Running it again updates
orchestra's hook. Skip the check once with \`git commit --no-verify\`.

Example:
  $ orchestra hook install`,
    )
    .action(async (opts: { chain?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      const { installPreCommitHook } = await import('../../store/pre-commit.js');
      const bin = fileURLToPath(new URL('../../../bin/orchestra.js', import.meta.url));
      // The worktree whose commits it guards: for an inline workspace, the checkout the command runs in.
      const done = installPreCommitHook(c.ws.worktree ?? c.ws.root, [process.execPath, bin], { chain: opts.chain });
      const what = { installed: 'installed', updated: 'updated', chained: 'installed, running the existing hook first' }[done.action];
      c.io.out(safeLine(`pre-commit hook ${what}: ${done.path}`));
    });
  for (const [kind, what] of [
    ['session-start', 'print the short briefing of the worker (--as W): who it is, its inbox, the few commands'],
    ['stop', 'read the hook JSON on stdin; print a block decision when new work waits for this session'],
  ] as const) {
    hook
      .command(kind)
      .description(what)
      .addHelpText('after', `\nExample:\n  $ orchestra hook ${kind} --as worker-core${kind === 'stop' ? ` <<< '{"session_id":"s1","stop_hook_active":false}'` : ''}`)
      .action(async (_opts, cmd: Command) => {
        const c = ctx(cmd);
        const { runHook } = await import('../../mcp/hook.js');
        process.exitCode = await runHook(['-C', c.cwd, '--as', c.identity, 'hook', kind], (s) => c.io.out(s), (s) => c.io.err(s));
      });
  }
};
