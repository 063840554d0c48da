/**
 * The demo's repository: the seed's four workers, each on its own branch, and a small project for them to change.
 * Pure text: `run.ts` writes it.
 */
import { configTemplate, SEED_WORKERS, type WorkerSeed } from '../../core/templates.js';

/**
 * The seed's team. Core and infra both own `package.json` (one adds a benchmark script, the other a test script),
 * which is how the demo's conflict arises without a scope violation.
 */
export const DEMO_WORKERS: WorkerSeed[] = SEED_WORKERS.map((w) => {
  const short = w.name.replace(/^worker-/, '');
  const scope = w.name === 'worker-core' ? ['src/core/**', 'package.json'] : w.name === 'worker-infra' ? ['test/**', '.github/**', 'package.json'] : w.scope;
  return { ...w, scope, branch: `worker/${short}` };
});

export function demoConfigText(): string {
  return configTemplate(DEMO_WORKERS, 'lucas');
}

/** The project the workers change, committed by the lead before the daemon starts. */
export const STARTER_FILES: Record<string, string> = {
  'README.md': '# ianae\n\nA toy concept network, used by `orchestra demo`: four simulated workers change it.\n',
  'package.json': `${JSON.stringify({ name: 'ianae', version: '0.1.0', private: true, type: 'module', scripts: {} }, null, 2)}\n`,
  'src/core/propagation.js': [
    '// Spreads activation through the concept network, one neighbour at a time.',
    'export function propagate(graph, start, steps = 3) {',
    '  let active = new Map([[start, 1]]);',
    '  for (let i = 0; i < steps; i++) {',
    '    const next = new Map();',
    '    for (const [node, level] of active) {',
    '      for (const n of graph[node] ?? []) next.set(n, Math.max(next.get(n) ?? 0, level * 0.5));',
    '    }',
    '    active = next;',
    '  }',
    '  return active;',
    '}',
    '',
  ].join('\n'),
  'src/nlp/pipeline.js': "// Turns text into concepts. To do: connect it to the core.\nexport const tokenize = (text) => text.split(' ');\n",
  'src/ui/panel.js': '// The dashboard panel. To do: show propagation.\nexport const panel = () => "<div></div>";\n',
};

/** What each worker writes while working on an order: file → new content. */
export const WORK = {
  coreOptimize: {
    'src/core/propagation.js': [
      '// Spreads activation through the concept network; typed arrays keep it allocation-free.',
      'export function propagate(graph, start, steps = 3) {',
      '  const ids = Object.keys(graph);',
      '  const index = new Map(ids.map((id, i) => [id, i]));',
      '  let active = new Float64Array(ids.length);',
      '  active[index.get(start)] = 1;',
      '  for (let s = 0; s < steps; s++) {',
      '    const next = new Float64Array(ids.length);',
      '    for (let i = 0; i < ids.length; i++) {',
      '      if (!active[i]) continue;',
      '      for (const n of graph[ids[i]]) next[index.get(n)] = Math.max(next[index.get(n)], active[i] * 0.5);',
      '    }',
      '    active = next;',
      '  }',
      '  return new Map(ids.map((id, i) => [id, active[i]]).filter(([, v]) => v > 0));',
      '}',
      '',
    ].join('\n'),
    'package.json': `${JSON.stringify({ name: 'ianae', version: '0.1.0', private: true, type: 'module', scripts: { bench: 'node bench/propagation.js' } }, null, 2)}\n`,
  },
  infraTests: {
    'test/propagation.test.js': [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { propagate } from '../src/core/propagation.js';",
      '',
      "test('activation halves at each step', () => {",
      "  const out = propagate({ a: ['b'], b: ['c'], c: [] }, 'a', 2);",
      "  assert.equal(out.get('c'), 0.25);",
      '});',
      '',
    ].join('\n'),
    'package.json': `${JSON.stringify({ name: 'ianae', version: '0.1.0', private: true, type: 'module', scripts: { test: 'node --test test/' } }, null, 2)}\n`,
  },
  nlpIntegrate: {
    'src/nlp/pipeline.js': [
      "import { propagate } from '../../core/propagation.js';",
      '',
      '// Turns text into concepts and lets the core spread activation from them.',
      "export const tokenize = (text) => text.toLowerCase().split(/\\s+/).filter(Boolean);",
      'export const related = (graph, text) => tokenize(text).flatMap((t) => (graph[t] ? [...propagate(graph, t).keys()] : []));',
      '',
    ].join('\n'),
  },
  uiPanel: {
    'src/ui/panel.js': [
      '// The dashboard panel: one bar per active concept.',
      'export const panel = (active) =>',
      "  `<ul>${[...active].map(([c, v]) => `<li>${c} <meter value=\"${v}\"></meter></li>`).join('')}</ul>`;",
      '',
    ].join('\n'),
  },
} satisfies Record<string, Record<string, string>>;
