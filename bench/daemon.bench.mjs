// The daemon's figures, each next to its floor in the same run:
//  - reaction latency: a report written and committed (as the CLI does) → its reaction committed, p50/p99 over
//    100 triggers, against a bare `git add && git commit` of one file (targets p50 ≤ 1.5×, p99 ≤ 3×);
//  - a burst of 1,000 hand-written reports dropped at once → all handled, against 1,000 bare commits (≤ 0.5×);
//  - daemon RSS with 10,000 live docs (≤ 200 MB) and with 100,000 archived + 1,000 live docs (≤ 150 MB).
// The daemon runs as its own process (`orchestra daemon`), as it does for a user; it prints a line per handled
// trigger after the commit, which is when the clock stops.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, bareCommit, env, generateWorkspace, git, percentile, record, recordAbsolute, report, ROOT } from './lib.mjs';

const { writeDoc } = await import(path.join(ROOT, 'dist/store/write.js'));
const { Git } = await import(path.join(ROOT, 'dist/store/git.js'));
const { workspaceAt } = await import(path.join(ROOT, 'dist/store/workspace.js'));

const WORKERS = ['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui'];
// `node bench/daemon.bench.mjs latency burst memory`: only those parts (all by default).
const parts = process.argv.slice(2);
const want = (p) => !parts.length || parts.includes(p);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `orchestra daemon` as a child process; resolves handled trigger ids as their lines arrive. */
function startDaemon(dir) {
  const child = spawn(process.execPath, [BIN, 'daemon'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const waiting = new Map();
  const handled = new Set();
  let ready;
  const readyP = new Promise((r) => (ready = r));
  let buf = '';
  let onHandled = () => {};
  child.stderr.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (/re-scan \(watcher ready\)/.test(line)) ready();
      if (/COMMIT FAILED|error:/.test(line)) console.error(`daemon: ${line}`);
      const m = /^\S+ \w+ (\S+) \(/.exec(line);
      if (m && /->|no new orders|order for/.test(line)) {
        const t = process.hrtime.bigint();
        handled.add(m[1]);
        waiting.get(m[1])?.(t);
        waiting.delete(m[1]);
        onHandled(handled.size);
      }
    }
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    child,
    ready: readyP,
    handled,
    /** Resolves with the hrtime at which `id` was reported handled. */
    when: (id) => (handled.has(id) ? Promise.resolve(process.hrtime.bigint()) : new Promise((r) => waiting.set(id, r))),
    onCount: (n) => new Promise((r) => (onHandled = (c) => c >= n && r())),
    rss: () => {
      const s = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
      return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** `n` in-progress orders per worker, written in one commit (the daemon adopts them on its first start). */
function addOrders(dir, n) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const worker = WORKERS[i % WORKERS.length];
    const id = `20261201-000000-order-bench-${i}`;
    mkdirSync(path.join(dir, '.orchestra/docs', worker), { recursive: true });
    writeFileSync(path.join(dir, '.orchestra/docs', worker, `${id}.md`), `---\ntype: order\ntitle: Bench ${i}\nfrom: lead\nto: ${worker}\nstatus: in_progress\ncreated: 2026-12-01T00:00:00.000Z\n---\nDo it.\n`);
    ids.push({ id, worker });
  }
  git(dir, ['add', '.orchestra/docs']);
  git(dir, ['commit', '-q', '-m', 'bench orders']);
  return ids;
}

// ---- 1. reaction latency ----------------------------------------------------------------------------------------
if (want('latency')) {
  const dir = generateWorkspace(1000);
  const orders = addOrders(dir, 100);
  const floor = [];
  for (let i = 0; i < 100; i++) floor.push(bareCommit(dir, i));
  const daemon = startDaemon(dir);
  await daemon.ready;
  const ws = workspaceAt(dir);
  const g = new Git(dir);
  const lat = [];
  for (let i = 0; i < 100; i++) {
    const o = orders[i];
    // What `orchestra report --blocked` writes: the report, committed under the write lock.
    const w = await writeDoc(ws, g, { type: 'report', title: `Blocked ${i}`, from: o.worker, to: 'daemon', worker: o.worker, re: o.id, outcome: 'blocked', body: 'cannot go on' });
    const t0 = process.hrtime.bigint();
    const t1 = await daemon.when(w.id);
    lat.push(Number(t1 - t0) / 1e6);
    await sleep(20 + Math.random() * 30);
  }
  // The same, for a hand-written file (no commit yet): the daemon commits it as its author, then reacts.
  const hand = [];
  for (let i = 0; i < 30; i++) {
    const o = orders[i];
    const id = `hand-report-${i}`;
    const t0 = process.hrtime.bigint();
    // As editors save: the complete file, renamed into place.
    const tmp = path.join(dir, '.orchestra/docs', o.worker, `.${id}.swp`);
    writeFileSync(tmp, `---\ntype: report\ntitle: Hand ${i}\nre: ${o.id}\noutcome: blocked\n---\nstuck\n`);
    renameSync(tmp, path.join(dir, '.orchestra/docs', o.worker, `${id}.md`));
    const t1 = await daemon.when(id);
    hand.push(Number(t1 - t0) / 1e6);
    await sleep(20 + Math.random() * 30);
  }
  await daemon.stop();
  const f50 = percentile(floor, 50);
  const f99 = percentile(floor, 99);
  record('reaction latency p50 (report committed → reaction committed; 1,100 docs)', percentile(lat, 50), f50, 1.5);
  record('reaction latency p99', percentile(lat, 99), f99, 3);
  record('hand-written report p50 (two commits: the report as its author, then the reaction)', percentile(hand, 50), f50, undefined);
  report('daemon: reaction latency (floor: bare git add && git commit of one file)');
}

// ---- 2. burst of 1,000 reports ----------------------------------------------------------------------------------
if (want('burst')) {
  const dir = generateWorkspace(1000);
  const orders = addOrders(dir, 1000);
  const tf = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) bareCommit(dir, i);
  const floor = Number(process.hrtime.bigint() - tf) / 1e6;
  const daemon = startDaemon(dir);
  await daemon.ready;
  const all = daemon.onCount(1000);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) {
    const o = orders[i];
    const file = path.join(dir, '.orchestra/docs', o.worker, `burst-${i}.md`);
    // Written the way editors and the CLI do: complete file, then renamed into place.
    writeFileSync(`${path.dirname(file)}/.burst-${i}.tmp`, `---\ntype: report\ntitle: Burst ${i}\nre: ${o.id}\noutcome: blocked\n---\nstuck\n`);
    renameSync(`${path.dirname(file)}/.burst-${i}.tmp`, file);
  }
  await all;
  const took = Number(process.hrtime.bigint() - t0) / 1e6;
  const commits = Number(git(dir, ['rev-list', '--count', 'HEAD', '--author=daemon', '--author=worker-']).trim());
  await daemon.stop();
  const left = git(dir, ['status', '--porcelain']).trim();
  if (left) throw new Error(`burst left uncommitted files: ${left.slice(0, 200)}`);
  record(`burst: 1,000 hand-written reports → 1,000 escalations committed (${commits} commits)`, took, floor, 0.5);
  report('daemon: burst (floor: 1,000 bare git add && git commit)');
}

