import { workerNames, type Config } from '../core/workers.js';
import type { Doc } from '../core/doc.js';
import { derive, type Derived } from '../core/state.js';
import type { Problem } from '../errors.js';
import { loadConfigCached } from './config-cache.js';
import { readDocs } from './docs.js';
import { Git, docsGit } from './git.js';
import type { Workspace } from './workspace.js';

export interface Loaded {
  ws: Workspace;
  config: Config;
  git: Git;
  docs: Doc[];
  problems: Problem[];
  derived: Derived;
}

/** Config, every doc and the derived state, read once. Invalid docs are problems, not exceptions. */
export async function loadWorkspace(ws: Workspace, opts: { liveOnly?: boolean; config?: Config; git?: Git } = {}): Promise<Loaded> {
  const config = opts.config ?? loadConfigCached(ws);
  const git = opts.git ?? docsGit(ws);
  const { docs, problems } = await readDocs(ws, {
    workers: workerNames(config),
    firstCommitTimes: () => git.firstCommitTimes(),
    liveOnly: opts.liveOnly,
  });
  return { ws, config, git, docs, problems, derived: derive(docs, config) };
}
