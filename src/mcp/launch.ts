/**
 * `orchestra launch`: a worker's own worktree on its branch, its own git identity there, the MCP and hook
 * configuration its agent reads (written, never committed), and the agent started in it. Nothing from the config
 * reaches a shell: git gets validated names after `--`, the agent is spawned without a shell, and the only shell
 * text written (hook commands, which Claude Code runs through a shell) holds our own quoted paths and a worker name
 * that matched ^[a-z0-9][a-z0-9-]*$.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWorker, WORKER_NAME_RE } from '../core/workers.js';
import { UsageError } from '../errors.js';
import { writeAgentRecord } from '../store/receipts.js';
import { retryOnGitLocks } from '../store/git-locks.js';
import type { Session } from './ops.js';

/** bin/orchestra.js of this installation: agents start the very orchestra that launched them. */
export const ORCHESTRA_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'orchestra.js');

export type AgentKind = 'claude' | 'codex';

export interface LaunchPlan {
  worker: string;
  branch: string;
  worktree: string;
  created: boolean;
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function checkBranch(s: Session, branch: string): string {
  if (branch.startsWith('-') || !/^[A-Za-z0-9._/-]+$/.test(branch)) throw new UsageError(`branch "${branch}" is not a usable branch name`);
  try {
    s.git.code.execSync(['check-ref-format', '--branch', branch]);
  } catch {
    throw new UsageError(`branch "${branch}" is not a valid git branch name`);
  }
  return branch;
}

/** The worktree that has `branch` checked out, from `git worktree list --porcelain`. */
function worktreeOf(s: Session, branch: string): string | undefined {
  let current: string | undefined;
  for (const line of s.git.code.execSync(['worktree', 'list', '--porcelain']).split('\n')) {
    if (line.startsWith('worktree ')) current = line.slice(9);
    else if (line === `branch refs/heads/${branch}` && current) return current;
  }
  return undefined;
}

/** Creates (or finds) the worker's worktree on its branch and gives it the worker's git identity. */
export async function prepareWorktree(s: Session, worker: string, opts: { worktree?: string } = {}): Promise<LaunchPlan> {
  const w = findWorker(s.config, worker);
  if (!w || !WORKER_NAME_RE.test(worker)) throw new UsageError(`unknown worker "${worker}"`);
  const branch = checkBranch(s, w.branch ?? worker);
  let worktree = worktreeOf(s, branch);
  let created = false;
  if (!worktree) {
    worktree = path.resolve(opts.worktree ?? path.join(path.dirname(s.ws.root), `${path.basename(s.ws.root)}-${worker}`));
    if (existsSync(worktree) && readdirSync(worktree).length) throw new UsageError(`${worktree} exists and is not ${worker}'s worktree: give another with --worktree`);
    const hasBranch = (() => {
      try {
        s.git.code.execSync(['rev-parse', '--verify', '-q', `refs/heads/${branch}`]);
        return true;
      } catch {
        return false;
      }
    })();
    await write(s, hasBranch ? ['worktree', 'add', '--', worktree, branch] : ['worktree', 'add', '-b', branch, '--', worktree, 'HEAD']);
    created = true;
  } else if (opts.worktree && path.resolve(opts.worktree) !== worktree) {
    throw new UsageError(`${branch} is already checked out at ${worktree}: launch there, or drop --worktree`);
  }
  // Per-worktree config, so the worker's code commits are its own and the lead's checkout keeps the lead's name.
  // `up --agents` launches every worker at once: each of these writes waits out the others' config lock.
  await write(s, ['config', 'extensions.worktreeConfig', 'true']);
  await write(s, ['-C', worktree, 'config', '--worktree', 'user.name', worker]);
  await write(s, ['-C', worktree, 'config', '--worktree', 'user.email', `${worker}@orchestra.invalid`]);
  return { worker, branch, worktree, created };
}

/** A git write of launch's, waiting out another launch's lock on the same repository's config or refs. */
function write(s: Session, args: string[]): Promise<string> {
  return retryOnGitLocks(() => s.git.code.exec(args));
}

function readJson(file: string): Record<string, any> {
  if (!existsSync(file)) return {};
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    /* reported below */
  }
  throw new UsageError(`${file} is not a JSON object: fix or remove it, then launch again`);
}

const isOurHook = (h: { hooks?: { command?: string }[] }) => (h.hooks ?? []).some((x) => typeof x.command === 'string' && / hook (stop|session-start) --as /.test(x.command));

/** The MCP server entry every client takes, in the form of each. */
export function serverEntry(worker: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [ORCHESTRA_BIN, 'mcp', '--as', worker] };
}

