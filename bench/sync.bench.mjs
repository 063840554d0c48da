// Sync across machines (issue 14), next to its floor measured in the same run:
// - an order written in clone A (`orchestra order`, which pushes at once) until `watch --json` in clone B shows
//   it through a bare remote (B's watch polls the remote with `ls-remote` and pulls when it moved), p50 of 50,
//   vs one bare round trip: `git add && git commit && git push` in one clone, then `git fetch` in another.
//   Target: p50 ≤ 1 s + 1.5 × that round trip.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, env, git, percentile, recordAbsolute, report, time, tmp, watchOrders } from './lib.mjs';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 50);

function identity(dir) {
  git(dir, ['config', 'user.name', 'Bench']);
  git(dir, ['config', 'user.email', 'bench@example.com']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
}

function cliAsync(cwd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`orchestra ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

const remote = path.join(tmp('orchestra-bench-remote-'), 'team.git');
git(path.dirname(remote), ['init', '-q', '--bare', '-b', 'main', remote]);
const a = tmp('orchestra-bench-a-');
git(a, ['init', '-q', '-b', 'main']);
identity(a);
execFileSync(process.execPath, [BIN, 'init', '--workers', 'worker-core'], { cwd: a, env, stdio: 'ignore' });
const yaml = path.join(a, 'orchestra.yaml');
writeFileSync(yaml, `${readFileSync(yaml, 'utf8').trimEnd()}\nsync:\n  remote: origin\n  branch: main\n`);
git(a, ['commit', '-q', '-m', 'sync', '--', 'orchestra.yaml']);
git(a, ['remote', 'add', 'origin', remote]);
git(a, ['push', '-q', '-u', 'origin', 'main']);
// Branch mode (init's default): the docs travel on the orchestration branch, which clone B attaches on its first command.
if (git(a, ['branch', '--list', 'orchestra']).trim()) git(a, ['push', '-q', 'origin', 'orchestra']);
const b = path.join(tmp('orchestra-bench-b-'), 'repo');
git(path.dirname(b), ['clone', '-q', remote, b]);
identity(b);

// ---- 1. order in A → watch event in B ------------------------------------------------------------------------
const waiters = new Map();
const early = new Map();
const watch = watchOrders(b, 'worker-core', (doc, arrived) => {
  const w = waiters.get(doc.title);
  if (w) w(arrived);
  else early.set(doc.title, arrived);
});
await watch.ready;

const latencies = [];
for (let i = 0; i < ORDERS; i++) {
  const title = `Bench order ${i}`;
  const got = new Promise((resolve) => waiters.set(title, resolve));
  const t0 = process.hrtime.bigint();
  await cliAsync(a, ['order', 'worker-core', title]);
  const arrived = early.get(title) ?? (await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error(`no event for ${title} in 20 s`)), 20_000))]));
  latencies.push(Number(arrived - t0) / 1e6);
  waiters.delete(title);
}
await watch.stop();

// ---- floor: one bare commit + push in one clone, then fetch in another ----------------------------------------
const x = path.join(tmp('orchestra-bench-x-'), 'repo');
const y = path.join(tmp('orchestra-bench-y-'), 'repo');
git(path.dirname(x), ['clone', '-q', remote, x]);
git(path.dirname(y), ['clone', '-q', remote, y]);
identity(x);
const floor = [];
for (let i = -1; i < ORDERS; i++) {
  const f = `floor-${i}.txt`;
  writeFileSync(path.join(x, f), `floor ${i}\n`);
  const t = time(() => {
    execFileSync('sh', ['-c', `git add -- "${f}" && git commit -q -m "floor ${i}" -- "${f}" && git push -q origin main`], { cwd: x, stdio: 'ignore' });
    execFileSync('git', ['fetch', '-q', 'origin'], { cwd: y, stdio: 'ignore' });
  });
  if (i >= 0) floor.push(t);
}
const rt = percentile(floor, 50);
recordAbsolute(`order in clone A → watch --json in clone B, through the bare remote, p50 of ${ORDERS}`, percentile(latencies, 50), Math.round(1000 + 1.5 * rt), 'ms');
recordAbsolute(`same, p90 of ${ORDERS}`, percentile(latencies, 90), undefined, 'ms');
recordAbsolute('bare commit + push + fetch round trip, p50 (the floor)', rt, undefined, 'ms', 'none');
report('Sync across machines');
