import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchemas, WORKER_NAME_RE, RESERVED_NAMES, CONFIG_FILE } from '../../core/config.js';
import { DEFAULT_ORCHESTRATION_BRANCH } from '../../core/workers.js';
import { SEED_WORKERS, SCHEMA_PATH, configTemplate, promptTemplate, type WorkerSeed } from '../../core/templates.js';
import { formatProblem, Refusal, UsageError } from '../../errors.js';
import { readConfig } from '../../store/config-file.js';
import { Git, docsGit } from '../../store/git.js';
import { checkedBranch, configuredBranch, mountOrchestration, rootIgnoreText, type Mounted } from '../../store/orchestration.js';
import { commitFiles } from '../../store/write.js';
import { findGitRoot, mountedGitDir, workspaceAt, type Workspace } from '../../store/workspace.js';
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
  /** Docs on the checked-out branch (0.1's layout) instead of a branch of their own. */
  inline?: boolean;
  /** Branch mode's orchestration branch (default `orchestra`). */
  branch?: string;
}

export interface InitResult {
  ws: Workspace;
  workers: string[];
  files: string[];
  commit: string;
  createdRepo: boolean;
  /** Branch mode: the orchestration branch, and the commit on the user's branch (orchestra.yaml, .gitignore). */
  branch?: string;
  codeCommit?: string;
  codeFiles?: string[];
  /** The branch the user stands on, where `codeCommit` went. */
  userBranch?: string;
  mounted?: Mounted;
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
  let ws = workspaceAt(root.main, root.gitDir);
  const existing = existsSync(ws.configPath);
  if (existing && !opts.force) {
    throw new Refusal(`${path.join(ws.root, CONFIG_FILE)} already exists: this is already a workspace (--force repairs it, keeping the config and prompts)`);
  }
  // --force on a workspace repairs what orchestra owns and keeps what the lead wrote: the config (workers with
  // open orders, scopes, branches, sync, the lead's name) and the prompts are never rewritten.
  const kept = existing ? keptConfig(ws, opts.workers) : undefined;
  // The mode: an existing workspace keeps its own (--force repairs it as it is); a new one is branch unless --inline.
  const branchMode = existing ? ws.mode === 'branch' : !opts.inline;
  const branch = branchMode ? checkedBranch(existing ? configuredBranch(ws.root) : (opts.branch ?? DEFAULT_ORCHESTRATION_BRANCH), existing ? undefined : '--branch') : undefined;
  let mounted: Mounted | undefined;
  if (branch && !mountedGitDir(ws.root)) {
    refuseInlineDocs(ws);
    mounted = mountOrchestration(ws, branch, { create: true, ignore: false, message: `orchestra: init lead: the orchestration branch ${branch}` });
    ws = mounted.ws;
  }
  const configText = opts.configText ?? configTemplate(workers, opts.lead ?? 'lead', branch);
  const files: [string, string][] = [
    ...(kept ? [] : [[CONFIG_FILE, configText] as [string, string]]),
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
  const git = docsGit(ws);
  // A repair that puts back what HEAD already has (a deleted or damaged file) only writes it: there is nothing to commit.
  if (kept) {
    for (const [rel, text] of [...files]) {
      const repo = rel === CONFIG_FILE || rel === ROOT_GITIGNORE ? git.code : git;
      const head = await repo.exec(['show', `HEAD:${repo.toGit(rel)}`]).catch(() => undefined);
      if (head !== text) continue;
      mkdirSync(path.dirname(path.join(ws.root, rel)), { recursive: true });
      writeFileSync(path.join(ws.root, rel), text);
      files.splice(files.findIndex(([p]) => p === rel), 1);
    }
  }
  const subject = kept ? `orchestra: init lead: repair the workspace (${files.length} files)` : `orchestra: init lead: set up ${workers.length} workers`;
  if (!branch) {
    if (!files.length) return { ws, workers: names, files: [], commit: '', createdRepo };
    // Nothing half-done: a failed commit puts back what was there (with --force), so a second `init` after fixing
    // the cause (say, git's identity) does not find a workspace.
    const commit = await commitFiles(ws, git, files.map(([p, text]) => ({ path: p, text })), { subject, doc: 'init', actor: 'lead' });
    return { ws, workers: names, files: files.map(([p]) => p), commit, createdRepo };
  }
  // Branch mode: the config and the ignore rule are the code's (committed where the user stands), the rest is
  // committed on the orchestration branch.
  const code = files.filter(([p]) => p === CONFIG_FILE);
  const ignore = rootIgnoreText(ws.root);
  if (ignore !== undefined) code.push([ROOT_GITIGNORE, ignore]);
  const own = files.filter(([p]) => p !== CONFIG_FILE);
  const commit = own.length ? await commitFiles(ws, git, own.map(([p, text]) => ({ path: p, text })), { subject, doc: 'init', actor: 'lead' }) : '';
  const codeCommit = code.length
    ? await commitFiles(ws, git.code, code.map(([p, text]) => ({ path: p, text })), {
        subject: kept ? 'orchestra: init lead: ignore the orchestration worktree' : `orchestra: init lead: the team (${workers.length} workers) in ${CONFIG_FILE}`,
        doc: 'init',
        actor: 'lead',
      })
    : '';
  const userBranch = currentBranch(git.code);
  return { ws, workers: names, files: own.map(([p]) => p), commit, createdRepo, branch, codeCommit, codeFiles: code.map(([p]) => p), userBranch, mounted };
}

const ROOT_GITIGNORE = '.gitignore';

function currentBranch(git: Git): string {
  try {
    return git.execSync(['symbolic-ref', '--short', '-q', 'HEAD']).trim() || 'HEAD';
  } catch {
    return 'HEAD';
  }
}

/** Branch mode cannot be mounted over an inline workspace's committed `.orchestra/`: that is `migrate`'s job. */
function refuseInlineDocs(ws: Workspace): void {
  let tracked = '';
  try {
    tracked = docsGit({ ...ws, mode: 'inline' }).execSync(['ls-files', '--', '.orchestra']).trim();
  } catch {
    tracked = '';
  }
  if (tracked) {
    throw new Refusal(`${path.join(ws.root, '.orchestra')} holds docs committed on this branch (an inline workspace): move them to the orchestration branch with \`orchestra migrate --to-branch\`, or keep this layout with \`orchestra init --inline --force\``);
  }
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
    .option('--inline', "commit docs on the checked-out branch (0.1's layout) instead of a branch of their own")
    .option('--branch <name>', 'the orchestration branch docs are committed on (branch mode)', DEFAULT_ORCHESTRATION_BRANCH)
    .addHelpText('after', '\nExamples:\n  $ orchestra init\n  $ orchestra -C ~/src/myapp init --workers worker-api,worker-web --lead ana')
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const workers = opts.workers ? parseWorkerList(opts.workers) : undefined;
      if (opts.inline && cmd.getOptionValueSource('branch') === 'cli') throw new UsageError('give either --inline or --branch, not both');
      const r = await initWorkspace(c.cwd, { workers, lead: opts.lead, force: opts.force, inline: opts.inline, branch: opts.branch });
      if (c.json) {
        c.io.out(JSON.stringify({ root: r.ws.root, mode: r.ws.mode, workers: r.workers, files: r.files, commit: r.commit, ...(r.branch ? { branch: r.branch, codeCommit: r.codeCommit, codeFiles: r.codeFiles, userBranch: r.userBranch } : {}) }));
        return;
      }
      const first = r.workers[0];
      if (r.branch) {
        c.io.out(`Initialised orchestra in ${r.ws.root} with ${r.workers.join(', ')}: docs are committed on branch ${r.branch}, checked out at .orchestra/ (${r.commit ? `commit ${r.commit}` : 'nothing to repair'}; \`git log ${r.branch}\` is the timeline).`);
        if (r.codeCommit) c.io.out(`Committed ${r.codeFiles!.join(' and ')} on your branch ${r.userBranch} (commit ${r.codeCommit}): the only commit orchestra makes there.`);
      } else c.io.out(`Initialised orchestra in ${r.ws.root} with ${r.workers.join(', ')} (${r.commit ? `commit ${r.commit}` : 'nothing to repair'}).`);
      const steps: [string, string][] = [
        ['orchestra doctor', 'check that everything is ready'],
        [`orchestra order ${first} "<title>" --body "<what done means>"`, 'the first order'],
        ['orchestra up', 'the daemon and the dashboard, in a terminal of their own'],
        [`orchestra launch ${first}`, "the worker's agent (Claude Code) in its own worktree, told of new work as it lands"],
      ];
      c.io.out(['Next:', ...steps.map(([cmd, why], i) => `  ${i + 1}. ${why}:\n       ${cmd}`)].join('\n'));
    });
};
