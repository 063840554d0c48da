import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, RESERVED_NAMES, WORKER_NAME_RE, globProblem } from '../../core/config.js';
import { OPEN_ORDER_STATES } from '../../core/state.js';
import { promptTemplate } from '../../core/templates.js';
import { Refusal, UsageError, ValidationError } from '../../errors.js';
import { addWorkerText, parseConfigText, rawWorkers, parseYaml, removeWorkerText } from '../../store/config-file.js';
import { planOrder, type Plan } from '../../core/actions.js';
import type { Config } from '../../core/config.js';
import { Forbidden } from '../../errors.js';
import { applyPlan, commitFiles, commitFilesLocked, cryptoRandom, type FileChange } from '../../store/write.js';
import { loadWorkspace } from '../../store/load.js';
import { checkTitle, readBody, type Ctx } from '../context.js';
import type { Register } from '../context.js';
import { numberOption } from '../options.js';

const collect = (v: string, acc: string[]) => [...acc, v];

function configText(c: Ctx): string {
  try {
    return readFileSync(c.ws.configPath, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${CONFIG_FILE} (${(e as NodeJS.ErrnoException).code}): run \`orchestra init\` first`);
  }
}

/** Refuses to commit orchestra.yaml while it holds someone's uncommitted edits (they would be swept in). */
async function requireCleanConfig(c: Ctx): Promise<void> {
  const dirty = await c.git.code.uncommitted([CONFIG_FILE]);
  if (dirty.size) throw new Refusal(`${CONFIG_FILE} has uncommitted changes: commit or discard them first, so they are not swept into this commit`);
}

interface TeamCommit {
  /** The commit holding the config (and, inline, everything else). */
  commit: string;
  /** Branch mode: the commit on the orchestration branch (prompts, docs), and the branch the config went to. */
  docsCommit?: string;
  userBranch?: string;
}

/**
 * Commits a change of the team: orchestra.yaml with `files`. Inline, one commit; in branch mode orchestra.yaml is the
 * code's (committed where the user stands) and the files are the orchestration branch's (committed there first).
 */
async function commitTeam(c: Ctx, config: string, files: FileChange[], subject: string): Promise<TeamCommit> {
  const meta = { subject, doc: CONFIG_FILE, actor: 'lead' };
  const configChange = { path: CONFIG_FILE, text: config };
  if (c.ws.mode === 'inline') return { commit: await commitFiles(c.ws, c.git, [configChange, ...files], meta) };
  // One hold of the write lock (the same lock file for both worktrees): no writer commits in between.
  const [docsCommit, commit] = await c.git.withWriteLock(async () => {
    const own = files.length ? await commitFilesLocked(c.ws, c.git, files, meta) : undefined;
    return [own, await commitFilesLocked(c.ws, c.git.code, [configChange], meta)] as const;
  }, subject);
  const userBranch = (await c.git.code.exec(['symbolic-ref', '--short', '-q', 'HEAD']).catch(() => '')).trim() || 'HEAD';
  return { commit, docsCommit, userBranch };
}

/** Where the commits went, for the user: branch mode says which branch took orchestra.yaml. */
function committedWhere(t: TeamCommit): string {
  if (!t.userBranch) return `in commit ${t.commit}`;
  return `: orchestra.yaml committed on your branch ${t.userBranch} (commit ${t.commit})${t.docsCommit ? `, the rest on the orchestration branch (commit ${t.docsCommit})` : ''}`;
}

function validated(text: string): Config {
  const r = parseConfigText(text);
  if (!r.ok) throw new ValidationError(r.problems.map((p) => ({ ...p, message: `${p.message} (nothing was changed)` })));
  return r.config;
}