export function hookCommand(worker: string, kind: 'stop' | 'session-start'): string {
  return `${sq(process.execPath)} ${sq(ORCHESTRA_BIN)} hook ${kind} --as ${worker}`;
}

/** Writes .mcp.json and .claude/settings.local.json (Claude Code) or .codex/config.toml (Codex), merged with what is there. */
export function writeAgentConfig(plan: LaunchPlan, agent: AgentKind, gitDir: string): string[] {
  const wt = plan.worktree;
  const written: string[] = [];
  if (agent === 'codex') {
    const e = serverEntry(plan.worker);
    const file = path.join(wt, '.codex', 'config.toml');
    mkdirSync(path.dirname(file), { recursive: true });
    const old = existsSync(file) ? readFileSync(file, 'utf8').replace(/\n?\[mcp_servers\.orchestra\][^[]*/g, '') : '';
    writeFileSync(file, `${old.trimEnd()}${old.trim() ? '\n\n' : ''}[mcp_servers.orchestra]\ncommand = ${JSON.stringify(e.command)}\nargs = ${JSON.stringify(e.args)}\n`);
    written.push('.codex/config.toml');
  } else {
    const mcpFile = path.join(wt, '.mcp.json');
    const mcp = readJson(mcpFile);
    mcp.mcpServers = { ...(mcp.mcpServers ?? {}), orchestra: serverEntry(plan.worker) };
    writeFileSync(mcpFile, `${JSON.stringify(mcp, null, 2)}\n`);
    const settingsFile = path.join(wt, '.claude', 'settings.local.json');
    mkdirSync(path.dirname(settingsFile), { recursive: true });
    const st = readJson(settingsFile);
    st.enableAllProjectMcpServers = true;
    st.enabledMcpjsonServers = [...new Set([...(st.enabledMcpjsonServers ?? []), 'orchestra'])];
    const hooks = { ...(st.hooks ?? {}) };
    const ours = (kind: 'stop' | 'session-start') => ({ hooks: [{ type: 'command', command: hookCommand(plan.worker, kind) }] });
    hooks.Stop = [...(hooks.Stop ?? []).filter((h: never) => !isOurHook(h)), ours('stop')];
    hooks.SessionStart = [...(hooks.SessionStart ?? []).filter((h: never) => !isOurHook(h)), ours('session-start')];
    st.hooks = hooks;
    writeFileSync(settingsFile, `${JSON.stringify(st, null, 2)}\n`);
    written.push('.mcp.json', '.claude/settings.local.json');
  }
  // Never committed by accident: git ignores them in every worktree of this repository.
  const exclude = path.join(gitDir, 'info', 'exclude');
  const have = existsSync(exclude) ? readFileSync(exclude, 'utf8').split('\n') : [];
  const add = ['/.mcp.json', '/.claude/settings.local.json', '/.codex/'].filter((l) => !have.includes(l));
  if (add.length) {
    mkdirSync(path.dirname(exclude), { recursive: true });
    appendFileSync(exclude, `${have.length && have[have.length - 1] !== '' ? '\n' : ''}# orchestra launch: agent configuration, local to each worktree\n${add.join('\n')}\n`);
  }
  return written;
}

/** The command line that starts an agent with its briefing. */
export function agentCommand(agent: AgentKind, text: string): string[] {
  if (agent === 'codex') return [process.env.ORCHESTRA_CODEX ?? 'codex', text];
  return [process.env.ORCHESTRA_CLAUDE ?? 'claude', '--dangerously-load-development-channels', 'server:orchestra', text];
}

/** Starts the agent in the worktree and resolves with its exit code; the agent record feeds `liveness`. */
export async function startAgent(s: Session, plan: LaunchPlan, argv: string[], text: string): Promise<number> {
  const [cmd, ...args] = argv;
  const child = spawn(cmd, args, {
    cwd: plan.worktree,
    stdio: 'inherit',
    env: { ...process.env, ORCHESTRA_AS: plan.worker, ORCHESTRA_WORKSPACE: s.ws.root, ORCHESTRA_WORKTREE: plan.worktree, ORCHESTRA_BRIEFING: text },
  });
  const started = new Date().toISOString();
  return new Promise((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot start ${cmd}: ${e.code === 'ENOENT' ? 'not found on PATH' : e.message}`)));
    child.once('spawn', () => writeAgentRecord(s.ws, plan.worker, { pid: child.pid!, started, worktree: plan.worktree }));
    child.once('exit', (code, signal) => {
      writeAgentRecord(s.ws, plan.worker, { pid: child.pid ?? 0, started, worktree: plan.worktree, ended: new Date().toISOString(), exitCode: code });
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
