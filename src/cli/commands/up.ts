import type { Command } from 'commander';
import { execFile, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { OrchestraError, UsageError } from '../../errors.js';
import { openJsonLog } from '../../store/jsonlog.js';
import type { Workspace } from '../../store/workspace.js';
import type { Register } from '../context.js';
import { safeLine } from '../terminal.js';
import { BRAIN_KINDS, type BrainKind } from '../../core/workers.js';
import { portOption } from '../options.js';
import { handleStopSignals } from '../signals.js';

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * How a person runs this same orchestra from a shell: `orchestra` when that name on PATH is this program,
 * `npx orchestra` when we were started by npx, else node with this script's absolute path.
 */
export function selfCommand(env: NodeJS.ProcessEnv = process.env, script = process.argv[1]): string {
  const me = real(script);
  if (env.npm_command === 'exec') return 'npx orchestra';
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'orchestra');
    if (existsSync(candidate) && real(candidate) === me) return 'orchestra';
  }
  return `${quote(process.execPath)} ${quote(me)}`;
}

/** The command that opens a worker's watchdog, with `-C <root>` unless the shell is already inside the workspace. */
export function watchCommand(self: string, ws: Workspace, worker: string, cwd = process.cwd()): string {
  const inside = !path.relative(real(ws.root), real(cwd)).startsWith('..') && !path.isAbsolute(path.relative(real(ws.root), real(cwd)));
  return `${self}${inside ? '' : ` -C ${quote(ws.root)}`} watch ${worker}`;
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 15_000 }, (e, out, err) => {
      const code = e ? (typeof (e as NodeJS.ErrnoException).code === 'number' ? ((e as unknown as { code: number }).code) : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 1) : 0;
      resolve({ code, out: out ?? '', err: (err ?? '').trim() });
    });
  });
}

/** A tmux session name from the workspace folder (tmux refuses `.` and `:` in names). */
export function tmuxSessionName(ws: Workspace): string {
  return `orchestra-${path.basename(ws.root).replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 60);
}

async function openTmux(ws: Workspace, workers: string[], upArgs: string[], io: { out: (s: string) => void }, agents = false): Promise<void> {
  const version = await run('tmux', ['-V']);
  if (version.code !== 0) {
    throw new OrchestraError('tmux is not installed (or not on PATH): install it (`apt-get install tmux`, `brew install tmux`), or run `orchestra up` and open each watchdog in a terminal of its own');
  }
  const session = tmuxSessionName(ws);
  if ((await run('tmux', ['has-session', '-t', `=${session}`])).code === 0) {
    throw new UsageError(`a tmux session "${session}" is already running: attach with \`tmux attach -t ${session}\`, or end it with \`tmux kill-session -t ${session}\``);
  }
  // Panes run this very program by absolute path, so they work whatever the panes' PATH holds.
  const self = `${quote(process.execPath)} ${quote(real(process.argv[1]))} -C ${quote(ws.root)}`;
  const main = await run('tmux', ['new-session', '-d', '-s', session, '-c', ws.root, '-x', '200', '-y', '60', `${self} up ${upArgs.map(quote).join(' ')}`.trim()]);
  if (main.code !== 0) throw new OrchestraError(`tmux could not start a session: ${main.err || `exit ${main.code}`}`);
  for (const w of workers) {
    const r = await run('tmux', ['split-window', '-t', session, '-c', ws.root, `${self} watch ${w}`]);
    if (r.code !== 0) throw new OrchestraError(`tmux could not open the pane for ${w}: ${r.err} (the session "${session}" is running; \`tmux kill-session -t ${session}\` ends it)`);
    await run('tmux', ['select-layout', '-t', session, 'tiled']);
  }
  if (agents) {
    // One window per worker's agent (`orchestra launch`); the agent binary chosen by the environment goes along.
    const pass = ['ORCHESTRA_CLAUDE', 'ORCHESTRA_CODEX'].flatMap((k) => (process.env[k] ? ['-e', `${k}=${process.env[k]}`] : []));
    for (const w of workers) {
      const r = await run('tmux', ['new-window', '-d', '-t', `${session}:`, '-n', w, '-c', ws.root, ...pass, `${self} launch ${w}`]);
      if (r.code !== 0) throw new OrchestraError(`tmux could not open the agent window for ${w}: ${r.err} (\`tmux kill-session -t ${session}\` ends the session)`);
    }
  }
  io.out(`tmux session "${session}": the daemon and the dashboard in the first pane, one watchdog per worker (${workers.join(', ')})${agents ? ', and a window per worker with its agent' : ''}.`);
  if (process.stdout.isTTY && process.stdin.isTTY && !process.env.TMUX) {
    await new Promise<void>((resolve) => spawn('tmux', ['attach', '-t', session], { stdio: 'inherit' }).on('exit', () => resolve()));
  } else {
    io.out(process.env.TMUX ? `switch to it: tmux switch-client -t ${session}` : `attach with: tmux attach -t ${session}`);
  }
  io.out(`end it with: tmux kill-session -t ${session}`);
}

