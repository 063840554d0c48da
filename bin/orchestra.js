#!/usr/bin/env node

// A reader that goes away (`orchestra --help | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const argv = process.argv.slice(2);
// Hooks run at every turn end of an agent: they load their own small module, not the whole CLI.
let at = 0;
while (argv[at] === '-C' || argv[at] === '--as') at += 2;
const isHook = argv[at] === 'hook' && (argv[at + 1] === 'stop' || argv[at + 1] === 'session-start') && !argv.includes('--help') && !argv.includes('-h');
const run = isHook
  ? import('../dist/mcp/hook.js').then((m) => m.runHook(argv, (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`)))
  : import('../dist/cli/main.js').then((m) => m.main(argv));
run.then((code) => {
  process.exitCode = code;
});
