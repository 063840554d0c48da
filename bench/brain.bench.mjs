// The anthropic brain against a fake Messages API on 127.0.0.1: calls per handled trigger over a mixed stream
// (lead orders, reports of every outcome, doubts, faq matches) and context tokens per call.
//
// Driven through the real daemon: `orchestra daemon --brain anthropic` is spawned with ANTHROPIC_BASE_URL
// pointing at the fake and a dummy key; the stream's docs are written and committed one at a time (as the
// lead and the workers would), each waited for until the daemon logs it handled.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, env as baseEnv, cli, percentile, recordAbsolute, report, tmp, git } from './lib.mjs';

const dist = (p) => path.join(ROOT, 'dist', p);
const { readBrainStats } = await import(dist('store/brain-stats.js'));
const { loadWorkspace } = await import(dist('store/load.js'));
const { loadConfig } = await import(dist('store/config-file.js'));
const { locateWorkspace } = await import(dist('store/workspace.js'));
const { writeDoc } = await import(dist('store/write.js'));

const ORDERS = Number(process.env.BENCH_BRAIN_ORDERS ?? 60);
const KEY = 'sk-ant-bench-dummy-key';

// Deterministic stream: the same mix on every run.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

// The fake API: answers doubts, proposes a follow-up order for one report in five, and reports usage as the
// real API would with a warm prompt cache (the system block read from cache after the first request).
const requests = [];
let cacheWarm = false;
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => (raw += d));
  req.on('end', () => {
    const body = JSON.parse(raw);
    requests.push({ bytes: raw.length });
    const user = typeof body.messages[0].content === 'string' ? body.messages[0].content : '';
    const sys = Math.ceil(body.system.map((b) => b.text).join('').length / 3.5) + Math.ceil(JSON.stringify(body.tools).length / 3.5);
    const dyn = Math.ceil(JSON.stringify(body.messages).length / 3.5);
    const doubt = user.includes('has a doubt');
    const input = doubt
      ? { body: 'Follow the interface in the prompt file; keep the change inside your scope.' }
      : rand() < 0.2
        ? { orders: [{ worker: 'worker-ui', title: 'Show the new result', body: 'Display it on the main screen.\n\nDone when the screen test passes.' }] }
        : { orders: [] };
    const usage = { input_tokens: dyn, output_tokens: 80, cache_read_input_tokens: cacheWarm ? sys : 0, cache_creation_input_tokens: cacheWarm ? 0 : sys };
    cacheWarm = true;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `msg_${requests.length}`, type: 'message', role: 'assistant', model: body.model, content: [{ type: 'tool_use', id: `toolu_${requests.length}`, name: doubt ? 'answer_doubt' : 'create_order', input }], stop_reason: 'tool_use', stop_sequence: null, usage }));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const baseURL = `http://127.0.0.1:${server.address().port}`;

const dir = tmp();
git(dir, ['init', '-q', '-b', 'main']);
git(dir, ['config', 'user.name', 'Bench']);
git(dir, ['config', 'user.email', 'bench@example.com']);
git(dir, ['config', 'commit.gpgsign', 'false']);
cli(dir, ['init', '--workers', 'worker-core,worker-nlp,worker-infra,worker-ui']);
// A model the SDK does not flag as deprecated (it warns on stderr for every call to one that is).
const yamlPath = path.join(dir, 'orchestra.yaml');
const yaml = readFileSync(yamlPath, 'utf8').replace(/kind: rules/, 'kind: anthropic').replace(/model: claude-sonnet-4-5/, 'model: claude-sonnet-4-6').replace(/max_daily_calls: \d+/, 'max_daily_calls: 10000');
(await import('node:fs')).writeFileSync(yamlPath, yaml);
git(dir, ['commit', '-q', '-m', 'brain: anthropic', '--', 'orchestra.yaml']);
const ws = locateWorkspace(dir);
const config = loadConfig(ws);

