#!/usr/bin/env node
import { writeSync } from 'node:fs';

const argv = process.argv.slice(2);
// Hooks run at every turn end of an agent: they load their own small module, not the whole CLI.
let at = 0;
while (argv[at] === '-C' || argv[at] === '--as') at += 2;
// `hook stop --help` goes to commander, which explains the hooks.
const isHook = argv[at] === 'hook' && (argv[at + 1] === 'stop' || argv[at + 1] === 'session-start') && !argv.includes('--help') && !argv.includes('-h');

// A reader that goes away (`orchestra --help | head`) is not an error.
const quiet = (stream) =>
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

/**
 * A hook's output, written straight to the file descriptor: setting up `process.stdout` as a stream (a pipe under
 * Claude Code) loads more of Node than the Stop hook's own work. A reader that went away is not an error; a
 * non-blocking pipe that is full goes on through the stream.
 */
const plain = (fd, stream) => {
  let through;
  return (s) => {
    let buf = Buffer.from(`${s}\n`);
    if (through) return void through.write(buf);
    try {
      while (buf.length) buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      if (e.code === 'EPIPE') return;
      if (e.code !== 'EAGAIN') throw e;
      // Everything after goes the same way, so nothing overtakes what waits in the stream.
      through = stream();
      through.write(buf);
    }
  };
};

if (!isHook) for (const stream of [process.stdout, process.stderr]) quiet(stream);
const run = isHook
  ? import('../dist/mcp/hook.js').then((m) => m.runHook(argv, plain(1, () => quiet(process.stdout)), plain(2, () => quiet(process.stderr))))
  : import('../dist/cli/main.js').then((m) => m.main(argv));
run.then((code) => {
  process.exitCode = code;
});