export const registerWorkerCommand: Register = (program, ctx) => {
  const worker = program
    .command('worker')
    .description('add or remove a worker: edits orchestra.yaml keeping its comments, writes the prompt, commits')
    .addHelpText('after', '\nExamples:\n  $ orchestra worker add worker-docs --scope "docs/**" --depends-on worker-core --order "Document the API"\n  $ orchestra worker remove worker-docs');

  worker
    .command('add')
    .description('declare a new worker in orchestra.yaml, write its prompt and commit; optionally its first order')
    .argument('<name>', 'the worker name: lowercase letters, digits and "-", such as worker-docs')
    .option('--scope <glob>', 'a glob of files the worker may change (repeatable)', collect, [] as string[])
    .option('--depends-on <worker>', 'a worker whose earlier orders must finish first (repeatable)', collect, [] as string[])
    .option('--priority <n>', 'lower number = more important worker (default: after the others)', numberOption('--priority', { integer: true, min: 0, hint: 'lower = more important' }))
    .option('--branch <branch>', 'the branch this worker commits on')
    .option('--description <text>', 'what the worker is responsible for (goes in its prompt)')
    .option('--order <title>', 'also write its first order, with this title')
    .option('--body <text>', 'the first order\'s full text (with --order)')
    .option('--file <path>', 'read the first order\'s text from a file (with --order)')
    .addHelpText('after', '\nExample:\n  $ orchestra worker add worker-docs --scope "docs/**" --depends-on worker-core --order "Document the API" --body "Done when every endpoint has an example"')
    .action(async (name: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      if (!WORKER_NAME_RE.test(name)) throw new UsageError(`"${name}" is not a valid worker name: lowercase letters, digits and "-", up to 40 characters, such as worker-docs`);
      if (RESERVED_NAMES.has(name)) throw new UsageError(`"${name}" is reserved: choose another worker name`);
      if ((opts.body !== undefined || opts.file !== undefined) && !opts.order) throw new UsageError('--body and --file describe the first order: give --order "<title>" too');
      const title = opts.order !== undefined ? checkTitle(opts.order) : undefined;
      const body = readBody(opts);
      for (const g of opts.scope as string[]) {
        const p = globProblem(g);
        if (p) throw new UsageError(`--scope ${p}`);
      }
      const text = configText(c);
      const doc = parseYaml(text);
      const existing = rawWorkers(doc);
      const names = existing.map((w) => String(w.name));
      if (names.includes(name)) throw new UsageError(`worker "${name}" already exists in ${CONFIG_FILE}: choose another name, or edit its entry`);
      for (const d of opts.dependsOn as string[]) {
        if (d === name) throw new UsageError(`${name} cannot depend on itself: remove --depends-on ${d}`);
        if (!names.includes(d)) throw new UsageError(`--depends-on ${d}: no such worker (declared: ${names.join(', ')})`);
      }
      const priorities = existing.map((w, i) => (typeof w.priority === 'number' ? w.priority : i + 1));
      const priority = opts.priority ?? (priorities.length ? Math.max(...priorities) + 1 : 1);
      const seed = { name, scope: opts.scope as string[], dependsOn: [...new Set(opts.dependsOn as string[])], description: opts.description ?? '', branch: opts.branch, priority };
      const next = addWorkerText(text, seed);
      // The edited file must be a valid config (this also catches cycles through entries already there).
      const nextConfig = validated(next);
      await requireCleanConfig(c);
      // The first order is planned against the new config before anything is written, so a refused one adds nothing.
      let firstOrder: Plan | undefined;
      if (title) {
        const loaded = await loadWorkspace(c.ws, { config: nextConfig, git: c.git, liveOnly: true });
        const d = planOrder(loaded, c.identity, { action: 'order', to: name, title, body }, { now: new Date(), random: cryptoRandom });
        if (!d.ok) throw d.refusal.kind === 'forbidden' ? new Forbidden(`${d.refusal.message} (nothing was changed)`, d.refusal.rule) : new UsageError(d.refusal.message);
        firstOrder = d.plan;
      }

      const promptRel = `.orchestra/prompts/${name}.md`;
      const promptAbs = path.join(c.ws.root, promptRel);
      const keptPrompt = existsSync(promptAbs);
      mkdirSync(path.join(c.ws.docsDir, name), { recursive: true });
      const team = await commitTeam(c, next, keptPrompt ? [] : [{ path: promptRel, text: promptTemplate(seed) }], `orchestra: worker-add ${name}: add ${name}${seed.scope.length ? ` (scope ${seed.scope.join(', ')})` : ''}`);
      const commit = team.commit;

      const order = firstOrder ? (await applyPlan(c.ws, c.git, firstOrder)).doc : undefined;
      if (c.json) {
        c.io.out(JSON.stringify({ worker: name, priority, prompt: promptRel, promptKept: keptPrompt, commit, order: order ?? null }));
        return;
      }
      c.io.out(`Added ${name} (priority ${priority}${seed.dependsOn.length ? `, depends on ${seed.dependsOn.join(', ')}` : ''})${team.userBranch ? '' : ' '}${committedWhere(team)}.`);
      c.io.out(keptPrompt ? `Kept the existing prompt ${promptRel}.` : `Wrote its prompt: ${promptRel} (hand it to the agent).`);
      if (order) c.io.out(`First order: ${order}`);
      c.io.out(`Open its watchdog: orchestra watch ${name}`);
    });

  worker
    .command('remove')
    .description('remove a worker from orchestra.yaml (refused while it has open orders or others depend on it)')
    .argument('<name>', 'the worker to remove')
    .addHelpText('after', '\nExample:\n  $ orchestra worker remove worker-docs\n\nIts docs leave the working tree in the same commit and stay in git history (`git log -- .orchestra/docs/<name>`).')
    .action(async (name: string, _opts, cmd: Command) => {
      const c = ctx(cmd);
      const config = c.config;
      c.requireWorker(name);
      const dependents = config.workers.filter((w) => w.dependsOn.includes(name)).map((w) => w.name);
      if (dependents.length) throw new Refusal(`${dependents.join(', ')} depend${dependents.length === 1 ? 's' : ''} on ${name}: remove ${name} from their depends_on first`);
      if (config.workers.length === 1) throw new Refusal(`${name} is the only worker: a workspace needs at least one`);
      const loaded = await loadWorkspace(c.ws, { config, git: c.git });
      const open = loaded.docs.filter((d) => d.type === 'order' && d.to === name && OPEN_ORDER_STATES.has(loaded.derived.orders.get(d.id)!.state));
      if (open.length) {
        throw new Refusal(`${name} has ${open.length} open order${open.length === 1 ? '' : 's'} (${open.map((d) => d.id).slice(0, 3).join(', ')}${open.length > 3 ? ', ...' : ''}): let them finish or cancel them first (\`orchestra cancel <id>\`)`);
      }
      const mine = new Set(loaded.docs.filter((d) => d.worker === name).map((d) => d.id));
      const referrer = loaded.docs.find((d) => d.worker !== name && ((d.re && mine.has(d.re)) || d.after.some((a) => mine.has(a))));
      if (referrer) throw new Refusal(`${referrer.path} refers to ${name}'s docs: settle that thread before removing ${name}`);
      const text = configText(c);
      const next = removeWorkerText(text, name);
      validated(next);
      await requireCleanConfig(c);

      const promptRel = path.relative(c.ws.root, path.resolve(c.ws.root, config.workers.find((w) => w.name === name)!.prompt)).split(path.sep).join('/');
      const tracked = (await c.git.raw(['ls-files', '--', promptRel, `.orchestra/docs/${name}`, `.orchestra/archive/${name}`])).split('\n').filter(Boolean).map((p) => c.git.fromGit(p));
      // On failure exactly what was removed comes back; nothing else in the tree is touched.
      const team = await commitTeam(c, next, tracked.map((t) => ({ path: t, text: undefined })), `orchestra: worker-remove ${name}: remove ${name}`);
      const commit = team.commit;
      if (c.json) c.io.out(JSON.stringify({ worker: name, removed: true, files: tracked, commit }));
      else c.io.out(`Removed ${name}${team.userBranch ? '' : ' '}${committedWhere(team)}${tracked.length ? ` (${tracked.length} file${tracked.length === 1 ? '' : 's'} left the tree; git history keeps them)` : ''}.`);
    });
};
