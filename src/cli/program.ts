import { Command, Option } from 'commander';
import { Ctx, type Io } from './context.js';
import { COMMANDS } from './commands/index.js';
import { safeBlock } from './terminal.js';

const VALUE_OPTIONS = new Set(['-C', '--as']);

/** The command named on the command line (skipping global options), if any. */
export function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  return undefined;
}

/**
 * Builds the program. Only the module of the command being run is loaded (all of them for help or an unknown
 * command), so `orchestra order` does not pay for the dashboard, the daemon or the Anthropic SDK.
 */
export async function buildProgram(io: Io, argv: string[] = []): Promise<Command> {
  const program = new Command('orchestra')
    .description('Git-native orchestration for teams of AI coding agents: orders, reports, doubts and answers as committed Markdown.')
    .version('0.1.0', '-V, --version')
    .option('-C <dir>', 'run as if started in <dir>')
    .option('--as <identity>', 'act as lead, daemon or a worker (default: $ORCHESTRA_AS, else lead)')
    .option('--json', 'print one JSON value on stdout')
    .option('--debug', 'print stack traces on errors')
    .addOption(new Option('--no-color', 'disable colours (NO_COLOR is honoured too)'))
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(safeBlock(s.replace(/\n$/, ''))) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 validation failed, 4 wait timed out.

Examples:
  $ orchestra init
  $ orchestra order worker-core "Optimize propagation" --priority high --body "Done when p99 < 5 ms"
  $ orchestra --as worker-core next worker-core
  $ orchestra pending worker-nlp --json`,
    );

  const ctx = (cmd: Command) => new Ctx(cmd, io);
  const name = commandName(argv);
  const wanted = COMMANDS.filter((c) => name !== undefined && c.names.includes(name));
  for (const entry of wanted.length ? wanted : COMMANDS) (await entry.load())(program, ctx);
  // Every subcommand shares the program's error handling and output.
  for (const cmd of program.commands) cmd.copyInheritedSettings(program);
  return program;
}
