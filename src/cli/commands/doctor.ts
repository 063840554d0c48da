import type { Command } from 'commander';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import pc from 'picocolors';
import { isRemoteUrl } from '../../core/refname.js';
import { CONFIG_FILE, findCycle, workerNames, type Config } from '../../core/config.js';
import { crossCheck } from '../../core/validate.js';
import { EXIT, formatProblem } from '../../errors.js';
import { readConfig, readRawConfig } from '../../store/config-file.js';
import { readDocs } from '../../store/docs.js';
import { docsGit } from '../../store/git.js';
import { configuredBranch, mountProblem } from '../../store/orchestration.js';
import { findGitRoot, refuseLinkedState, workspaceAt, type Workspace } from '../../store/workspace.js';
import type { Register } from '../context.js';
import { holderState } from '../../store/process.js';
import { safeLine } from '../terminal.js';

export interface Check {
  /** Short stable name: node, git, identity, config, dependencies, prompts, docs, state, daemon, brain, remote. */
  name: string;
  ok: boolean;
  /** A check that passes but deserves a look (the daemon not running): printed as a warning, never a failure. */
  level?: 'warning';
  /** What was found. */
  message: string;
  /** How to fix it, when it failed. */
  fix?: string;
}

export const MIN_NODE = [20, 19] as const;

/** Node ≥ 20.19 (what the dependencies need). Pure, so any version string can be checked. */
export function nodeCheck(version: string): Check {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', ok, message: `Node ${version.replace(/^v/, '')} (needs ≥ ${MIN_NODE.join('.')})` }
    : { name: 'node', ok, message: `Node ${version.replace(/^v/, '')} is too old (needs ≥ ${MIN_NODE.join('.')})`, fix: 'install Node 20.19 or newer (https://nodejs.org, or `nvm install 20`)' };
}

/** Runs git with a deadline, without a terminal prompt, outside simple-git's queue; never throws. */
function gitProbe(cwd: string, args: string[], timeoutMs = 10_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes -o ConnectTimeout=8' } }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      resolve({ code: e ? (e.killed ? -1 : typeof e.code === 'number' ? e.code : 1) : 0, out: stdout ?? '', err: (stderr ?? '').trim() });
    });
  });
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim())?.trim() ?? '';
}

/** The pid in `.orchestra/state/daemon.pid` (JSON lock or a bare number), if any. */
function daemonLock(ws: Workspace): { pid: number; host?: string; start?: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(ws.stateDir, 'daemon.pid'), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const j = JSON.parse(text) as { pid?: unknown; host?: unknown; start?: unknown };
    if (typeof j.pid === 'number') return { pid: j.pid, host: typeof j.host === 'string' ? j.host : undefined, start: typeof j.start === 'string' ? j.start : undefined };
  } catch {
    /* unreadable: reported below */
  }
  return { pid: NaN };
}


/**
 * The seed's "verify ready", one check per line. Checks that need what an earlier one found (a repository, a
 * valid config) say so instead of guessing.
 */
/** Where docs are committed: inline, or the orchestration worktree mounted and on its branch. */
function storageCheck(ws: Workspace): Check {
  if (ws.mode === 'inline') return { name: 'storage', ok: true, message: 'inline mode: docs are committed on the checked-out branch' };
  const problem = mountProblem(ws);
  if (problem) return { name: 'storage', ok: false, message: problem.problem, fix: problem.fix };
  return { name: 'storage', ok: true, message: `branch mode: docs are committed on branch ${configuredBranch(ws.root)}, checked out at .orchestra/` };
}

