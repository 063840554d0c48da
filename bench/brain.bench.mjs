// The anthropic brain against a fake Messages API on 127.0.0.1: calls per handled trigger over a mixed stream
// (lead orders, reports of every outcome, doubts, faq matches) and context tokens per call.
//
// Routing: through the daemon's own planner (dist/core/plan.js: planTrigger → brain.decide → reactionsFor)
// when it is built, else through DESIGN.md's decision table written out below; reactions are written and
// committed with writeDoc, as the daemon does. The real SDK and the real AnthropicBrain make every request.
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cli, percentile, recordAbsolute, report, tmp, git } from './lib.mjs';

const dist = (p) => path.join(ROOT, 'dist', p);
const { AnthropicBrain } = await import(dist('daemon/brains/anthropic.js'));
const { readBrainStats } = await import(dist('daemon/brains/brain-stats.js'));
const { loadWorkspace } = await import(dist('store/load.js'));
const { loadConfig } = await import(dist('store/config-file.js'));
const { locateWorkspace } = await import(dist('store/workspace.js'));
const { writeDoc } = await import(dist('store/write.js'));
const plan = existsSync(dist('core/plan.js')) ? await import(dist('core/plan.js')) : undefined;

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
const ws = locateWorkspace(dir);
const config = { ...loadConfig(ws) };
// A model the SDK does not flag as deprecated (it warns on stderr for every call to one that is).
config.brain = { ...config.brain, kind: 'anthropic', model: 'claude-sonnet-4-6', maxDailyCalls: 10_000 };
const brain = new AnthropicBrain({ ws, config, apiKey: KEY, baseURL });

// DESIGN.md's table, for when the daemon's planner is not built.
function route(trigger) {
  if (trigger.from === 'daemon') return { kind: 'log' };
  if (trigger.type === 'report') return trigger.outcome === 'blocked' ? { kind: 'escalate' } : { kind: 'ask', request: 'next-orders' };
  if (trigger.type === 'doubt') return { kind: 'ask', request: 'answer-doubt' };
  return { kind: 'log' };
}

let handled = 0;
const decideMs = [];
async function handle(id) {
  const l = await loadWorkspace(ws, { config });
  const trigger = l.derived.byId.get(id);
  const input = { trigger, docs: l.docs, derived: l.derived, config, now: new Date(), limits: plan?.DEFAULT_LIMITS, recentToWorker: new Map() };
  const step = plan ? plan.planTrigger(input) : route(trigger);
  handled++;
  let docs = [];
  if (step.kind === 'escalate') docs = step.reactions ?? [{ type: 'escalation', title: `Blocked: ${trigger.title}`, from: 'daemon', to: 'lead', worker: trigger.worker, re: id, body: 'blocked' }];
  if (step.kind === 'ask') {
    const w = config.workers.find((x) => x.name === trigger.worker);
    const t0 = performance.now();
    const decision = await brain.decide({ kind: step.request, trigger, snapshot: { config, docs: l.docs, derived: l.derived, now: new Date() }, prompt: w ? readFileSync(path.join(ws.root, w.prompt), 'utf8') : undefined });
    decideMs.push(performance.now() - t0);
    if (plan) docs = plan.reactionsFor(input, decision).docs;
    else if (decision.action === 'create_orders') docs = decision.orders.map((o) => ({ type: 'order', title: o.title, from: 'daemon', to: o.worker, worker: o.worker, priority: o.priority, re: id, body: o.body }));
    else if (decision.action === 'answer_doubt') docs = [{ type: 'answer', title: `Re: ${trigger.title}`, from: 'daemon', to: trigger.from, worker: trigger.worker, re: id, body: decision.body }];
    else docs = [{ type: 'escalation', title: `Needs the lead: ${trigger.title}`, from: 'daemon', to: 'lead', worker: trigger.worker, re: id, body: decision.reason }];
  }
  for (const d of docs) await writeDoc(ws, l.git, d, { actor: 'daemon' });
}

const workers = config.workers.map((w) => w.name);
const l0 = await loadWorkspace(ws, { config });
const mix = { order: 0, completed: 0, partial: 0, blocked: 0, doubt: 0, faq: 0 };
for (let i = 0; i < ORDERS; i++) {
  const w = workers[i % workers.length];
  const order = await writeDoc(ws, l0.git, { type: 'order', title: `Task ${i}`, from: 'lead', to: w, worker: w, body: `Implement task ${i}.\n\nDone when its tests pass.` }, { actor: 'lead' });
  mix.order++;
  await handle(order.id);
  if (rand() < 0.5) {
    const faq = rand() < 0.4;
    const doubt = await writeDoc(ws, l0.git, { type: 'doubt', title: faq ? 'Which test framework?' : `How should task ${i} handle errors?`, from: w, to: 'daemon', worker: w, re: order.id, body: faq ? 'jest or vitest?' : 'Throw, or return a result?' }, { actor: w });
    mix[faq ? 'faq' : 'doubt']++;
    await handle(doubt.id);
  }
  const r = rand();
  const outcome = r < 0.8 ? 'completed' : r < 0.9 ? 'partial' : 'blocked';
  mix[outcome]++;
  const rep = await writeDoc(ws, l0.git, { type: 'report', title: `Done: task ${i}`, from: w, to: 'daemon', worker: w, re: order.id, outcome, body: `Task ${i}: ${outcome}. ${'Details of what changed. '.repeat(10)}` }, { actor: w });
  await handle(rep.id);
}

const log = readFileSync(path.join(ws.stateDir, 'logs', 'brain.jsonl'), 'utf8').trim().split('\n').map((x) => JSON.parse(x));
const sent = log.filter((x) => x.outcome === 'ok');
const ctxTokens = sent.map((x) => x.contextTokens);
const stats = readBrainStats(ws, config, new Date());

console.log(`\nstream: ${mix.order} lead orders, ${mix.completed} completed + ${mix.partial} partial + ${mix.blocked} blocked reports, ${mix.doubt} doubts, ${mix.faq} faq-matched doubts; routing: ${plan ? "the daemon's planner (dist/core/plan.js)" : "DESIGN.md's table"}`);
recordAbsolute('calls per handled trigger', requests.length / handled, 0.6, 'calls');
recordAbsolute('handled triggers', handled, undefined, 'docs');
recordAbsolute('requests', requests.length, undefined, 'calls');
recordAbsolute('context tokens per call, p50 (estimate)', percentile(ctxTokens, 50), config.brain.contextTokens, 'tokens');
recordAbsolute('context tokens per call, max (estimate)', Math.max(...ctxTokens), config.brain.contextTokens, 'tokens');
recordAbsolute('request body per call, p50', percentile(requests.map((r) => r.bytes), 50) / 1024, undefined, 'KiB');
recordAbsolute('cache hit rate (fake usage)', stats.cacheHitRate * 100, undefined, '%');
recordAbsolute('decide() per asked trigger, p50 (local fake)', percentile(decideMs, 50), undefined, 'ms');
report(`anthropic brain (${ORDERS} lead orders, fake Messages API)`);

await brain.close();
server.close();
if (requests.length / handled > 0.6) process.exitCode = 1;
