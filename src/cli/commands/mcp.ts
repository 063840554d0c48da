import type { Command } from 'commander';
import type { Register } from '../context.js';

export const registerMcpCommand: Register = (program, ctx) => {
  program
    .command('mcp')
    .description('MCP server over stdio for an agent: worker tools with --as <worker>, the lead\'s with --as lead')
    .addHelpText('after', '\nIdentity is fixed at launch (--as, else $ORCHESTRA_AS, else lead).\n\nExample (.mcp.json):\n  {"mcpServers": {"orchestra": {"command": "orchestra", "args": ["mcp", "--as", "worker-core"]}}}')
    .action(async (_opts, cmd: Command) => {
      const c = ctx(cmd);
      const { openSession } = await import('../../mcp/ops.js');
      const { serveStdio } = await import('../../mcp/server.js');
      const session = openSession(c.cwd, c.globals.as ?? process.env.ORCHESTRA_AS ?? 'lead');
      // stdout is the protocol: anything else goes to stderr.
      await serveStdio(session, (m) => c.io.err(`orchestra mcp: ${m}`));
    });
};
