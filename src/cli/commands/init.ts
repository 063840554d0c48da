import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchemas, WORKER_NAME_RE, RESERVED_NAMES, CONFIG_FILE } from '../../core/config.js';
import { SEED_WORKERS, SCHEMA_PATH, configTemplate, promptTemplate, type WorkerSeed } from '../../core/templates.js';
import { formatProblem, Refusal, UsageError } from '../../errors.js';
import { readConfig } from '../../store/config-file.js';
import { Git } from '../../store/git.js';
import { commitFiles } from '../../store/write.js';
import { findGitRoot, workspaceAt, type Workspace } from '../../store/workspace.js';
import type { Register } from '../context.js';

export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchemas().rawConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ ...schema, title: 'orchestra.yaml', description: 'orchestra workspace configuration' }, null, 2)}\n`;
}

export const STATE_GITIGNORE = '# local daemon state: cursor, budget, breaker, alerts, logs\nstate/\n';

export function parseWorkerList(list: string): WorkerSeed[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new UsageError('--workers is empty: give names such as --workers worker-api,worker-web');
  const seen = new Set<string>();
  return names.map((name) => {
    if (!WORKER_NAME_RE.test(name)) throw new UsageError(`"${name}" is not a valid worker name: lowercase letters, digits and "-", such as worker-api`);
    if (RESERVED_NAMES.has(name)) throw new UsageError(`"${name}" is reserved: choose another worker name`);
    if (seen.has(name)) throw new UsageError(`worker "${name}" is listed twice in --workers`);
    seen.add(name);
    const seed = SEED_WORKERS.find((s) => s.name === name);
    return seed ? { ...seed, dependsOn: seed.dependsOn.filter((d) => names.includes(d)) } : { name, scope: [], dependsOn: [], description: '' };
  });
}

export interface InitOptions {
  workers?: WorkerSeed[];
  lead?: string;
  force?: boolean;
  /** The whole config text, when the caller wants its own (the demo does). */
  configText?: string;
}

export interface InitResult {
  ws: Workspace;
  workers: string[];
  files: string[];
  commit: string;
  createdRepo: boolean;
}

/**
 * Makes `cwd`'s repository (or a new one) a workspace: writes only orchestra's own files and commits exactly
 * those, so whatever else the repository holds (staged, unstaged, ignored) is left as it was.
 */
export async function initWorkspace(cwd: string, opts: InitOptions = {}): Promise<InitResult> {
  const workers = opts.workers ?? SEED_WORKERS;
  mkdirSync(cwd, { recursive: true });
  let root = findGitRoot(cwd);
  let createdRepo = false;
  if (!root) {
    await new Git(cwd).raw(['init', '-q', '-b', 'main']);
    root = findGitRoot(cwd)!;
    createdRepo = true;
  }
  const ws = workspaceAt(root.main, root.gitDir);
  const existing = existsSync(ws.configPath);
  if (existing && !opts.force) {
    throw new Refusal(`${path.join(ws.root, CONFIG_FILE)} already exists: this is already a workspace (--force repairs it, keeping the config and prompts)`);
  }
  // --force on a workspace repairs what orchestra owns and keeps what the lead wrote: the config (workers with
  // open orders, scopes, branches, sync, the lead's name) and the prompts are never rewritten.
  const kept = existing ? keptConfig(ws, opts.workers) : undefined;
  const files: [string, string][] = [
    ...(kept ? [] : [[CONFIG_FILE, opts.configText ?? configTemplate(workers, opts.lead ?? 'lead')] as [string, string]]),
    [SCHEMA_PATH, configJsonSchema()],
    ['.orchestra/.gitignore', STATE_GITIGNORE],
    ['.orchestra/docs/.gitkeep', ''],
  ];
  const names = kept ?? workers.map((w) => w.name);
  for (const name of names) {
    const rel = `.orchestra/prompts/${name}.md`;
    // A prompt is the lead's own words: only a missing one is written.
    if (!existsSync(path.join(ws.root, rel))) files.push([rel, promptTemplate(workers.find((w) => w.name === name) ?? { name })]);
  }
  files.splice(0, files.length, ...files.filter(([rel, text]) => !sameText(path.join(ws.root, rel), text)));
  for (const name of names) mkdirSync(path.join(ws.docsDir, name), { recursive: true });
  mkdirSync(ws.stateDir, { recursive: true });
  if (!files.length) return { ws, workers: names, files: [], commit: '', createdRepo };
  const git = new Git(ws.root, ws.gitDir);
  // Nothing half-done: a failed commit puts back what was there (with --force), so a second `init` after fixing
  // the cause (say, git's identity) does not find a workspace.
  const commit = await commitFiles(ws, git, files.map(([p, text]) => ({ path: p, text })), {
    subject: kept ? `orchestra: init lead: repair the workspace (${files.length} files)` : `orchestra: init lead: set up ${workers.length} workers`,
    doc: 'init',
    actor: 'lead',
  });
  return { ws, workers: names, files: files.map(([p]) => p), commit, createdRepo };
}

function sameText(abs: string, text: string): boolean {
  try {
    return readFileSync(abs, 'utf8') === text;
  } catch {
    return false;
  }
}

/**
 * The workers of the config `--force` keeps. An invalid config is refused (fixing it by hand loses nothing;
 * a template over it would), and so is a --workers list naming workers the config lacks.
 */
function keptConfig(ws: Workspace, asked: readonly WorkerSeed[] | undefined): string[] {
  const r = readConfig(ws);
  if (!r.ok) throw new Refusal(`${CONFIG_FILE} is invalid (${formatProblem(r.problems[0])}): fix it (see \`orchestra validate\`); --force never replaces it`);
  const names = r.config.workers.map((w) => w.name);
  const missing = (asked ?? []).filter((w) => !names.includes(w.name)).map((w) => w.name);
  if (missing.length) throw new Refusal(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in ${CONFIG_FILE}: add ${missing.length === 1 ? 'it' : 'them'} with \`orchestra worker add\` (--force keeps the config as it is)`);
  return names;
}

