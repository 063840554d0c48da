/** A small workspace with every kind of doc and state, and the dashboard started on it through the real CLI. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { git, makeWorkspace, ok, spawnCli, type LongRunning } from './helpers.js';

export interface Fixture {
  dir: string;
  ids: Record<string, string>;
}

/** Orders in every state, a report, a doubt, an open escalation and an open alert. */
export async function makeFixture(): Promise<Fixture> {
  const dir = await makeWorkspace();
  const ids: Record<string, string> = {};
  ids.core = await ok(dir, ['order', 'worker-core', 'Optimize propagation', '--priority', 'high', '--body', '## Goal\n\nMake `propagate()` fast.\n\n- Done when p99 < 5 ms\n- Tests in `test/prop.test.ts`']);
  await ok(dir, ['--as', 'worker-core', 'start', ids.core]);
  ids.ci = await ok(dir, ['order', 'worker-infra', 'Set up CI', '--body', 'Run the tests on every push.']);
  ids.ciReport = await ok(dir, ['--as', 'worker-infra', 'report', ids.ci, '--body', 'CI runs in 2 minutes.']);
  ids.coverage = await ok(dir, ['order', 'worker-infra', 'Add coverage report']);
  ids.nlp = await ok(dir, ['order', 'worker-nlp', 'Tokenizer on numpy']);
  ids.ui = await ok(dir, ['order', 'worker-ui', 'Polish the charts', '--priority', 'low']);
  ids.doubt = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework should I use?', '--body', 'pytest or vitest?']);
  // An escalation as the daemon writes it (the CLI has no command for it).
  ids.escalation = '20261124-120000-escalation-worker-ui-is-idle-e5c1';
  const escFile = path.join(dir, '.orchestra', 'docs', 'worker-ui', `${ids.escalation}.md`);
  mkdirSync(path.dirname(escFile), { recursive: true });
  writeFileSync(escFile, `---\ntype: escalation\ntitle: worker-ui is idle\nfrom: daemon\nto: lead\npriority: high\ncreated: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}\n---\nworker-ui finished and has nothing ready. What next?\n`);
  git(dir, ['add', '--', escFile]);
  git(dir, ['commit', '-q', '-m', `orchestra: escalation worker-ui: worker-ui is idle\n\nOrchestra-Doc: ${ids.escalation}\nOrchestra-Actor: daemon`, '--', escFile]);
  addAlert(dir, { kind: 'stalled', level: 'warning', message: 'worker-core has had an order in progress for 3 hours with no commit', doc: ids.core });
  return { dir, ids };
}

export function addAlert(dir: string, a: { kind: string; level: string; message: string; doc?: string; key?: string }): string {
  const id = `alert-${Math.random().toString(36).slice(2, 10)}`;
  const stateDir = path.join(dir, '.orchestra', 'state');
  mkdirSync(stateDir, { recursive: true });
  appendFileSync(path.join(stateDir, 'alerts.jsonl'), `${JSON.stringify({ id, at: new Date().toISOString(), key: id, ...a })}\n`);
  return id;
}

export interface Running {
  proc: LongRunning;
  url: string;
  port: number;
}

/** `orchestra dashboard --port 0`, the URL read from its output. */
export async function startCliDashboard(dir: string, extra: string[] = []): Promise<Running> {
  const proc = spawnCli(dir, ['dashboard', '--port', '0', ...extra]);
  const line = await proc.waitForOutput(/^dashboard: http:\/\//);
  const url = line.replace(/^dashboard: /, '').trim();
  return { proc, url, port: Number(new URL(url).port) };
}
