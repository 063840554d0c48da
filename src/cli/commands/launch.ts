import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { Register } from '../context.js';

export const registerLaunchCommand: Register = (program, ctx) => {
  program
    .command('launch')
    .description("start a worker's agent in its own worktree, with its git identity, orchestra's MCP server and hooks")
    .argument('<worker>', 'worker name')
    .argument('[command...]', 'after --: the agent command to run instead of claude or codex')
    .option('--agent <kind>', 'claude | codex', 'claude')
    .option('--worktree <path>', 'where to create the worktree (default: beside the repository, <repo>-<worker>)')
    .option('--no-start', 'prepare the worktree and configuration only; print the worktree path')
    .addHelpText(
      'after',
      `
Writes .mcp.json and .claude/settings.local.json (or .codex/config.toml with --agent codex) in the worktree,
git-ignored, never committed. The agent gets ORCHESTRA_AS, ORCHESTRA_WORKSPACE and ORCHESTRA_BRIEFING.

Examples:
  $ orchestra launch worker-core
  $ orchestra launch worker-infra --agent codex
  $ orchestra launch worker-nlp -- aider --message "$(orchestra prompt worker-nlp)"`,
    )
    .action(async (worker: string, command: string[], opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      if (opts.agent !== 'claude' && opts.agent !== 'codex') throw new UsageError(`--agent "${opts.agent}" is not known: use claude or codex (or give a command after --)`);
      const { openSession, briefing } = await import('../../mcp/ops.js');
      const { prepareWorktree, writeAgentConfig, agentCommand, startAgent } = await import('../../mcp/launch.js');
      const s = openSession(c.cwd, worker);
      const plan = await prepareWorktree(s, worker, { worktree: opts.worktree });
      const written = writeAgentConfig(plan, opts.agent, c.ws.gitDir);
      c.io.err(`${plan.created ? 'created' : 'reusing'} ${plan.worktree} on branch ${plan.branch}; wrote ${written.join(', ')} (not committed)`);
      if (!opts.start) {
        c.io.out(plan.worktree);
        return;
      }
      const text = await briefing(s, worker, 'full');
      const code = await startAgent(s, plan, command.length ? command : agentCommand(opts.agent, text), text);
      if (code !== 0) process.exitCode = 1;
    });
};
