// The notify figure, next to its floor in the same run: an escalation written and committed (as the CLI does) →
// committed and its JSON POST received (whichever is later) by a webhook on 127.0.0.1, p50/p99 over 50 escalations, against a bare
// `git add && git commit` of one file (target p50 ≤ 1.5×), taken in turn with each escalation while the daemon runs
// (both under the same load). The daemon runs as its own process, as for a user.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { BIN, bareCommit, env, generateWorkspace, git, percentile, record, recordAbsolute, report, ROOT } from './lib.mjs';

const { writeDoc } = await import(path.join(ROOT, 'dist/store/write.js'));
const { Git } = await import(path.join(ROOT, 'dist/store/git.js'));
const { workspaceAt } = await import(path.join(ROOT, 'dist/store/workspace.js'));

const N = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const waiting = new Map();
const received = new Map();
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const t = process.hrtime.bigint();
    res.end('ok');
    const doc = JSON.parse(body).doc;
    received.set(doc, t);
    waiting.get(doc)?.(t);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/orchestra`;
const when = (doc) => (received.has(doc) ? Promise.resolve(received.get(doc)) : new Promise((r) => waiting.set(doc, r)));

const dir = generateWorkspace(1000);
// A rate high enough that the figure is the path's, not the limiter's.
appendFileSync(path.join(dir, 'orchestra.yaml'), `notify:\n  webhook: ${url}\n  rate: { max: 1000, per: 1m }\n`);
git(dir, ['commit', '-q', '-m', 'bench: notify', '--', 'orchestra.yaml']);

const floor = [];

const child = spawn(process.execPath, [BIN, 'daemon'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
await new Promise((resolve, reject) => {
  let buf = '';
  child.stderr.on('data', (d) => {
    buf += d;
    if (/re-scan \(watcher ready\)/.test(buf)) resolve();
    if (/notify \w+ failed|error:/.test(String(d))) console.error(`daemon: ${String(d).trim()}`);
  });
  // A build without notify (an older base of `--against`) refuses the config: the section fails, it does not hang.
  child.on('exit', (code) => reject(new Error(`the daemon exited (${code}) before it was ready`)));
});

const ws = workspaceAt(dir);
const g = new Git(dir);
// The first escalation, while the daemon is still busy starting (the re-scan of 1,000 docs, the health scan), is
// reported on its own line and kept out of the percentiles, which are the daemon at work.
let firstAfterStart;
{
  const t0 = process.hrtime.bigint();
  const w = await writeDoc(ws, g, { type: 'escalation', title: 'Needs the lead first', from: 'worker-core', to: 'lead', worker: 'worker-core', body: 'decide' });
  firstAfterStart = Number((await when(w.id)) - t0) / 1e6;
  await sleep(50);
}
const lat = [];
const commitOnly = [];
const after = [];
for (let i = 0; i < N; i++) {
  // The floor is taken in turn with the figure, so both see the same machine: the daemon running and watching.
  floor.push(bareCommit(dir, i));
  await sleep(10);
  // From the start of the write: the daemon sees the file before its commit is done, so the POST often arrives
  // while the commit still runs; the figure is what the user waits for, write and commit included.
  const t0 = process.hrtime.bigint();
  const w = await writeDoc(ws, g, { type: 'escalation', title: `Needs the lead ${i}`, from: 'worker-core', to: 'lead', worker: 'worker-core', body: 'decide' });
  const tc = process.hrtime.bigint();
  const t1 = await when(w.id);
  commitOnly.push(Number(tc - t0) / 1e6);
  after.push(t1 > tc ? Number(t1 - tc) / 1e6 : 0);
  lat.push(Number((t1 > tc ? t1 : tc) - t0) / 1e6);
  await sleep(20 + Math.random() * 30);
}
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
server.close();

record('escalation written and committed → webhook received p50 (1,000 docs)', percentile(lat, 50), percentile(floor, 50), 1.5);
record('escalation written and committed → webhook received p99', percentile(lat, 99), percentile(floor, 99), 3);
record('the write and commit alone p50 (orchestra\'s writeDoc)', percentile(commitOnly, 50), percentile(floor, 50), undefined);
record('the write and commit alone p99', percentile(commitOnly, 99), percentile(floor, 99), undefined);
recordAbsolute('the first escalation right after the daemon started: write → POST', firstAfterStart, undefined, 'ms', 'lower');
// What notify itself adds: the wait past the commit's end (0 when the POST came first).
recordAbsolute('POST received after the commit ended, p50', percentile(after, 50), undefined, 'ms', 'lower');
recordAbsolute('POST received after the commit ended, p99', percentile(after, 99), undefined, 'ms', 'lower');
report('notify: webhook latency (floor: bare git add && git commit of one file)');