export const registerUpCommand: Register = (program, ctx) => {
  program
    .command('up')
    .description('the daemon and the dashboard in one process with one combined log, and the command for each watchdog')
    .option('--port <n>', 'dashboard port (0 picks a free one)', portOption, 25501)
    .option('--host <address>', 'dashboard address; anything but loopback requires an access token on every request', '127.0.0.1')
    .option('--token <secret>', 'the dashboard\'s access token (generated and printed when --host is not loopback)')
    .option('--brain <kind>', 'rules | anthropic | claude-code (default: brain.kind in orchestra.yaml)')
    .option('--no-dashboard', 'run the daemon only')
    .option('--review', "review mode whatever orchestra.yaml says: the daemon's docs go to the proposals branch until approved")
    .option('--tmux', 'open a tmux session: this in one pane, one watchdog per worker in the others')
    .option('--agents', 'with --tmux (implied): each worker\'s agent started by `orchestra launch` in a window of its own')
    .addHelpText(
      'after',
      `
The log (daemon and dashboard lines, each prefixed) goes to stdout, and as JSON lines to .orchestra/state/logs/up.log.
With --json, the log goes to stderr and stdout gets one JSON line once both run:
{"workspace", "brain", "dashboard": url|null, "liveModels", "watchers"} (one model and one watcher, shared).
Ctrl-C stops both cleanly.

Examples:
  $ orchestra up
  $ orchestra up --port 0 --brain anthropic
  $ orchestra up --tmux`,
    )
    .action(async (opts: { port: number; host: string; token?: string; brain?: string; dashboard: boolean; review?: boolean; tmux?: boolean; agents?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      const ws = c.ws;
      const config = c.config;
      const brain = opts.brain ?? config.brain.kind;
      if (!BRAIN_KINDS.includes(brain as BrainKind)) throw new UsageError(`unknown brain "${opts.brain}": use ${BRAIN_KINDS.join(', ')}`);
      const workers = config.workers.map((w) => w.name);
      if (opts.tmux || opts.agents) {
        const args = ['--port', String(opts.port), '--host', opts.host, ...(opts.token ? ['--token', opts.token] : []), '--brain', brain, ...(opts.dashboard ? [] : ['--no-dashboard']), ...(opts.review ? ['--review'] : [])];
        await openTmux(ws, workers, args, c.io, !!opts.agents);
        return;
      }

      const show = (source: 'daemon' | 'dashboard' | 'up', line: string) => {
        const text = `${source.padEnd(9)} │ ${safeLine(line)}`;
        const styled = source === 'daemon' ? text : source === 'dashboard' ? pc.blue(text) : pc.bold(text);
        if (c.json) c.io.err(styled);
        else c.io.out(styled);
      };
      // Best effort: the terminal still has every line when the file cannot be written.
      const file = openJsonLog(path.join(ws.stateDir, 'logs', 'up.log'), { now: () => new Date(), onError: (e) => show('up', `warning: ${e.message}; the log goes on here only`) });
      const log = (source: 'daemon' | 'dashboard' | 'up', line: string) => {
        show(source, line);
        file.write(/\berror\b|FAILED/.test(line) ? 'error' : /warning/.test(line) ? 'warn' : 'info', { source }, line);
      };

      const { startDaemon } = await import('../../daemon/daemon.js');
      const { LiveDocs } = await import('../../store/live-docs.js');
      // One live doc model (one watcher, one read of every doc) for the daemon and the dashboard together.
      const live = new LiveDocs(ws, { config, git: c.git });
      let daemon: Awaited<ReturnType<typeof startDaemon>>;
      try {
        // The daemon checks conflicts and stalled workers on its periodic scan, so alerts appear unasked.
        daemon = await startDaemon(ws, { brain: brain as BrainKind, review: !!opts.review, config, git: c.git, live, log: (l) => log('daemon', l) });
      } catch (e) {
        await live.close();
        throw e;
      }
      let dashboard: { url: string; close(): Promise<void> } | undefined;
      const stopAll = async () => {
        await daemon.stop().catch(() => undefined);
        await dashboard?.close().catch(() => undefined);
        await live.close().catch(() => undefined);
      };
      const signals = handleStopSignals(() => stopAll(), (l) => log('up', l));
      try {
        await daemon.ready;
        if (opts.dashboard) {
          const { startDashboard } = await import('../../dashboard/server.js');
          try {
            dashboard = await startDashboard(ws, { port: opts.port, host: opts.host, token: opts.token, config, git: c.git, live, log: (l) => log('dashboard', l) });
          } catch (e) {
            await daemon.stop();
            await live.close();
            throw e;
          }
        }
        const self = selfCommand();
        const review = opts.review || config.review ? `, review mode: reactions go to ${await (await import('../../store/proposals.js')).proposalsBranch(c.git)}` : '';
        log('up', `workspace ${ws.root}: daemon running (${brain} brain${review})${dashboard ? `, dashboard at ${dashboard.url}` : ''}`);
        log('up', 'open each worker\'s watchdog in its own terminal:');
        for (const w of workers) log('up', `  ${watchCommand(self, ws, w)}`);
        log('up', 'Ctrl-C stops the daemon and the dashboard');
        if (c.json) {
          const { liveModels, watchers } = daemon.stats();
          c.io.out(JSON.stringify({ workspace: ws.root, brain, dashboard: dashboard?.url ?? null, liveModels, watchers }));
        }
        await daemon.done;
      } finally {
        signals.dispose();
        await stopAll();
        file.close();
      }
    });
};
