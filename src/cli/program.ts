import { Command, Option } from 'commander';
import { Ctx, type Io } from './context.js';
import { registerWriteCommands } from './commands/write.js';
import { registerReadCommands } from './commands/read.js';
import { registerLogCommand } from './commands/log.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerInitCommand } from './commands/init.js';
import { registerExtraCommands } from './commands/index.js';

export type Register = (program: Command, ctx: (cmd: Command) => Ctx) => void;

export function buildProgram(io: Io): Command {
  const program = new Command('orchestra')
    .description('Git-native orchestration for teams of AI coding agents: orders, reports, doubts and answers as committed Markdown.')
    .version('0.1.0', '-V, --version')
    .option('-C <dir>', 'run as if started in <dir>')
    .option('--as <identity>', 'act as lead, daemon or a worker (default: $ORCHESTRA_AS, else lead)')
    .option('--json', 'print one JSON value on stdout')
    .option('--debug', 'print stack traces on errors')
    .addOption(new Option('--no-color', 'disable colours (NO_COLOR is honoured too)'))
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 validation failed.

Examples:
  $ orchestra init
  $ orchestra order worker-core "Optimize propagation" --priority high --body "Done when p99 < 5 ms"
  $ orchestra --as worker-core next worker-core
  $ orchestra pending worker-nlp --json`,
    );

  const ctx = (cmd: Command) => new Ctx(cmd, io);
  for (const register of [registerInitCommand, registerWriteCommands, registerReadCommands, registerLogCommand, registerValidateCommand, registerExtraCommands]) {
    register(program, ctx);
  }
  // Every subcommand shares the program's error handling and output.
  for (const cmd of program.commands) cmd.copyInheritedSettings(program);
  return program;
}
