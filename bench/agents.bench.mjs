// Agent-facing figures, each next to its floor measured in the same run:
// - `orchestra hook stop` with nothing waiting and with work waiting vs `node -e 0` (target <= 1.5x)
// - an order's file landing (as orchestra writes it, before its commit) -> the MCP channel notification at an
//   SDK client, p50 of 50, vs a bare `git add && git commit` (target p50 <= 0.5x)
// - the same landing -> `orchestra wait --json` printing it, p50 (same target)
// - MCP `report` round trip (warm server) vs the CLI's `report` (target: faster, ratio < 1)
// - token size of the worker tool list and of the session-start briefing (chars / 4: no tokenizer is installed)
import { spawn, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, bareCommit, cli, env, git, median, record, recordAbsolute, report, time, tmp } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const N = Number(process.env.BENCH_ORDERS ?? 50);

function workspace() {
  const dir = tmp();
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Bench']);
  git(dir, ['config', 'user.email', 'bench@example.com']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  cli(dir, ['init', '--workers', 'worker-core,worker-nlp']);
  return dir;
}

const folderOf = (dir) => path.join(dir, '.orchestra', 'docs', 'worker-core');
let seq = 0;
/** Lands an order the way orchestra writes docs: complete under a hidden name, then linked into place. */
function land(dir) {
  const id = `20261201-220000-order-bench-${seq++}-p${process.pid}`;
  const folder = folderOf(dir);
  mkdirSync(folder, { recursive: true });
  const tmpFile = path.join(folder, `.${id}.tmp`);
  writeFileSync(tmpFile, `---\ntype: order\ntitle: Bench order ${seq}\nfrom: lead\nto: worker-core\npriority: medium\nstatus: pending\ncreated: ${new Date().toISOString()}\n---\n\nDone when measured.\n`);
  linkSync(tmpFile, path.join(folder, `${id}.md`));
  const landed = process.hrtime.bigint();
  unlinkSync(tmpFile);
  return { id, landed, file: path.join(folder, `${id}.md`) };
}
const settle = (file) => writeFileSync(file, readFileSync(file, 'utf8').replace('status: pending', 'status: completed'));
const deadline = (p, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: nothing in 10 s`)), 10_000))]);

// ---- 1. hook stop vs node -e 0 ------------------------------------------------------------------------------
{
  const dir = workspace();
  cli(dir, ['order', 'worker-nlp', 'Not for core']);
  const hook = (session) => time(() => spawnSync(process.execPath, [BIN, 'hook', 'stop', '--as', 'worker-core'], { cwd: dir, env, input: JSON.stringify({ session_id: session, stop_hook_active: false }) }));
  const bare = () => time(() => spawnSync(process.execPath, ['-e', '0']));
  hook('warm');
  bare();
  const floor = [];
  const idle = [];
  for (let i = 0; i < RUNS; i++) {
    floor.push(bare());
    idle.push(hook(`idle-${i}`));
  }
  cli(dir, ['order', 'worker-core', 'Waiting work']);
  const busy = [];
  // A new session each time, so every run finds work it was not told of and blocks. The floor is measured
  // between these runs too (one floor for both figures, over both phases), so load from other work that comes
  // or goes between the two phases falls on the floor as much as on the hook.
  for (let i = 0; i < RUNS; i++) {
    busy.push(hook(`busy-${i}`));
    floor.push(bare());
  }
  record('hook stop, nothing waiting (median)', median(idle), median(floor), 1.5);
  record('hook stop, work waiting (median)', median(busy), median(floor), 1.5);
}

// ---- 2. landing -> channel notification, and the MCP report round trip ---------------------------------------
let floorCommit;
{
  const dir = workspace();
  bareCommit(dir, 'warm');
  const floors = [];
  for (let i = 0; i < 20; i++) floors.push(bareCommit(dir, i));
  floorCommit = median(floors);

  const client = new Client({ name: 'bench', version: '1' });
  const waiters = new Map();
  client.fallbackNotificationHandler = async (n) => {
    if (n.method === 'notifications/claude/channel') waiters.get(n.params.meta.id)?.(process.hrtime.bigint());
  };
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--as', 'worker-core'], cwd: dir, env }));
  // The first landing also proves the watch is live.
  const first = land(dir);
  await deadline(new Promise((r) => waiters.set(first.id, r)), 'first push');
  settle(first.file);
  const lat = [];
  for (let i = 0; i < N; i++) {
    let got;
    const p = new Promise((r) => (got = r));
    // Register before landing: the id is known in advance from the sequence.
    const next = `20261201-220000-order-bench-${seq}-p${process.pid}`;
    waiters.set(next, got);
    const l = land(dir);
    const at = await deadline(p, `push of ${l.id}`);
    lat.push(Number(at - l.landed) / 1e6);
    waiters.delete(l.id);
    settle(l.file);
  }
  record(`order landed → channel notification (p50 of ${N})`, median(lat), floorCommit, 0.5);

  const tools = (await client.listTools()).tools;
  recordAbsolute('worker tool list (chars/4)', Math.ceil(JSON.stringify(tools).length / 4), 1500, 'tokens');

  // MCP report (warm server) vs CLI report, on orders in progress.
  const mcpIds = [];
  for (let i = 0; i < 10; i++) mcpIds.push(cli(dir, ['order', 'worker-core', `Report bench ${i}`]));
  const mcpTimes = [];
  for (const id of mcpIds) {
    await client.callTool({ name: 'take', arguments: { id } });
    const t = process.hrtime.bigint();
    const r = await client.callTool({ name: 'report', arguments: { id, body: 'done' } });
    mcpTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.isError) throw new Error(`report failed: ${JSON.stringify(r.content)}`);
  }
  await client.close();
  const cliTimes = [];
  for (let i = 0; i < 10; i++) {
    const id = cli(dir, ['order', 'worker-core', `CLI report bench ${i}`]);
    cli(dir, ['--as', 'worker-core', 'start', id]);
    cliTimes.push(time(() => cli(dir, ['--as', 'worker-core', 'report', id, '--body', 'done'])));
  }
  record('MCP report round trip vs CLI report (median)', median(mcpTimes), median(cliTimes), 1);
  const brief = cli(dir, ['prompt', 'worker-core', '--short']);
  recordAbsolute('session-start briefing (chars/4)', Math.ceil(brief.length / 4), undefined, 'tokens');
}

// ---- 3. landing -> wait returns -----------------------------------------------------------------------------
{
  const dir = workspace();
  const lat = [];
  for (let i = 0; i < Math.min(N, 20); i++) {
    const w = spawn(process.execPath, [BIN, 'wait', 'worker-core', '--json', '--timeout', '30s'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    await deadline(new Promise((r) => w.stderr.on('data', (d) => ((err += d), err.includes('waiting for') && r()))), 'wait start');
    let printed;
    const p = new Promise((r) => (printed = r));
    w.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) printed(process.hrtime.bigint());
    });
    const l = land(dir);
    const at = await deadline(p, `wait for ${l.id}`);
    lat.push(Number(at - l.landed) / 1e6);
    await new Promise((r) => w.on('exit', r));
    settle(l.file);
  }
  record(`order landed → wait prints it (p50 of ${lat.length})`, median(lat), floorCommit, 0.5);
}

report('Agents: hooks, push, wait, MCP');