export async function runChecks(cwd: string, env: NodeJS.ProcessEnv = process.env, nodeVersion = process.version): Promise<Check[]> {
  const checks: Check[] = [nodeCheck(nodeVersion)];
  const root = findGitRoot(cwd);
  if (!root) {
    checks.push({ name: 'git', ok: false, message: `${cwd} is not inside a git repository`, fix: 'run `orchestra init` here (it makes the folder a repository and a workspace)' });
    return checks;
  }
  const ws = workspaceAt(root.main, root.gitDir, root.top !== root.main ? root.top : undefined);
  const head = await gitProbe(ws.root, ['rev-parse', '--git-dir']);
  checks.push(
    head.code === 0
      ? { name: 'git', ok: true, message: `git repository at ${ws.root}` }
      : { name: 'git', ok: false, message: `git cannot read the repository at ${ws.root}: ${firstLine(head.err)}`, fix: 'check that git is installed (`git --version`) and the repository is intact (`git fsck`)' },
  );

  const name = (await gitProbe(ws.root, ['config', 'user.name'])).out.trim();
  const email = (await gitProbe(ws.root, ['config', 'user.email'])).out.trim();
  checks.push(
    name && email
      ? { name: 'identity', ok: true, message: `commits by ${name} <${email}>` }
      : {
          name: 'identity',
          ok: false,
          message: `git does not know who you are (user.${name ? 'email' : 'name'} is not set)`,
          fix: 'git config user.name "Your Name" && git config user.email you@example.com',
        },
  );

  let config: Config | undefined;
  if (!existsSync(ws.configPath)) {
    checks.push({ name: 'config', ok: false, message: `no ${CONFIG_FILE} at ${ws.root}`, fix: 'run `orchestra init` to make this repository a workspace' });
  } else {
    const result = readConfig(ws);
    const isCycle = (m: string) => m.startsWith('dependency cycle');
    if (result.ok) {
      config = result.config;
      checks.push({ name: 'config', ok: true, message: `${CONFIG_FILE} is valid: ${config.workers.length} worker${config.workers.length === 1 ? '' : 's'} (${config.workers.map((w) => w.name).join(', ')})` });
    } else {
      const other = result.problems.filter((p) => !isCycle(p.message));
      checks.push(
        other.length
          ? { name: 'config', ok: false, message: `${other.length} problem${other.length === 1 ? '' : 's'}, first: ${formatProblem(other[0])}`, fix: 'run `orchestra validate` for every problem and fix them in orchestra.yaml' }
          : { name: 'config', ok: true, message: `${CONFIG_FILE} is valid apart from its dependencies` },
      );
    }
    // The graph, read from the raw YAML so a cycle is named even when other keys are wrong.
    let deps = new Map<string, string[]>();
    try {
      const raw = readRawConfig(ws) as { workers?: { name?: unknown; depends_on?: unknown }[] } | null;
      for (const w of Array.isArray(raw?.workers) ? raw!.workers : []) {
        if (typeof w?.name === 'string') deps.set(w.name, Array.isArray(w.depends_on) ? w.depends_on.filter((d): d is string => typeof d === 'string') : []);
      }
    } catch {
      deps = new Map();
    }
    const cycle = findCycle(deps);
    checks.push(
      cycle
        ? { name: 'dependencies', ok: false, message: `dependency cycle ${cycle.join(' -> ')}: no order of these workers can ever become ready`, fix: `remove one of these depends_on entries in ${CONFIG_FILE}` }
        : { name: 'dependencies', ok: true, message: `dependency graph is acyclic (${[...deps.values()].reduce((n, d) => n + d.length, 0)} dependencies)` },
    );
  }

  if (existsSync(ws.configPath)) checks.push(storageCheck(ws));

  if (config) {
    const missing = config.workers.filter((w) => !existsSync(path.resolve(ws.root, w.prompt)));
    checks.push(
      missing.length
        ? {
            name: 'prompts',
            ok: false,
            message: `missing prompt${missing.length === 1 ? '' : 's'}: ${missing.map((w) => w.prompt).join(', ')}`,
            fix: `write ${missing.length === 1 ? 'it' : 'them'} (the lead's standing words for the worker; \`orchestra init --force\` writes a start for each missing one, or \`git checkout -- ${missing[0].prompt}\` restores a deleted one)`,
          }
        : { name: 'prompts', ok: true, message: `${config.workers.length} prompt${config.workers.length === 1 ? '' : 's'} present` },
    );

    const git = docsGit(ws);
    const read = await readDocs(ws, { workers: workerNames(config), firstCommitTimes: () => git.firstCommitTimes() });
    const problems = [...read.problems, ...crossCheck(read.docs)];
    checks.push(
      problems.length
        ? { name: 'docs', ok: false, message: `${problems.length} problem${problems.length === 1 ? '' : 's'}, first: ${formatProblem(problems[0])}`, fix: 'run `orchestra validate` to see each, and fix or remove those files' }
        : { name: 'docs', ok: true, message: `${read.docs.length} doc${read.docs.length === 1 ? '' : 's'} valid` },
    );
  }

  checks.push(stateCheck(ws));
  // Branch mode: the orchestration worktree's own .gitignore must keep state/ out of its commits.
  const ignored = ws.mode === 'branch' && existsSync(ws.docsRepo)
    ? await gitProbe(ws.docsRepo, ['check-ignore', '-q', '--no-index', 'state/alerts.jsonl'])
    : await gitProbe(ws.root, ['check-ignore', '-q', '--no-index', '.orchestra/state/alerts.jsonl']);
  checks.push(
    ignored.code === 0
      ? { name: 'ignore', ok: true, message: '.orchestra/state/ is git-ignored' }
      : { name: 'ignore', ok: false, message: '.orchestra/state/ is not git-ignored: local daemon state would show up in commits', fix: 'add the line `state/` to .orchestra/.gitignore and commit it' },
  );

  checks.push(daemonCheck(ws));

  if (config) {
    if (config.brain.kind === 'rules') checks.push({ name: 'brain', ok: true, message: 'rules brain (offline: faq answers, escalations)' });
    else {
      const key = env.ANTHROPIC_API_KEY;
      checks.push(
        key && key.trim()
          ? { name: 'brain', ok: true, message: `anthropic brain (${config.brain.model}); ANTHROPIC_API_KEY is set` }
          : { name: 'brain', ok: false, message: 'brain.kind is anthropic but ANTHROPIC_API_KEY is not set', fix: 'export ANTHROPIC_API_KEY=<your key> before starting the daemon, or set `brain: { kind: rules }` in orchestra.yaml' },
      );
    }
    if (config.sync) checks.push(await remoteCheck(ws, config.sync.remote, config.sync.branch));
  }
  return checks;
}

