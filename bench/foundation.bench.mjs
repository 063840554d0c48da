// Foundation figures on a generated 10,000-doc workspace, each next to its floor measured in the same run:
// - `orchestra order` end to end vs a bare `git add && git commit` of one file (target <= 2x)
// - `orchestra list --json` vs a plain Node script that only reads the same files (target <= 3x)
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, bareCommit, env, generateWorkspace, median, record, report, time, tmp, readFloorScript } from './lib.mjs';

const N = Number(process.env.BENCH_DOCS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const dir = generateWorkspace(N);
console.error(`foundation: workspace with ${N} docs at ${dir}`);

// Warm-up: the first run of anything pays for the page cache; the config cache is built once.
spawnSync(process.execPath, [BIN, 'list', '--json'], { cwd: dir, env, stdio: 'ignore' });
bareCommit(dir, 'warm');

const floorCommit = [];
const order = [];
for (let i = 0; i < RUNS; i++) {
  floorCommit.push(bareCommit(dir, i));
  order.push(time(() => execFileSync(process.execPath, [BIN, 'order', 'worker-core', `Bench order ${i}`, '--body', 'x'], { cwd: dir, env, stdio: 'ignore' })));
}
const node = [];
for (let i = 0; i < RUNS; i++) node.push(time(() => execFileSync(process.execPath, ['-e', '0'], { stdio: 'ignore' })));

const reader = readFloorScript();
const floorRead = [];
const list = [];
for (let i = 0; i < Math.max(5, Math.round(RUNS / 2)); i++) {
  floorRead.push(time(() => execFileSync(process.execPath, [reader], { cwd: dir, stdio: 'ignore' })));
  list.push(time(() => execFileSync(process.execPath, [BIN, 'list', '--json'], { cwd: dir, env, stdio: 'ignore', maxBuffer: 1 << 30 })));
}

record('`orchestra order` end to end (median)', median(order), median(floorCommit), 2);
record('node -e 0 (start-up alone, for reference)', median(node), median(floorCommit), undefined, 'ms', 'none');
record(`\`orchestra list --json\`, ${N} docs (median)`, median(list), median(floorRead), 3);
report(`Foundation (${N} docs, ${RUNS} runs)`);
