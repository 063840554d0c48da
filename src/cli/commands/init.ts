import type { Command } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { rawConfigSchema, WORKER_NAME_RE, RESERVED_NAMES, CONFIG_FILE } from '../../core/config.js';
import { SEED_WORKERS, SCHEMA_PATH, configTemplate, promptTemplate, type WorkerSeed } from '../../core/templates.js';
import { UsageError } from '../../errors.js';
import { Git } from '../../store/git.js';
import { findGitRoot, workspaceAt } from '../../store/workspace.js';
import type { Register } from '../program.js';

export function configJsonSchema(): string {
  const schema = z.toJSONSchema(rawConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ ...schema, title: 'orchestra.yaml', description: 'orchestra workspace configuration' }, null, 2)}\n`;
}

function parseWorkerList(list: string): WorkerSeed[] {
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

export const registerInitCommand: Register = (program, ctx) => {
  program
    .command('init')
    .description('make this repository (or a new folder) an orchestra workspace, and commit it')
    .option('--workers <names>', 'comma-separated worker names (default: the seed\'s worker-core, worker-infra, worker-nlp, worker-ui)')
    .option('--lead <name>', 'display name of the lead', 'lead')
    .option('--force', 'overwrite an existing orchestra.yaml and prompts')
    .addHelpText('after', '\nExamples:\n  $ orchestra init\n  $ orchestra -C ~/src/myapp init --workers worker-api,worker-web --lead ana')
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const cwd = c.cwd;
      const workers = opts.workers ? parseWorkerList(opts.workers) : SEED_WORKERS;
      mkdirSync(cwd, { recursive: true });
      let git = findGitRoot(cwd);
      if (!git) {
        const g = new Git(cwd);
        await g.raw(['init', '-q', '-b', 'main']);
        git = findGitRoot(cwd)!;
      }
      const ws = workspaceAt(git.main, git.gitDir);
      if (existsSync(ws.configPath) && !opts.force) {
        throw new UsageError(`${path.join(ws.root, CONFIG_FILE)} already exists: this is already a workspace (use --force to overwrite the config and prompts)`);
      }
      const files: [string, string][] = [
        [CONFIG_FILE, configTemplate(workers, opts.lead)],
        [SCHEMA_PATH, configJsonSchema()],
        ['.orchestra/.gitignore', '# local daemon state: cursor, budget, breaker, alerts, logs\nstate/\n'],
        ['.orchestra/docs/.gitkeep', ''],
        ...workers.map((w): [string, string] => [`.orchestra/prompts/${w.name}.md`, promptTemplate(w)]),
      ];
      for (const [rel, text] of files) {
        const abs = path.join(ws.root, rel);
        mkdirSync(path.dirname(abs), { recursive: true });
        writeFileSync(abs, text);
      }
      for (const w of workers) mkdirSync(path.join(ws.docsDir, w.name), { recursive: true });
      mkdirSync(ws.stateDir, { recursive: true });
      const g = new Git(ws.root, ws.gitDir);
      const commit = await g.withWriteLock(() =>
        g.commitPaths({ paths: files.map(([p]) => p), subject: `orchestra: init lead: set up ${workers.length} workers`, doc: 'init', actor: 'lead' }),
      );
      if (c.json) {
        c.io.out(JSON.stringify({ root: ws.root, workers: workers.map((w) => w.name), files: files.map(([p]) => p), commit }));
        return;
      }
      c.io.out(`Initialised orchestra in ${ws.root} with ${workers.map((w) => w.name).join(', ')} (commit ${commit}).`);
      c.io.out(`Next:\n  orchestra order ${workers[0].name} "<title>" --body "<what done means>"\n  orchestra daemon          # in another terminal\n  orchestra watch ${workers[0].name}   # in the worker's terminal`);
    });
};