function stateCheck(ws: Workspace): Check {
  try {
    refuseLinkedState(ws);
  } catch (e) {
    // Nothing is written through the link, not even the probe below.
    return { name: 'state', ok: false, message: (e as Error).message.replace(/; remove the link.*$/, ''), fix: 'remove the link (`git rm .orchestra/state` if it is committed) so orchestra makes a real folder there' };
  }
  const probe = path.join(ws.stateDir, `.doctor-${process.pid}`);
  try {
    mkdirSync(ws.stateDir, { recursive: true });
    writeFileSync(probe, 'ok');
    unlinkSync(probe);
    return { name: 'state', ok: true, message: '.orchestra/state/ is writable' };
  } catch (e) {
    let why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    try {
      if (!statSync(ws.stateDir).isDirectory()) why = 'it is not a folder';
    } catch {
      /* keep the error code */
    }
    return { name: 'state', ok: false, message: `.orchestra/state/ is not writable (${why})`, fix: `make ${ws.stateDir} a folder you can write to (it holds the daemon's cursor, alerts and logs)` };
  }
}

function daemonCheck(ws: Workspace): Check {
  const lock = daemonLock(ws);
  const notRunning = 'daemon not running: nothing answers doubts or escalates until it runs';
  const start = 'start it with `orchestra up` or `orchestra daemon`';
  if (!lock) return { name: 'daemon', ok: true, level: 'warning', message: notRunning, fix: start };
  if (Number.isNaN(lock.pid)) return { name: 'daemon', ok: false, message: '.orchestra/state/daemon.pid is unreadable', fix: 'stop any daemon, delete .orchestra/state/daemon.pid, and start it again' };
  if (lock.host && lock.host !== hostname()) return { name: 'daemon', ok: true, message: `daemon running on ${lock.host} (pid ${lock.pid})` };
  // The same test the daemon's start applies to take a stale lock over, so the two never disagree.
  const holder = holderState(lock.pid, lock.start);
  if (holder === 'alive') return { name: 'daemon', ok: true, message: `daemon running (pid ${lock.pid})` };
  const why = holder === 'reused' ? `pid ${lock.pid} now belongs to another process` : `pid ${lock.pid} is gone`;
  // A killed tmux session leaves the lock behind; that is not an error, and nobody else can clear it for the user.
  const cleared = clearStaleLock(ws, lock.pid);
  return {
    name: 'daemon',
    ok: true,
    level: 'warning',
    message: `${notRunning} (the last one died: ${why}${cleared ? '; its stale lock was cleared' : ', its lock remains'})`,
    fix: `${start}; its last log is in .orchestra/state/logs/`,
  };
}

