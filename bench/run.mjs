// `npm run bench [name...]`: runs every bench/*.bench.mjs (or the named ones) one after another, so figures
// are not disturbed by each other, and prints each one's table.
//
// `npm run bench -- --against <rev> [--rounds N] [name...]`: the same sections for two builds in one run. <rev>
// is checked out in a temporary detached worktree (node_modules linked to this checkout's) and built with tsc;
// each section then runs for the base and for this tree alternately (base first in odd rounds, ours first in
// even ones), so load from other work falls on both alike. The bench code is this tree's for both; only the
// measured build (bin/, dist/, assets/) differs. Prints one table: figure, base, ours, ratio, and ✖ where ours
// is more than 10 % worse (the medians over the rounds; lower or higher is better per figure).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = import.meta.dirname;
const ROOT = path.resolve(dir, '..');
const TOLERANCE = 1.1;

function parseArgs(argv) {
  const opts = { against: undefined, rounds: 1, wanted: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--against') opts.against = argv[++i];
    else if (a.startsWith('--against=')) opts.against = a.slice('--against='.length);
    else if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a.startsWith('--rounds=')) opts.rounds = Number(a.slice('--rounds='.length));
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else opts.wanted.push(a);
  }
  if (opts.against !== undefined && !opts.against) usage('--against needs a revision');
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) usage('--rounds needs a whole number ≥ 1');
  return opts;
}

function usage(problem) {
  console.error(`error: ${problem}\nusage: npm run bench -- [--against <rev> [--rounds N]] [section...]`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => !opts.wanted.length || opts.wanted.some((w) => f.startsWith(w)))
  .sort();
if (!files.length) usage(`no bench/*.bench.mjs starts with ${opts.wanted.join(', ')}`);

/** Runs one section against the build in `tree`; returns its figures when `jsonFile` is given. */
function runSection(f, tree, jsonFile) {
  const env = { ...process.env, ORCHESTRA_BENCH_TREE: tree };
  if (jsonFile) env.ORCHESTRA_BENCH_JSON = jsonFile;
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, f)], { stdio: 'inherit', env });
  if (r.status !== 0) console.error(`bench ${f} failed for ${tree} (exit ${r.status})`);
  return r.status === 0;
}

console.log(`# orchestra benchmarks (${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores)`);

if (!opts.against) {
  let failed = 0;
  for (const f of files) if (!runSection(f, ROOT)) failed++;
  process.exit(failed ? 1 : 0);
}

// ---- --against <rev> ----------------------------------------------------------------------------------------
const git = (args, cwd = ROOT) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
let baseCommit;
try {
  baseCommit = git(['rev-parse', '--verify', '--end-of-options', `${opts.against}^{commit}`]);
} catch {
  usage(`${opts.against} is not a commit here`);
}
const ourCommit = git(['rev-parse', 'HEAD']);
const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'orchestra-bench-base-'));
const baseTree = path.join(scratch, 'tree');
const out = path.join(scratch, 'figures');
let cleaned = false;
const cleanup = () => {
  if (cleaned) return;
  cleaned = true;
  try {
    git(['worktree', 'remove', '--force', baseTree]);
  } catch {
    // Not added, or already gone: the folder goes below either way.
  }
  rmSync(scratch, { recursive: true, force: true });
  try {
    git(['worktree', 'prune']);
  } catch {}
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

console.log(`base: ${opts.against} = ${baseCommit.slice(0, 12)} (${git(['log', '-1', '--format=%s', baseCommit]).slice(0, 80)})`);
console.log(`ours: ${ROOT} at ${ourCommit.slice(0, 12)}${dirty ? ' with uncommitted changes' : ''}`);
git(['worktree', 'add', '--detach', '--quiet', baseTree, baseCommit]);
symlinkSync(path.join(ROOT, 'node_modules'), path.join(baseTree, 'node_modules'));
const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
console.error(`building the base in ${baseTree}`);
execFileSync(process.execPath, [tsc, '-p', path.join(baseTree, 'tsconfig.json')], { stdio: 'inherit' });
if (!existsSync(path.join(ROOT, 'dist'))) usage('this tree has no dist/: run through `npm run bench` (it builds first)');

const readFigures = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const median = (vs) => {
  const s = [...vs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const table = [];
let failed = 0;
for (const f of files) {
  const runs = { base: [], ours: [] };
  for (let round = 1; round <= opts.rounds; round++) {
    const order = round % 2 ? ['base', 'ours'] : ['ours', 'base'];
    for (const who of order) {
      const file = path.join(scratch, `${f}.${who}.${round}.jsonl`);
      console.log(`\n### ${f}: ${who} (round ${round} of ${opts.rounds})`);
      if (!runSection(f, who === 'base' ? baseTree : ROOT, file)) failed++;
      runs[who].push(readFigures(file));
    }
  }
  // One row per figure, keyed by section and name, in the order ours printed them (then any only the base has).
  const key = (x) => `${x.section}\u0000${x.name}`;
  const seen = new Map();
  for (const who of ['ours', 'base']) for (const list of runs[who]) for (const x of list) if (!seen.has(key(x))) seen.set(key(x), x);
  for (const [k, x] of seen) {
    const values = (who) => runs[who].flatMap((list) => list.filter((y) => key(y) === k).map((y) => y.value)).filter((v) => Number.isFinite(v));
    const b = values('base');
    const o = values('ours');
    table.push({ file: f, section: x.section, name: x.name, unit: x.unit, better: x.better ?? 'lower', base: b.length ? median(b) : undefined, ours: o.length ? median(o) : undefined });
  }
}

const fmt = (v, unit) => (v === undefined ? '—' : `${v.toFixed(Math.abs(v) < 10 ? 2 : 1)} ${unit}`);
let worse = 0;
console.log(`\n## ours (${ourCommit.slice(0, 12)}${dirty ? '+' : ''}) against ${opts.against} (${baseCommit.slice(0, 12)}), median of ${opts.rounds} round${opts.rounds === 1 ? '' : 's'}; ✖ = more than ${Math.round((TOLERANCE - 1) * 100)} % worse\n`);
console.log('| section | figure | base | ours | ratio | better | |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of table) {
  let ratio = '';
  let mark = '';
  if (r.base !== undefined && r.ours !== undefined) {
    if (r.base === 0) ratio = r.ours === 0 ? '1.00×' : '∞';
    else ratio = `${(r.ours / r.base).toFixed(2)}×`;
    const bad = r.better === 'lower' ? r.ours > r.base * TOLERANCE && !(r.base === 0 && r.ours === 0) : r.better === 'higher' ? r.ours * TOLERANCE < r.base : false;
    mark = r.better === 'none' ? '' : bad ? '✖' : '✔';
    if (bad) worse++;
  } else mark = r.better === 'none' ? '' : '?';
  console.log(`| ${r.section} | ${r.name} | ${fmt(r.base, r.unit)} | ${fmt(r.ours, r.unit)} | ${ratio} | ${r.better === 'none' ? '(info)' : r.better} | ${mark} |`);
}
console.log(`\n${worse ? `✖ ${worse} figure${worse === 1 ? '' : 's'} more than 10 % worse than ${opts.against}` : `✔ no figure more than 10 % worse than ${opts.against}`}${failed ? `; ${failed} section run${failed === 1 ? '' : 's'} failed` : ''}`);
process.exit(worse || failed ? 1 : 0);
