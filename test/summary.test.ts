/**
 * `orchestra summary`: a constructed history with known numbers gives exactly the expected Markdown and JSON;
 * its Mermaid block (with hostile titles too) is parsed by the real Mermaid parser, mermaid 11 in Chromium.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { planSummary, type HistoryEntry, type SummaryInput } from '../src/core/summary.js';
import { markdownText, mermaidGraph, mermaidText, summaryMarkdown } from '../src/core/summary-render.js';
import { parseConfigText } from '../src/store/config-file.js';
import type { Config } from '../src/core/config.js';
import type { Doc } from '../src/core/doc.js';
import { docFactory } from './factories.js';
import { CHROMIUM_ARGS, chromiumPath, cleanupTemp, git, makeWorkspace, ok, ROOT, run } from './helpers.js';

const CONFIG = `version: 1
workers:
  - name: worker-core
  - name: worker-infra
  - name: worker-nlp
    depends_on: [worker-core]
  - name: worker-ui
    depends_on: [worker-nlp]
`;

function config(): Config {
  const r = parseConfigText(CONFIG);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

const HOSTILE = 'Tokenize <script>alert(1)</script> `code` "quoted" [link](x) | {curly} #1; end\u001b[2J';

/** The constructed history: every kind of doc, with states known in advance. */
function constructed(): { docs: Doc[]; input: SummaryInput } {
  const doc = docFactory({ start: '2026-11-24T10:00:00Z', stepMs: 60_000 });
  const earlier = doc({ type: 'order', id: 'o0', title: 'Old base', to: 'worker-core', status: 'completed', created: '2026-11-20T09:00:00Z' });
  const o1 = doc({ type: 'order', id: '20261124-100100-order-parse-input-k3f9', title: 'Parse input', to: 'worker-core', after: ['o0'] }); // 10:01
  const o2 = doc({ type: 'order', id: 'o2', title: HOSTILE, to: 'worker-nlp', after: [o1.id] }); // 10:02
  const r1 = doc({ type: 'report', id: 'r1', title: 'Parsed', from: 'worker-core', re: o1.id, outcome: 'completed' }); // 10:03
  const o3 = doc({ type: 'order', id: 'o3', title: 'Show tokens', to: 'worker-ui' }); // 10:04: waits on o2 (depends_on)
  const o4 = doc({ type: 'order', id: 'o4', title: 'Set up CI', to: 'worker-infra', status: 'in_progress' }); // 10:05
  const r4 = doc({ type: 'report', id: 'r4', title: 'No runner', from: 'worker-infra', re: o4.id, outcome: 'blocked' }); // 10:06
  const e1 = doc({ type: 'escalation', id: 'e1', title: 'worker-infra is blocked', worker: 'worker-infra', re: r4.id }); // 10:07
  const a1 = doc({ type: 'answer', id: 'a1', title: 'Use the shared runner', to: 'worker-infra', re: e1.id }); // 10:08
  const q1 = doc({ type: 'doubt', id: 'q1', title: 'Which tokenizer?', from: 'worker-nlp' }); // 10:09
  const a2 = doc({ type: 'answer', id: 'a2', title: 'Re: Which tokenizer?', to: 'worker-nlp', re: q1.id }); // 10:10
  const q2 = doc({ type: 'doubt', id: 'q2', title: 'Dark mode too?', from: 'worker-ui' }); // 10:11, open
  const idle = doc({ type: 'escalation', id: 'i1', title: 'worker-core is idle', worker: 'worker-core', tags: ['idle'] }); // 10:12
  const o5 = doc({ type: 'order', id: 'o5', title: 'Drop the old parser', to: 'worker-core', status: 'cancelled' }); // 10:13
  const docs = [earlier, o1, o2, r1, o3, o4, r4, e1, a1, q1, a2, q2, idle, o5];
  const inRange = docs.filter((d) => d !== earlier);
  const entries: HistoryEntry[] = [
    ...inRange.map((d, i) => ({ commit: `c${i}`, at: d.created, actor: d.from, type: d.type, worker: d.worker, doc: d.id })),
    { commit: 'c90', at: '2026-11-24T10:05:30Z', actor: 'worker-infra', type: 'start', worker: 'worker-infra', doc: 'o4' },
    { commit: 'c91', at: '2026-11-24T10:14:00Z', actor: 'lead', type: 'cancel', worker: 'worker-core', doc: 'o5' },
  ].reverse();
  const alerts = [
    { kind: 'conflict', at: '2026-11-24T10:04:30Z', message: 'src/core/parse.ts is changed by worker-core and worker-nlp', data: { file: 'src/core/parse.ts', workers: ['worker-core', 'worker-nlp'] } },
    { kind: 'conflict', at: '2026-11-23T08:00:00Z', message: 'before the range', data: { file: 'x', workers: ['worker-core', 'worker-ui'] } },
  ];
  return {
    docs,
    input: {
      docs,
      config: config(),
      history: { added: new Map(inRange.map((d) => [d.id, d.created])), entries },
      range: { kind: 'rev', range: 'main..feature' },
      alerts,
      now: new Date('2026-11-25T00:00:00Z'),
    },
  };
}