/** Removes daemon.pid if it still names `pid` (a daemon that started meanwhile keeps its lock). */
function clearStaleLock(ws: Workspace, pid: number): boolean {
  if (daemonLock(ws)?.pid !== pid) return false;
  try {
    unlinkSync(path.join(ws.stateDir, 'daemon.pid'));
    return true;
  } catch {
    return false;
  }
}

async function remoteCheck(ws: Workspace, remote: string, branch: string): Promise<Check> {
  // The configured remote and branch reach git after `--end-of-options`: never as an option. A URL needs no lookup.
  const url = isRemoteUrl(remote) ? { code: 0, out: remote, err: '' } : await gitProbe(ws.root, ['remote', 'get-url', '--end-of-options', remote]);
  if (url.code !== 0) {
    return { name: 'remote', ok: false, message: `sync is on but there is no remote "${remote}"`, fix: `git remote add ${remote} <url>, or set sync.remote in orchestra.yaml (or remove sync:)` };
  }
  const started = Date.now();
  const r = await gitProbe(ws.root, ['ls-remote', '--heads', '--end-of-options', remote, branch], 10_000);
  if (r.code === 0) return { name: 'remote', ok: true, message: `${remote} (${url.out.trim()}) reachable in ${Date.now() - started} ms${r.out.trim() ? '' : `; branch ${branch} does not exist there yet`}` };
  return {
    name: 'remote',
    ok: false,
    message: r.code === -1 ? `${remote} did not answer within 10 s` : `${remote} is not reachable: ${firstLine(r.err) || `git ls-remote exited ${r.code}`}`,
    fix: `check the URL (\`git remote -v\`), the network and your credentials (\`git ls-remote ${remote}\`), or remove sync: from orchestra.yaml`,
  };
}

export const registerDoctorCommand: Register = (program, ctx) => {
  program
    .command('doctor')
    .description('check that everything is ready: git, identity, config, prompts, docs, state, daemon, brain, remote, Node')
    .addHelpText('after', '\nExit 0 only when every check passes (1 otherwise).\n\nExample:\n  $ orchestra doctor\n  $ orchestra -C ~/src/myapp doctor --json')
    .action(async (_opts, cmd: Command) => {
      const c = ctx(cmd);
      const checks = await runChecks(c.cwd);
      const ok = checks.every((x) => x.ok);
      if (c.json) c.io.out(JSON.stringify({ ok, checks }));
      else {
        const width = Math.max(...checks.map((x) => x.name.length));
        for (const x of checks) {
          const mark = !x.ok ? pc.red('✖') : x.level === 'warning' ? pc.yellow('!') : pc.green('✔');
          const hint = x.fix ? ` ${pc.yellow(x.ok ? '→' : '→ fix:')} ${safeLine(x.fix)}` : '';
          c.io.out(`${mark} ${x.name.padEnd(width)}  ${safeLine(x.message)}${hint}`);
        }
        const failed = checks.filter((x) => !x.ok).length;
        c.io.out(failed ? pc.red(`${failed} check${failed === 1 ? '' : 's'} failed`) : pc.green('ready'));
      }
      if (!ok) process.exitCode = EXIT.runtime;
    });
};
