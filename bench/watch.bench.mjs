// Watchdog and status figures, each next to its floor measured in the same run:
// - notification latency: an order's file landing on disk → the `watch --json` event, p50 and p99 over 100
//   orders, vs a bare `git add && git commit` of one file (target p50 <= 0.5x; the seed polled every 30 s)
// - `orchestra status --json` on 10,000 docs with four worker worktrees vs a plain Node script that only reads
//   the same files (target <= 3x)
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, bareCommit, env, generateWorkspace, git, median, percentile, record, recordAbsolute, report, time, tmp, readFloorScript, watchOrders } from './lib.mjs';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 100);
const N = Number(process.env.BENCH_DOCS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

// ---- 1. notification latency -------------------------------------------------------------------------------
{
  const dir = generateWorkspace(200);
  const waiters = new Map();
  const watch = watchOrders(dir, 'worker-core', (doc, arrived) => waiters.get(doc.id)?.(arrived));
  await watch.ready;

  const folder = path.join(dir, '.orchestra', 'docs', 'worker-core');
  mkdirSync(folder, { recursive: true });
  const latencies = [];
  for (let i = 0; i < ORDERS; i++) {
    const id = `20261124-220000-order-bench-${i}-w${process.pid}`;
    const text = `---\ntype: order\ntitle: Bench order ${i}\nfrom: lead\nto: worker-core\npriority: medium\nstatus: pending\ncreated: ${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}\n---\n\nDone when measured.\n`;
    const tmpFile = path.join(folder, `.${id}.tmp`);
    writeFileSync(tmpFile, text);
    const got = new Promise((resolve) => waiters.set(id, resolve));
    // Lands the way orchestra writes docs: complete under a hidden name, then linked into place.
    linkSync(tmpFile, path.join(folder, `${id}.md`));
    const landed = process.hrtime.bigint();
    unlinkSync(tmpFile);
    const arrived = await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error(`no event for ${id} in 10 s`)), 10_000))]);
    latencies.push(Number(arrived - landed) / 1e6);
    waiters.delete(id);
  }
  await watch.stop();

  bareCommit(dir, 'warm');
  const floor = [];
  for (let i = 0; i < ORDERS; i++) floor.push(bareCommit(dir, i));

  record(`watch: order on disk → event, p50 of ${ORDERS}`, percentile(latencies, 50), percentile(floor, 50), 0.5);
  record(`watch: order on disk → event, p99 of ${ORDERS}`, percentile(latencies, 99), percentile(floor, 50));
  recordAbsolute('bare git add && git commit, p50 (the floor)', percentile(floor, 50), undefined, 'ms', 'none');
}

// ---- 2. status on 10,000 docs with four worktrees ------------------------------------------------------------
{
  const dir = generateWorkspace(N);
  const workers = ['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui'];
  const base = tmp('orchestra-bench-wt-');
  workers.forEach((w, i) => {
    // A branch named after the worker is its branch when orchestra.yaml names none.
    const wt = path.join(base, w);
    git(dir, ['worktree', 'add', '-q', '-b', w, wt]);
    mkdirSync(path.join(wt, 'src'), { recursive: true });
    writeFileSync(path.join(wt, 'src', `${w}.ts`), `export const x = ${i};\n`);
    writeFileSync(path.join(wt, 'src', 'shared.ts'), `export const shared = ${i};\n`);
    git(wt, ['add', '--', 'src']);
    git(wt, ['commit', '-q', '-m', `${w} work`, '--', 'src']);
    writeFileSync(path.join(wt, 'src', `${w}-wip.ts`), 'wip\n');
  });
  console.error(`watch: status workspace with ${N} docs and ${workers.length} worktrees at ${dir}`);

  const reader = readFloorScript();
  const status = () => execFileSync(process.execPath, [BIN, 'status', '--json'], { cwd: dir, env, maxBuffer: 1 << 28 });
  // Warm-up: page cache, config cache, and the first health scan's alerts.
  const first = JSON.parse(String(status()));
  const shared = first.alerts.filter((a) => a.kind === 'conflict').length;
  console.error(`watch: status sees ${first.workers.length} workers, ${shared} conflicts recorded`);
  execFileSync(process.execPath, [reader], { cwd: dir, stdio: 'ignore' });

  // For reference: the foundation's load alone (every doc read, parsed and derived), which status builds on.
  const list = () => execFileSync(process.execPath, [BIN, 'list', '--json'], { cwd: dir, env, maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'ignore'] });
  const floorRead = [];
  const runs = [];
  const lists = [];
  for (let i = 0; i < RUNS; i++) {
    floorRead.push(time(() => execFileSync(process.execPath, [reader], { cwd: dir, stdio: 'ignore' })));
    runs.push(time(status));
    lists.push(time(list));
  }
  record(`\`orchestra status --json\`, ${N} docs, 4 worktrees (median of ${RUNS})`, median(runs), median(floorRead), 3);
  record(`\`orchestra list --json\`, same workspace (reference: the shared load)`, median(lists), median(floorRead));
  record('status over list: the health scan, views and metrics', median(runs), median(lists));
}

report('Watchdog and status');