const EXPECTED_MD = `## Orchestration: \`main..feature\`

2026-11-24 10:01 to 2026-11-24 10:14 UTC, 15 orchestra commits.

| What | Count |
| --- | ---: |
| Orders given | 5 |
| Orders started | 1 |
| Orders completed | 1 |
| Orders reported partial | 0 |
| Orders reported blocked | 1 |
| Orders cancelled | 1 |
| Doubts (answered) | 2 (1) |
| Answers | 2 |
| Escalations (resolved) | 1 (1) |
| Idle notices | 1 |
| Conflicts | 1 |

**Metrics:** throughput 24 orders/day (target 5-10), autonomy 80 % (target 80 % or more), coordination 0.2 conflicts per order (target 0).

### Orders

| Order | Worker | Title | State | After |
| --- | --- | --- | --- | --- |
| \`o0\` | worker-core | Old base _(earlier)_ | completed |  |
| \`k3f9\` | worker-core | Parse input | completed | \`o0\` |
| \`o2\` | worker-nlp | Tokenize &lt;script&gt;alert(1)&lt;/script&gt; \\\`code\\\` "quoted" \\[link\\](x) \\| {curly} #1; end \\[2J | pending | \`k3f9\` |
| \`o3\` | worker-ui | Show tokens | waiting |  |
| \`o4\` | worker-infra | Set up CI | blocked |  |
| \`o5\` | worker-core | Drop the old parser | cancelled |  |

### Doubts

- \`q1\` worker-nlp: Which tokenizer?: answered by lead in \`a2\`, Re: Which tokenizer?
- \`q2\` worker-ui: Dark mode too?: open

### Escalations

- \`e1\` worker-infra: worker-infra is blocked: resolved by lead in \`a1\`, Use the shared runner

### Idle notices

- \`i1\` worker-core: worker-core is idle: resolved

### Conflicts

- 2026-11-24 10:04: src/core/parse.ts is changed by worker-core and worker-nlp

### Graph

\`\`\`mermaid
flowchart TD
  o1["Old base<br/>o0 #183; worker-core #183; completed"]:::completed
  o2["Parse input<br/>k3f9 #183; worker-core #183; completed"]:::completed
  o3["Tokenize #60;script#62;alert(1)#60;/script#62; #96;code#96; #34;quoted#34; #91;link#93;(x#8230;<br/>o2 #183; worker-nlp #183; pending"]:::pending
  o4["Show tokens<br/>o3 #183; worker-ui #183; waiting"]:::waiting
  o5["Set up CI<br/>o4 #183; worker-infra #183; blocked"]:::blocked
  o6["Drop the old parser<br/>o5 #183; worker-core #183; cancelled"]:::cancelled
  o1 -->|after| o2
  o2 -->|after| o3
  o3 -.->|depends on| o4
  classDef completed fill:#dafbe1,stroke:#1a7f37,color:#0b2e13
  classDef pending fill:#f6f8fa,stroke:#57606a,color:#24292f
  classDef waiting fill:#fff8c5,stroke:#9a6700,color:#3b2300
  classDef blocked fill:#ffebe9,stroke:#cf222e,color:#4c0d0d
  classDef cancelled fill:#eaeef2,stroke:#8c959f,color:#57606a,stroke-dasharray:4 3
\`\`\`
`;

