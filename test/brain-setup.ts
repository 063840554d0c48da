/** Shared set-up for the anthropic brain's tests: a real workspace, a brain on the real SDK, a movable clock. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadWorkspace, type Loaded } from '../src/store/load.js';
import { loadConfig } from '../src/store/config-file.js';
import { locateWorkspace, type Workspace } from '../src/store/workspace.js';
import { writeDoc } from '../src/store/write.js';
import { AnthropicBrain } from '../src/daemon/brains/anthropic.js';
import type { BrainDecision, BrainRequest } from '../src/daemon/brain.js';
import type { Doc } from '../src/core/doc.js';
import { git, makeWorkspace, ok } from './helpers.js';

/**
 * loadWorkspace with the config read directly: the CLI's config cache loads its reader through
 * createRequire('./config-file.js'), which only resolves in the built dist/, not under vitest's TS sources.
 */
export function load(ws: Workspace): Promise<Loaded> {
  return loadWorkspace(ws, { config: loadConfig(ws) });
}

export const KEY = 'sk-ant-test-DUMMY-0123456789abcdefSECRET';

/** A workspace with worker-core and worker-nlp (nlp depends on core), its brain block replaced by `brain`. */
export async function brainWorkspace(brain: string, extra = ''): Promise<string> {
  const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
  const file = path.join(dir, 'orchestra.yaml');
  const text = readFileSync(file, 'utf8').replace(/^brain:\n(?: .*\n)+/m, `brain:\n${brain.replace(/^/gm, '  ')}\n`);
  writeFileSync(file, text + extra);
  git(dir, ['commit', '-q', '-m', 'brain config', '--', 'orchestra.yaml']);
  return dir;
}

export interface Clock {
  at: Date;
  now: () => Date;
  advance: (ms: number) => void;
}

export function clock(iso = '2026-11-24T10:00:00Z'): Clock {
  const c: Clock = { at: new Date(iso), now: () => new Date(c.at), advance: (ms) => (c.at = new Date(c.at.getTime() + ms)) };
  return c;
}

export interface Harness {
  dir: string;
  ws: Workspace;
  brain: AnthropicBrain;
  sleeps: number[];
  clock: Clock;
  /** The BrainRequest the daemon would build for doc `id`. */
  request: (id: string) => Promise<BrainRequest>;
  decide: (id: string) => Promise<BrainDecision>;
}

export async function harness(dir: string, baseURL: string, c = clock()): Promise<Harness> {
  const ws = locateWorkspace(dir);
  const loaded = await load(ws);
  const sleeps: number[] = [];
  const brain = new AnthropicBrain({ ws, config: loaded.config, apiKey: KEY, baseURL, now: c.now, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
  const request = async (id: string): Promise<BrainRequest> => {
    const l = await load(ws);
    const trigger = l.derived.byId.get(id);
    if (!trigger) throw new Error(`no doc ${id}`);
    const w = l.config.workers.find((x) => x.name === trigger.worker);
    let prompt: string | undefined;
    try {
      prompt = w ? readFileSync(path.join(ws.root, w.prompt), 'utf8') : undefined;
    } catch {
      prompt = undefined;
    }
    return { kind: trigger.type === 'doubt' ? 'answer-doubt' : 'next-orders', trigger, snapshot: { config: l.config, docs: l.docs, derived: l.derived, now: c.now() }, prompt };
  };
  return { dir, ws, brain, sleeps, clock: c, request, decide: async (id) => brain.decide(await request(id)) };
}

/**
 * Turns a decision into committed docs the way the daemon does (from `daemon`, `re:` the trigger, only its
 * own paths). Used until the test drives the daemon itself.
 */
export async function applyDecision(ws: Workspace, trigger: Doc, decision: BrainDecision): Promise<string[]> {
  const l = await load(ws);
  const ids: string[] = [];
  if (decision.action === 'create_orders') {
    for (const o of decision.orders) {
      const w = await writeDoc(ws, l.git, { type: 'order', title: o.title, from: 'daemon', to: o.worker, worker: o.worker, priority: o.priority, re: trigger.id, after: o.after, body: o.body });
      ids.push(w.id);
    }
  } else if (decision.action === 'answer_doubt') {
    const w = await writeDoc(ws, l.git, { type: 'answer', title: decision.title ?? `Re: ${trigger.title}`, from: 'daemon', to: trigger.from, worker: trigger.worker, re: trigger.id, body: decision.body });
    ids.push(w.id);
  } else {
    const w = await writeDoc(ws, l.git, { type: 'escalation', title: `Escalated: ${trigger.title}`.slice(0, 200), from: 'daemon', to: 'lead', worker: trigger.worker, re: trigger.id, body: decision.reason });
    ids.push(w.id);
  }
  return ids;
}

/** An order from the lead, started and reported on by its worker; returns the report's id. */
export async function reportedOrder(dir: string, worker: string, title: string, body = 'Done when it works.'): Promise<{ order: string; report: string }> {
  const order = await ok(dir, ['order', worker, title, '--body', body]);
  await ok(dir, ['--as', worker, 'start', order]);
  const report = await ok(dir, ['--as', worker, 'report', order, '--body', `Finished ${title}. Tests pass.`]);
  return { order, report };
}

export function readLog(ws: Workspace): any[] {
  try {
    return readFileSync(path.join(ws.stateDir, 'logs', 'brain.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
