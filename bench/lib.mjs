// Shared benchmark helpers: generated workspaces, the bare-git floor, percentiles, and a results table.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, mkdirSync, writeFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The tree whose build is measured: this checkout, or the one `run.mjs --against <rev>` checked out beside it
// (the bench code stays this checkout's, so both trees are measured by the same code).
export const ROOT = process.env.ORCHESTRA_BENCH_TREE ? path.resolve(process.env.ORCHESTRA_BENCH_TREE) : path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin', 'orchestra.js');
export const env = { ...process.env, NO_COLOR: '1' };
delete env.ORCHESTRA_AS;

export function git(cwd, args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tmp(prefix = 'orchestra-bench-') {
  return realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function cli(cwd, args, extraEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`orchestra ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * A workspace with `n` generated docs (a realistic mix: orders, reports, doubts, answers), committed in one
 * commit. `archived` more docs go to .orchestra/archive/.
 */
export function generateWorkspace(n, { archived = 0, workers = ['worker-core', 'worker-infra', 'worker-nlp', 'worker-ui'], mode = 'inline', code = 0 } = {}) {
  const dir = tmp();
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Bench']);
  git(dir, ['config', 'user.email', 'bench@example.com']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  // The code of the project (`code` source files), committed on main before orchestra arrives.
  if (code) {
    for (let i = 0; i < code; i++) {
      const folder = path.join(dir, 'src', `m${i % 50}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, `f${i}.ts`), `export const v${i} = ${i};\n`);
    }
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', `bench: ${code} source files`]);
  }
  const workerList = ['--workers', workers.join(',')];
  if (mode === 'branch') cli(dir, ['init', ...workerList]);
  else {
    // A tree from before branch mode (`run.mjs --against`) knows no --inline: its init is inline already.
    try {
      cli(dir, ['init', '--inline', ...workerList]);
    } catch (e) {
      if (!/unknown option '--inline'/.test(String(e))) throw e;
      cli(dir, ['init', ...workerList]);
    }
  }
  const start = Date.parse('2026-01-01T00:00:00Z');
  const iso = (i) => new Date(start + i * 60_000).toISOString().replace(/\.000Z$/, 'Z');
  const stampOf = (i) => iso(i).replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const write = (base, i) => {
    const w = workers[i % workers.length];
    const t = iso(i);
    const stamp = stampOf(i);
    const kind = i % 4;
    const orderId = `${stampOf(i - kind)}-order-task-${i - kind}-b${(i - kind) % 1000}`;
    let id, fm;
    if (kind === 0) {
      id = `${stamp}-order-task-${i}-b${i % 1000}`;
      fm = `type: order\ntitle: Task ${i}\nfrom: lead\nto: ${w}\npriority: medium\nstatus: completed\ncreated: ${t}`;
    } else if (kind === 1) {
      id = `${stamp}-report-task-${i}-r${i % 1000}`;
      fm = `type: report\ntitle: Done task ${i}\nfrom: ${w}\nto: daemon\nre: ${orderId}\noutcome: completed\ncreated: ${t}`;
    } else if (kind === 2) {
      id = `${stamp}-doubt-q-${i}-d${i % 1000}`;
      fm = `type: doubt\ntitle: Question ${i}\nfrom: ${w}\nto: daemon\ncreated: ${t}`;
    } else {
      const doubtId = `${stampOf(i - 1)}-doubt-q-${i - 1}-d${(i - 1) % 1000}`;
      id = `${stamp}-answer-q-${i}-a${i % 1000}`;
      fm = `type: answer\ntitle: Re question ${i - 1}\nfrom: daemon\nto: ${w}\nre: ${doubtId}\ncreated: ${t}`;
    }
    // Keep each worker folder's docs in its own thread: the folder of a doc is its worker.
    const folder = path.join(base, w);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `${id}.md`), `---\n${fm}\n---\n\nGenerated body for doc ${i}.\nDone when the generated criteria hold.\n`);
  };
  for (let i = 0; i < archived; i++) write(path.join(dir, '.orchestra', 'archive'), i);
  for (let i = archived; i < archived + n; i++) write(path.join(dir, '.orchestra', 'docs'), i);
  // Branch mode commits the docs in the orchestration worktree, on its own branch.
  const repo = mode === 'branch' ? path.join(dir, '.orchestra') : dir;
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', `bench: ${n} docs`]);
  return dir;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function ms(hr) {
  return Number(hr) / 1e6;
}