describe('summary planner and Markdown', () => {
  it('gives exactly the expected Markdown for a constructed history', () => {
    const { input } = constructed();
    expect(summaryMarkdown(planSummary(input))).toBe(EXPECTED_MD);
  });

  it('gives exactly the expected data as JSON', () => {
    const { input } = constructed();
    const s = planSummary(input);
    const json = JSON.parse(JSON.stringify(s));
    // The whole value, exactly (the fixture was reviewed against the reasoning below).
    expect(json).toEqual(JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'summary-expected.json'), 'utf8')));
    expect(json.counts).toEqual({
      ordersGiven: 5, completed: 1, blocked: 1, partial: 0, cancelled: 1, started: 1, doubts: 2, doubtsAnswered: 1,
      answers: 2, escalations: 1, escalationsResolved: 1, idleNotices: 1, conflicts: 1,
    });
    expect(json.range).toBe('main..feature');
    expect(json.worker).toBeNull();
    expect([json.from, json.until, json.commits]).toEqual(['2026-11-24T10:01:00.000Z', '2026-11-24T10:14:00.000Z', 15]);
    expect(json.orders.map((o: { id: string; state: string; given: boolean }) => [o.id, o.state, o.given])).toEqual([
      ['o0', 'completed', false],
      ['20261124-100100-order-parse-input-k3f9', 'completed', true],
      ['o2', 'pending', true],
      ['o3', 'waiting', true],
      ['o4', 'blocked', true],
      ['o5', 'cancelled', true],
    ]);
    expect(json.orders[2].title).toBe(HOSTILE);
    expect([json.completed, json.blocked, json.cancelled]).toEqual([['20261124-100100-order-parse-input-k3f9'], ['o4'], ['o5']]);
    expect(json.edges).toEqual([
      { from: 'o0', to: '20261124-100100-order-parse-input-k3f9', kind: 'after' },
      { from: '20261124-100100-order-parse-input-k3f9', to: 'o2', kind: 'after' },
      { from: 'o2', to: 'o3', kind: 'depends_on' },
    ]);
    expect(json.doubts).toEqual([
      { id: 'q1', short: 'q1', title: 'Which tokenizer?', worker: 'worker-nlp', from: 'worker-nlp', settled: true, reply: { id: 'a2', short: 'a2', from: 'lead', title: 'Re: Which tokenizer?' } },
      { id: 'q2', short: 'q2', title: 'Dark mode too?', worker: 'worker-ui', from: 'worker-ui', settled: false, reply: null },
    ]);
    expect(json.conflicts).toEqual([
      { at: '2026-11-24T10:04:30Z', message: 'src/core/parse.ts is changed by worker-core and worker-nlp', file: 'src/core/parse.ts', workers: ['worker-core', 'worker-nlp'] },
    ]);
    expect(json.metrics).toMatchObject({ ordersTotal: 5, ordersCompleted: 1, escalations: 1, conflicts: 1, autonomyPct: 80, conflictsPerTask: 0.2 });
  });

  it('keeps to one worker with --worker', () => {
    const { input } = constructed();
    const s = planSummary({ ...input, worker: 'worker-nlp' });
    expect(s.orders.map((o) => o.id)).toEqual(['20261124-100100-order-parse-input-k3f9', 'o2']);
    expect(s.counts).toMatchObject({ ordersGiven: 1, doubts: 1, conflicts: 1, escalations: 0 });
  });

  it('escapes user text for Markdown and for Mermaid labels, and drops control characters', () => {
    expect(markdownText('a|b <i>x</i> *y* `z` \\ [l](u)\nnext\u009b')).toBe('a\\|b &lt;i&gt;x&lt;/i&gt; \\*y\\* \\`z\\` \\\\ \\[l\\](u) next');
    expect(mermaidText('say "hi" <b> `x` [y] #1;\r\nend\u202e')).toBe('say #34;hi#34; #60;b#62; #96;x#96; #91;y#93; #35;1#59; end');
  });
});