// ---- 3. memory -------------------------------------------------------------------------------------------------
async function memory(label, dir, limit) {
  const daemon = startDaemon(dir);
  await daemon.ready;
  // Some work, so the figure is the daemon's running size, not just its start-up.
  const orders = [];
  const files = git(dir, ['ls-files', '.orchestra/docs']).trim().split('\n').filter((f) => /-order-/.test(f)).slice(0, 50);
  for (const f of files) orders.push({ id: path.basename(f, '.md'), worker: f.split('/')[2] });
  const n = daemon.handled.size;
  for (const [i, o] of orders.entries()) {
    writeFileSync(path.join(dir, '.orchestra/docs', o.worker, `mem-${i}.md`), `---\ntype: report\ntitle: Mem ${i}\nre: ${o.id}\noutcome: blocked\n---\nstuck\n`);
  }
  await daemon.onCount(n + orders.length);
  await sleep(500);
  const m = daemon.rss();
  await daemon.stop();
  recordAbsolute(`${label}: RSS after start-up and ${orders.length} reactions`, m.rss, limit, 'MB');
  recordAbsolute(`${label}: peak RSS (VmHWM)`, m.peak, limit, 'MB');
}

if (want('memory')) {
  await memory('10,000 live docs', generateWorkspace(10_000), 200);
  await memory('100,000 archived + 1,000 live docs', generateWorkspace(1000, { archived: 100_000 }), 150);
  report('daemon: memory');
}
