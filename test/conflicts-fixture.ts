/** A workspace with three workers, each on its own branch in its own linked worktree. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { git, gitdir, ok, tempDir } from './helpers.js';

export const TEAM_YAML = `version: 1
workers:
  - name: worker-core
    scope: ["src/core/**", "src/shared/**"]
    branch: worker/core
  - name: worker-infra
    scope: ["test/**", "src/shared/**"]
    branch: worker/infra
  - name: worker-ui
    scope: ["src/ui/**"]
    branch: worker/ui
    depends_on: [worker-core]
`;

export interface Team {
  root: string;
  wt: Record<'core' | 'infra' | 'ui', string>;
}

export function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

export function commitAll(dir: string, message: string, files: string[]): string {
  git(dir, ['add', '--', ...files]);
  git(dir, ['commit', '-q', '-m', message, '--', ...files]);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

export async function makeTeam(extraYaml = ''): Promise<Team> {
  const root = gitdir();
  // Inline: these tests commit docs on the workers' code branches on purpose, to show they are never a conflict.
  await ok(root, ['init', '--inline', '--workers', 'worker-core,worker-infra,worker-ui']);
  write(root, 'orchestra.yaml', TEAM_YAML + extraYaml);
  write(root, 'src/core/a.ts', 'export const a = 1;\n');
  write(root, 'src/shared/util.ts', 'export const util = 1;\n');
  write(root, 'src/ui/app.ts', 'export const app = 1;\n');
  commitAll(root, 'team setup', ['orchestra.yaml', 'src']);
  const base = tempDir('orchestra-wt-');
  const wt = { core: path.join(base, 'core'), infra: path.join(base, 'infra'), ui: path.join(base, 'ui') };
  for (const [name, dir] of Object.entries(wt)) git(root, ['worktree', 'add', '-q', '-b', `worker/${name}`, dir]);
  return { root, wt };
}