describe('summary command', () => {
  afterAll(cleanupTemp);

  it('summarises a revision range of a real repository, and refuses a range git could read as an option', async () => {
    const dir = await makeWorkspace();
    git(dir, ['branch', 'base']);
    const o1 = await ok(dir, ['order', 'worker-core', 'Parse input']);
    await ok(dir, ['order', 'worker-nlp', 'Tokenize', '--after', o1]);
    await ok(dir, ['--as', 'worker-core', 'report', o1, '--body', 'done']);
    const md = await ok(dir, ['summary', 'base..HEAD']);
    expect(md).toContain('| Orders given | 2 |');
    expect(md).toContain('| Orders completed | 1 |');
    expect(md).toMatch(/o1 -->\|after\| o2/);
    const json = JSON.parse(await ok(dir, ['summary', 'base..HEAD', '--format', 'json']));
    expect(json.counts.ordersGiven).toBe(2);
    expect(json.mermaid).toMatch(/^flowchart TD\n/);
    const since = JSON.parse(await ok(dir, ['summary', '--since', '1d', '--worker', 'worker-nlp', '--format', 'json']));
    expect(since.counts.ordersGiven).toBe(1);

    for (const bad of ['--output=/tmp/x', 'base..--all', 'a b', 'HEAD:orchestra.yaml']) {
      const r = await run(dir, ['summary', '--', bad]);
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toMatch(/revision range/);
    }
    const unknown = await run(dir, ['summary', 'nope..HEAD']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('"nope" names no commit');
  });
});

const exe = chromiumPath();

/** The page that loads mermaid's ESM bundle (module code in a page: vitest would rewrite an `import()` passed to evaluate). */
const PAGE = `<!doctype html><title>mermaid</title><script type="module">
import mermaid from '/mermaid.esm.min.mjs';
mermaid.initialize({ startOnLoad: false });
globalThis.mermaid = mermaid;
globalThis.mermaidReady = true;
</script>`;

describe.skipIf(!exe)('summary Mermaid in the real Mermaid parser (Chromium)', () => {
  let browser: Browser;
  let page: Page;
  const dist = path.join(ROOT, 'node_modules', 'mermaid', 'dist');

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: exe!, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    // The bundle and its chunks are served from node_modules under a made-up origin: nothing leaves the machine.
    await page.route('http://mermaid.test/**', async (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname).replace(/^\/+/, '');
      if (rel === 'index.html') return route.fulfill({ contentType: 'text/html', body: PAGE });
      const file = path.resolve(dist, rel);
      if (!file.startsWith(dist + path.sep)) return route.fulfill({ status: 404, body: '' });
      try {
        return await route.fulfill({ contentType: 'text/javascript', body: readFileSync(file) });
      } catch {
        return route.fulfill({ status: 404, body: '' });
      }
    });
    await page.goto('http://mermaid.test/index.html');
    await page.waitForFunction(() => (globalThis as unknown as { mermaidReady?: boolean }).mermaidReady === true, undefined, { timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function parse(text: string): Promise<{ ok: boolean; type?: string; error?: string }> {
    return page.evaluate(async (t) => {
      const mermaid = (globalThis as unknown as { mermaid: { parse: (t: string) => Promise<{ diagramType: string }> } }).mermaid;
      try {
        const r = await mermaid.parse(t);
        return { ok: true, type: r.diagramType };
      } catch (e) {
        return { ok: false, error: String((e as Error).message ?? e) };
      }
    }, text);
  }

  it('parses the block of the constructed history (hostile titles included)', async () => {
    const block = /```mermaid\n([\s\S]*?)\n```/.exec(EXPECTED_MD)![1];
    expect(block).toBe(mermaidGraph(planSummary(constructed().input)));
    expect(await parse(block)).toEqual({ ok: true, type: 'flowchart-v2' });
  });

  it('parses graphs whose titles hold every character a title may hold', async () => {
    const doc = docFactory();
    const nasty = ['"]); click o1 call alert(1) %%', 'end', 'a --> b', '```mermaid', '<img src=x onerror=alert(1)>', 'subgraph x', ':::red', '|pipe|', '#quot; &amp; ;;', 'Ünïcødé 日本 🎉', '\\ / ( ) { } [ ]'];
    const docs = nasty.map((title, i) => doc({ type: 'order', id: `n${i}`, title, to: 'worker-core', after: i ? [`n${i - 1}`] : [] }));
    const s = planSummary({ docs, config: config(), history: { added: new Map(docs.map((d) => [d.id, d.created])), entries: [] }, range: { kind: 'rev', range: 'a..b' }, alerts: [], now: new Date() });
    const graph = mermaidGraph(s);
    expect(graph.split('\n').filter((l) => l.includes('-->|after|'))).toHaveLength(nasty.length - 1);
    expect(await parse(graph)).toEqual({ ok: true, type: 'flowchart-v2' });
    // The parser is real: a label that breaks out of its quotes is refused.
    expect((await parse('flowchart TD\n  o1["a"b"]')).ok).toBe(false);
  });
});
