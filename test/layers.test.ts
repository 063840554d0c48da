/**
 * The layers of src/ (.dependency-cruiser.cjs), enforced in `npm test`: the real dependency-cruiser CLI on the
 * real source, zero violations, no known-violations baseline. A second test plants one violation of each kind
 * in a scratch tree, so the rules are shown to fire.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, ROOT, tempDir } from './helpers.js';

afterAll(cleanupTemp);

const exec = promisify(execFile);
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
/** Each enters through one file of src/; a package's subpaths count as the package. */
const SINGLE_IMPORTER = ['chokidar', 'simple-git', 'gray-matter', '@anthropic-ai/sdk', 'yaml', 'pino', '@modelcontextprotocol/sdk'];

interface Violation {
  rule: string;
  from: string;
  to: string;
}

interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string; module: string }[] }[];
  summary: { violations: { from: string; to: string; rule: { name: string }; cycle?: { name: string }[] }[] };
}

const packageOf = (resolved: string) => /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved)?.[1];

/** Runs depcruise on `src` of `cwd` and returns every violation, the single-importer count across subpaths included. */
async function violations(cwd: string): Promise<Violation[]> {
  const { stdout } = await exec(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json', '--no-cache'], { cwd, maxBuffer: 1 << 28 }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
    // depcruise exits non-zero when it finds violations; its JSON is still on stdout.
    if (e.stdout) return { stdout: e.stdout };
    throw new Error(`depcruise failed: ${e.stderr ?? e.message}`);
  });
  const result = JSON.parse(stdout) as CruiseResult;
  const out: Violation[] = [];
  for (const v of result.summary.violations) {
    if (v.rule.name.startsWith('one-importer-')) continue; // reported below, per package and with its importers
    const to = v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to;
    out.push({ rule: v.rule.name, from: v.from, to: to.replace(/^.*node_modules\//, '') });
  }
  const importers = new Map<string, Set<string>>();
  for (const m of result.modules) {
    if (!m.source.startsWith('src/')) continue;
    for (const d of m.dependencies) {
      const p = packageOf(d.resolved);
      if (p && SINGLE_IMPORTER.includes(p)) {
        if (!importers.has(p)) importers.set(p, new Set());
        importers.get(p)!.add(m.source);
      }
    }
  }
  for (const [p, files] of importers) {
    if (files.size > 1) for (const f of [...files].sort()) out.push({ rule: `one-importer-${p.replace(/^@/, '').replace(/\//g, '-')}`, from: f, to: p });
  }
  return out;
}

function describeAll(vs: Violation[]): string {
  const byRule = new Map<string, Violation[]>();
  for (const v of vs) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), v]);
  return [...byRule].map(([rule, list]) => `${rule} (${list.length}):\n${list.map((v) => `  ${v.from} → ${v.to}`).join('\n')}`).join('\n');
}

describe('layers (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  it('src/ has no layer violation, no cycle, and each single-importer library enters through one file', async () => {
    const found = await violations(ROOT);
    if (found.length) console.error(`dependency-cruiser: ${found.length} violations\n${describeAll(found)}`);
    expect(found, describeAll(found)).toEqual([]);
  });

  it('the rules fire: one planted violation of each kind in a scratch tree', async () => {
    const dir = tempDir('orchestra-layers-');
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    const files: Record<string, string> = {
      'src/errors.ts': "export class OrchestraError extends Error {}\n",
      'src/core/clock.ts': "import { readFileSync } from 'node:fs';\nimport { randomBytes } from 'node:crypto';\nimport { docsDir } from '../store/docs.js';\nexport const x = [readFileSync, randomBytes, docsDir];\n",
      'src/core/lib.ts': "import chalk from 'picocolors';\nimport { z } from 'zod';\nexport const y = [chalk, z];\n",
      'src/core/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/core/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      'src/store/docs.ts': "import matter from 'gray-matter';\nimport { run } from '../daemon/run.js';\nexport const docsDir = [matter, run];\n",
      'src/store/other.ts': "import matter from 'gray-matter';\nexport const other = matter;\n",
      'src/daemon/run.ts': "import { page } from '../dashboard/page.js';\nimport { main } from '../cli/main.js';\nimport { watch } from 'chokidar';\nexport const run = [page, main, watch];\n",
      'src/dashboard/page.ts': "import { run } from '../daemon/run.js';\nexport const page = run;\n",
      'src/mcp/server.ts': "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\nexport const s = McpServer;\n",
      'src/mcp/stdio.ts': "import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';\nimport { OrchestraError } from '../errors.js';\nexport const t = [StdioServerTransport, OrchestraError];\n",
      'src/cli/view.ts': "import { watch } from 'chokidar';\nimport { z } from 'zod';\nexport const v = [watch, z];\n",
      'src/cli/main.ts': "import { v } from './view.js';\nimport { y } from '../core/lib.js';\nimport { s } from '../mcp/server.js';\nexport const main = [v, y, s];\n",
    };
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), text);
    }
    const found = await violations(dir);
    const has = (rule: string, from: string, to: string | RegExp) => found.some((v) => v.rule === rule && v.from === from && (typeof to === 'string' ? v.to === to : to.test(v.to)));
    const expected: [string, string, string | RegExp][] = [
      ['core-no-io-builtins', 'src/core/clock.ts', /^(node:)?fs$/],
      ['core-no-io-builtins', 'src/core/clock.ts', /^(node:)?crypto$/],
      ['core-imports-only-core', 'src/core/clock.ts', 'src/store/docs.ts'],
      ['core-pure-libraries-only', 'src/core/lib.ts', /^picocolors\//],
      ['store-imports-core', 'src/store/docs.ts', 'src/daemon/run.ts'],
      ['daemon-not-dashboard', 'src/daemon/run.ts', 'src/dashboard/page.ts'],
      ['dashboard-not-daemon', 'src/dashboard/page.ts', 'src/daemon/run.ts'],
      ['nothing-imports-cli', 'src/daemon/run.ts', 'src/cli/main.ts'],
      ['chokidar-only-in-store', 'src/daemon/run.ts', /^chokidar\//],
      ['chokidar-only-in-store', 'src/cli/view.ts', /^chokidar\//],
      ['one-importer-gray-matter', 'src/store/docs.ts', 'gray-matter'],
      ['one-importer-gray-matter', 'src/store/other.ts', 'gray-matter'],
      // Two subpaths of one package from two files: one package, two importers.
      ['one-importer-modelcontextprotocol-sdk', 'src/mcp/server.ts', '@modelcontextprotocol/sdk'],
      ['one-importer-modelcontextprotocol-sdk', 'src/mcp/stdio.ts', '@modelcontextprotocol/sdk'],
      ['no-circular', 'src/core/a.ts', /src\/core\/b\.ts/],
    ];
    const missing = expected.filter(([r, f, t]) => !has(r, f, t));
    expect(missing, `not reported:\n${missing.map((m) => m.join(' ')).join('\n')}\nfound:\n${describeAll(found)}`).toEqual([]);
    // Allowed: the CLI layer (watch/ included) imports anything; zod in core; errors.ts from any layer.
    const allowed = found.filter((v) => ['src/cli/main.ts', 'src/core/lib.ts', 'src/mcp/stdio.ts'].includes(v.from) && !v.rule.startsWith('one-importer-') && !v.rule.startsWith('core-pure'));
    expect(allowed, describeAll(allowed)).toEqual([]);
    expect(found.some((v) => v.to === 'zod' || v.to.startsWith('zod/'))).toBe(false);
  });
});
