// Storage modes: `orchestra order` in branch mode (docs committed in the orchestration worktree, whose index holds
// only orchestration files) against inline mode (docs committed on the code's branch, its index holding the code
// too) and against the floor, a bare `git add && git commit` of one file in the same repository's main checkout;
// all in one run, alternating. Target: branch mode <= 1.5x the floor.
import { execFileSync } from 'node:child_process';
import { BIN, bareCommit, env, generateWorkspace, median, record, report, time } from './lib.mjs';

const N = Number(process.env.BENCH_DOCS ?? 10_000);
const CODE = Number(process.env.BENCH_CODE ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const branch = generateWorkspace(N, { mode: 'branch', code: CODE });
const inline = generateWorkspace(N, { mode: 'inline', code: CODE });
console.error(`storage: ${N} docs and ${CODE} source files, branch mode at ${branch}, inline mode at ${inline}`);

const order = (dir, i) => time(() => execFileSync(process.execPath, [BIN, 'order', 'worker-core', `Bench order ${i}`, '--body', 'x'], { cwd: dir, env, stdio: 'ignore' }));
// Warm-up: page cache, config cache, the index of each repository.
order(branch, 'warm');
order(inline, 'warm');
bareCommit(branch, 'warm');

const floor = [];
const inBranch = [];
const inInline = [];
for (let i = 0; i < RUNS; i++) {
  floor.push(bareCommit(branch, i));
  inBranch.push(order(branch, i));
  inInline.push(order(inline, i));
}

record('`orchestra order`, branch mode (median)', median(inBranch), median(floor), 1.5);
record('`orchestra order`, inline mode (median)', median(inInline), median(floor), undefined, 'ms', 'none');
record('branch mode against inline mode (median)', median(inBranch), median(inInline), undefined, 'ms', 'none');
report(`Storage modes (${N} docs, ${CODE} source files, ${RUNS} runs)`);
