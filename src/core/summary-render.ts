/**
 * A summary as Markdown for a pull request description, with a Mermaid graph of the orders (GitHub renders it).
 * Titles and alert messages are user text: whoever writes a doc must not be able to break out of a table cell, a
 * code fence or a Mermaid label, inject HTML, or send a control character to the terminal that prints this.
 */
import type { Summary, SummaryOrder, SummaryThread } from './summary.js';

// C0, DEL, C1, line and paragraph separators, bidi overrides and isolates: never printed, even escaped.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

function flat(text: string, max: number): string {
  const one = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...one];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : one;
}

/** User text inside Markdown (a table cell or a list item): no emphasis, link, HTML, code span or cell break. */
export function markdownText(text: string, max = 120): string {
  return flat(text, max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}

/**
 * User text inside a quoted Mermaid label (`id["…"]`): letters, digits and plain punctuation stay; everything else
 * (quotes, brackets, backticks, `<`, `#`, `;`, `&`…) becomes Mermaid's entity code `#<decimal>;`.
 */
export function mermaidText(text: string, max = 60): string {
  return flat(text, max).replace(/[^\p{L}\p{N} .,_\-/'!?+=:()]/gu, (c) => `#${c.codePointAt(0)};`);
}

const STATE_STYLE: Record<string, string> = {
  completed: 'fill:#dafbe1,stroke:#1a7f37,color:#0b2e13',
  in_progress: 'fill:#ddf4ff,stroke:#0969da,color:#0a3069',
  pending: 'fill:#f6f8fa,stroke:#57606a,color:#24292f',
  waiting: 'fill:#fff8c5,stroke:#9a6700,color:#3b2300',
  blocked: 'fill:#ffebe9,stroke:#cf222e,color:#4c0d0d',
  cancelled: 'fill:#eaeef2,stroke:#8c959f,color:#57606a,stroke-dasharray:4 3',
};

/** The Mermaid flowchart of the orders: solid arrows for `after`, dashed for a worker's `depends_on`. */
export function mermaidGraph(s: Pick<Summary, 'orders' | 'edges'>): string {
  const node = new Map(s.orders.map((o, i) => [o.id, `o${i + 1}`]));
  const lines = ['flowchart TD'];
  for (const o of s.orders) {
    lines.push(`  ${node.get(o.id)}["${mermaidText(o.title)}<br/>${mermaidText(`${o.short} · ${o.worker} · ${o.state.replace('_', ' ')}`, 100)}"]:::${o.state}`);
  }
  for (const e of s.edges) {
    const from = node.get(e.from);
    const to = node.get(e.to);
    if (from && to) lines.push(e.kind === 'after' ? `  ${from} -->|after| ${to}` : `  ${from} -.->|depends on| ${to}`);
  }
  for (const state of new Set(s.orders.map((o) => o.state))) lines.push(`  classDef ${state} ${STATE_STYLE[state]}`);
  return lines.join('\n');
}

function code(id: string): string {
  // Ids match ^[A-Za-z0-9][A-Za-z0-9._-]*$ and a range is checked by parseRevRange: nothing in either ends a code span.
  return `\`${id}\``;
}

function pct(v: number | null): string {
  return v === null ? 'no orders' : `${v} %`;
}

function orderRow(o: SummaryOrder, short: ReadonlyMap<string, string>): string {
  const after = o.after.map((a) => code(short.get(a) ?? a)).join(' ');
  return `| ${code(o.short)} | ${o.worker} | ${markdownText(o.title)}${o.given ? '' : ' _(earlier)_'} | ${o.state.replace('_', ' ')} | ${after} |`;
}

function threadLine(t: SummaryThread, settledWord: string): string {
  const head = `- ${code(t.short)} ${t.worker}: ${markdownText(t.title)}`;
  if (!t.reply) return `${head}: ${t.settled ? settledWord : 'open'}`;
  return `${head}: ${settledWord} by ${t.reply.from} in ${code(t.reply.short)}, ${markdownText(t.reply.title)}`;
}

/** The summary as Markdown, ready to paste into a pull request description. */
export function summaryMarkdown(s: Summary): string {
  const c = s.counts;
  const m = s.metrics;
  const short = new Map(s.orders.map((o) => [o.id, o.short]));
  const out: string[] = [
    `## Orchestration: ${code(s.range)}${s.worker ? ` (${s.worker})` : ''}`,
    '',
    `${s.from.slice(0, 16).replace('T', ' ')} to ${s.until.slice(0, 16).replace('T', ' ')} UTC, ${s.commits} orchestra commit${s.commits === 1 ? '' : 's'}.`,
    '',
    '| What | Count |',
    '| --- | ---: |',
    `| Orders given | ${c.ordersGiven} |`,
    `| Orders started | ${c.started} |`,
    `| Orders completed | ${c.completed} |`,
    `| Orders reported partial | ${c.partial} |`,
    `| Orders reported blocked | ${c.blocked} |`,
    `| Orders cancelled | ${c.cancelled} |`,
    `| Doubts (answered) | ${c.doubts} (${c.doubtsAnswered}) |`,
    `| Answers | ${c.answers} |`,
    `| Escalations (resolved) | ${c.escalations} (${c.escalationsResolved}) |`,
    `| Idle notices | ${c.idleNotices} |`,
    `| Conflicts | ${c.conflicts} |`,
    '',
    `**Metrics:** throughput ${m.throughputPerDay} orders/day (target 5-10), autonomy ${pct(m.autonomyPct)} (target 80 % or more), ` +
      `coordination ${m.conflictsPerTask ?? 0} conflicts per order (target 0).`,
  ];
  if (s.orders.length) {
    out.push('', '### Orders', '', '| Order | Worker | Title | State | After |', '| --- | --- | --- | --- | --- |', ...s.orders.map((o) => orderRow(o, short)));
  }
  if (s.doubts.length) out.push('', '### Doubts', '', ...s.doubts.map((t) => threadLine(t, 'answered')));
  if (s.escalations.length) out.push('', '### Escalations', '', ...s.escalations.map((t) => threadLine(t, 'resolved')));
  if (s.idleNotices.length) out.push('', '### Idle notices', '', ...s.idleNotices.map((t) => threadLine(t, 'resolved')));
  if (s.conflicts.length) {
    out.push('', '### Conflicts', '', ...s.conflicts.map((k) => `- ${k.at.slice(0, 16).replace('T', ' ')}: ${markdownText(k.message, 200)}`));
  }
  if (s.orders.length) out.push('', '### Graph', '', '```mermaid', mermaidGraph(s), '```');
  return `${out.join('\n')}\n`;
}