export function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return ms(process.hrtime.bigint() - t);
}

/** The floor most figures compare to: `git add <file> && git commit` of one new file, through a shell. */
export function bareCommit(dir, i) {
  const f = `bench-floor-${process.pid}-${i}.txt`;
  writeFileSync(path.join(dir, f), `floor ${i}\n`);
  return time(() => execFileSync('sh', ['-c', `git add -- "${f}" && git commit -q -m "floor ${i}" -- "${f}"`], { cwd: dir, stdio: 'ignore' }));
}

export function median(values) {
  return percentile(values, 50);
}

const rows = [];
/**
 * Records a figure next to its floor and target; printed by `report()`. `better` says which way is good, for
 * `run.mjs --against`: 'lower' (times, sizes: the default), 'higher' (rates), or 'none' (counts that describe
 * the run, and floors that measure the machine rather than orchestra).
 */
export function record(name, value, floor, target, unit = 'ms', better = 'lower') {
  const ratio = floor ? value / floor : undefined;
  rows.push({ name, value, floor, ratio, target, unit, better, ok: target === undefined || ratio === undefined ? undefined : ratio <= target });
}

export function recordAbsolute(name, value, limit, unit, better = 'lower') {
  rows.push({ name, value, floor: undefined, ratio: undefined, target: limit, unit, better, ok: limit === undefined ? undefined : value <= limit, absolute: true });
}

export function report(title) {
  const fmt = (v, unit) => (v === undefined ? '' : `${v.toFixed(v < 10 ? 2 : 1)} ${unit}`);
  // Machine-readable copy for `run.mjs --against`: one JSON line per figure.
  if (process.env.ORCHESTRA_BENCH_JSON) {
    for (const r of rows) appendFileSync(process.env.ORCHESTRA_BENCH_JSON, `${JSON.stringify({ section: title, name: r.name, value: r.value, unit: r.unit, better: r.better })}\n`);
  }
  console.log(`\n## ${title}\n`);
  console.log('| figure | measured | floor | ratio | target | |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows.splice(0)) {
    const target = r.target === undefined ? '' : r.absolute ? `≤ ${r.target} ${r.unit}` : `≤ ${r.target}×`;
    console.log(`| ${r.name} | ${fmt(r.value, r.unit)} | ${fmt(r.floor, r.unit)} | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`} | ${target} | ${r.ok === undefined ? '' : r.ok ? '✔' : '✖'} |`);
  }
}

/**
 * The read floor: a plain Node script that only reads the same doc files (no parsing, no git). Returns its
 * path; run it with the workspace as cwd.
 */
export function readFloorScript() {
  const reader = path.join(tmp('orchestra-floor-'), 'read.mjs');
  writeFileSync(
    reader,
    `import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
let n = 0;
for (const base of ['.orchestra/docs', '.orchestra/archive']) {
  let folders = [];
  try { folders = readdirSync(base); } catch {}
  for (const w of folders) if (!w.startsWith('.')) for (const f of readdirSync(path.join(base, w))) if (f.endsWith('.md')) { readFileSync(path.join(base, w, f), 'utf8'); n++; }
}
process.stdout.write(String(n));
`,
  );
  return reader;
}

/**
 * `orchestra watch <worker> --json` running in `cwd`: calls `onOrder(doc, arrived)` for each order event, with the
 * hrtime at which its line arrived. `ready` resolves once the first summary is printed; `stop()` ends it.
 */
export function watchOrders(cwd, worker, onOrder) {
  const child = spawn(process.execPath, [BIN, 'watch', worker, '--json', '--quiet'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  let summary;
  const ready = new Promise((resolve) => (summary = resolve));
  child.stdout.on('data', (d) => {
    const arrived = process.hrtime.bigint();
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      if (ev.event === 'summary') summary();
      if (ev.event === 'order') onOrder(ev.doc, arrived);
    }
  });
  const stop = async () => {
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
  };
  return { ready, stop };
}