const daemon = spawn(process.execPath, [BIN, 'daemon', '--brain', 'anthropic'], { cwd: dir, env: { ...baseEnv, ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: baseURL }, stdio: ['ignore', 'pipe', 'pipe'] });
let daemonErr = '';
daemon.stderr.on('data', (d) => (daemonErr += d));
const daemonLog = path.join(ws.stateDir, 'logs', 'daemon.jsonl');
const readJsonl = (file) => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((x) => JSON.parse(x));
  } catch {
    return [];
  }
};
async function until(cond, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (daemon.exitCode !== null) throw new Error(`daemon exited ${daemon.exitCode}: ${daemonErr.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${daemonErr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
await until(() => readJsonl(daemonLog).some((e) => e.event === 'rescan' && e.reason === 'watcher ready'), 'the daemon to start watching');

let handled = 0;
const handleMs = [];
/** Waits until the daemon logged the trigger as handled. */
async function handled_(id, t0) {
  await until(() => readJsonl(daemonLog).some((e) => e.event === 'trigger' && e.trigger === id), `trigger ${id}`);
  handleMs.push(performance.now() - t0);
  handled++;
}
const l0 = await loadWorkspace(ws, { config });
const write = async (d, actor) => {
  const t0 = performance.now();
  const w = await writeDoc(ws, l0.git, d, { actor });
  await handled_(w.id, t0);
  return w;
};

const workers = config.workers.map((w) => w.name);
const mix = { order: 0, completed: 0, partial: 0, blocked: 0, doubt: 0, faq: 0 };
for (let i = 0; i < ORDERS; i++) {
  const w = workers[i % workers.length];
  const order = await write({ type: 'order', title: `Task ${i}`, from: 'lead', to: w, worker: w, body: `Implement task ${i}.\n\nDone when its tests pass.` }, 'lead');
  mix.order++;
  if (rand() < 0.5) {
    const faq = rand() < 0.4;
    await write({ type: 'doubt', title: faq ? 'Which test framework?' : `How should task ${i} handle errors?`, from: w, to: 'daemon', worker: w, re: order.id, body: faq ? 'jest or vitest?' : 'Throw, or return a result?' }, w);
    mix[faq ? 'faq' : 'doubt']++;
  }
  const r = rand();
  const outcome = r < 0.8 ? 'completed' : r < 0.9 ? 'partial' : 'blocked';
  mix[outcome]++;
  await write({ type: 'report', title: `Done: task ${i}`, from: w, to: 'daemon', worker: w, re: order.id, outcome, body: `Task ${i}: ${outcome}. ${'Details of what changed. '.repeat(10)}` }, w);
}

const log = readFileSync(path.join(ws.stateDir, 'logs', 'brain.jsonl'), 'utf8').trim().split('\n').map((x) => JSON.parse(x));
const sent = log.filter((x) => x.outcome === 'ok');
const ctxTokens = sent.map((x) => x.contextTokens);
const stats = readBrainStats(ws, config, new Date());

console.log(`\nstream: ${mix.order} lead orders, ${mix.completed} completed + ${mix.partial} partial + ${mix.blocked} blocked reports, ${mix.doubt} doubts, ${mix.faq} faq-matched doubts; through orchestra daemon --brain anthropic`);
recordAbsolute('calls per handled trigger', requests.length / handled, 0.6, 'calls');
recordAbsolute('handled triggers', handled, undefined, 'docs', 'none');
recordAbsolute('requests', requests.length, undefined, 'calls');
recordAbsolute('context tokens per call, p50 (estimate)', percentile(ctxTokens, 50), config.brain.contextTokens, 'tokens');
recordAbsolute('context tokens per call, max (estimate)', Math.max(...ctxTokens), config.brain.contextTokens, 'tokens');
recordAbsolute('request body per call, p50', percentile(requests.map((r) => r.bytes), 50) / 1024, undefined, 'KiB');
recordAbsolute('cache hit rate (fake usage)', stats.cacheHitRate * 100, undefined, '%', 'higher');
recordAbsolute('doc written -> handled by the daemon, p50 (local fake)', percentile(handleMs, 50), undefined, 'ms');
recordAbsolute('key in daemon output or state', (daemonErr + readFileSync(path.join(ws.stateDir, 'logs', 'brain.jsonl'), 'utf8') + readFileSync(daemonLog, 'utf8')).includes(KEY) ? 1 : 0, 0, 'times');
report(`anthropic brain (${ORDERS} lead orders, fake Messages API)`);

daemon.kill('SIGTERM');
await new Promise((r) => daemon.on('exit', r));
server.close();
if (requests.length / handled > 0.6) process.exitCode = 1;
(await import('node:fs')).rmSync(dir, { recursive: true, force: true });