export const registerInitCommand: Register = (program, ctx) => {
  program
    .command('init')
    .description('make this repository (or a new folder) an orchestra workspace, and commit it')
    .option('--workers <names>', 'comma-separated worker names (default: the seed\'s worker-core, worker-infra, worker-nlp, worker-ui)')
    .option('--lead <name>', 'display name of the lead', 'lead')
    .option('--force', 'repair an existing workspace: rewrite what orchestra owns, keep the config and every prompt')
    .addHelpText('after', '\nExamples:\n  $ orchestra init\n  $ orchestra -C ~/src/myapp init --workers worker-api,worker-web --lead ana')
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const workers = opts.workers ? parseWorkerList(opts.workers) : undefined;
      const r = await initWorkspace(c.cwd, { workers, lead: opts.lead, force: opts.force });
      if (c.json) {
        c.io.out(JSON.stringify({ root: r.ws.root, workers: r.workers, files: r.files, commit: r.commit }));
        return;
      }
      const first = r.workers[0];
      c.io.out(`Initialised orchestra in ${r.ws.root} with ${r.workers.join(', ')} (${r.commit ? `commit ${r.commit}` : 'nothing to repair'}).`);
      const steps: [string, string][] = [
        ['orchestra doctor', 'check that everything is ready'],
        [`orchestra order ${first} "<title>" --body "<what done means>"`, 'the first order'],
        ['orchestra up', 'the daemon and the dashboard, in a terminal of their own'],
        [`orchestra launch ${first}`, "the worker's agent (Claude Code) in its own worktree, told of new work as it lands"],
      ];
      c.io.out(['Next:', ...steps.map(([cmd, why], i) => `  ${i + 1}. ${why}:\n       ${cmd}`)].join('\n'));
    });
};
