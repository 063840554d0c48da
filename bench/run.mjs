// `npm run bench [name...]`: runs every bench/*.bench.mjs (or the named ones) one after another, so figures
// are not disturbed by each other, and prints each one's table.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => !wanted.length || wanted.some((w) => f.startsWith(w)))
  .sort();
let failed = 0;
console.log(`# orchestra benchmarks (${new Date().toISOString()}, node ${process.version}, ${(await import('node:os')).cpus().length} cores)`);
for (const f of files) {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${f} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
