// The dependency graph as an inline SVG: workers in columns by dependency depth, an arrow from each worker to
// the workers that wait for it. Laid out here (a handful of nodes needs no graph library).
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Depth of each worker: 0 with no dependencies, else 1 + the deepest dependency (cycles are refused by config). */
function depths(workers) {
  const byName = new Map(workers.map((w) => [w.name, w]));
  const memo = new Map();
  const depth = (name, seen = new Set()) => {
    if (memo.has(name)) return memo.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    const deps = (byName.get(name)?.dependsOn ?? []).filter((d) => byName.has(d));
    const d = deps.length ? 1 + Math.max(...deps.map((x) => depth(x, seen))) : 0;
    memo.set(name, d);
    return d;
  };
  for (const w of workers) depth(w.name);
  return memo;
}

/** `vertical`: layers top to bottom (narrow screens) instead of left to right. */
export function drawGraph(container, workers, vertical = false) {
  container.replaceChildren();
  if (!workers.length) {
    container.append(Object.assign(document.createElement('p'), { className: 'muted', textContent: 'No workers declared.' }));
    return;
  }
  const d = depths(workers);
  const cols = [];
  for (const w of workers) (cols[d.get(w.name)] ??= []).push(w);
  const W = vertical ? 150 : 168, H = 52, P = 10;
  // Gap between layers (along the arrows) and between nodes of one layer.
  const GL = vertical ? 44 : 64, GN = 16;
  const rows = Math.max(...cols.map((c) => c?.length ?? 0));
  const layerSize = vertical ? H : W, nodeSize = vertical ? W : H;
  const along = P * 2 + cols.length * layerSize + (cols.length - 1) * GL;
  const across = P * 2 + rows * nodeSize + (rows - 1) * GN;
  const width = vertical ? across : along;
  const height = vertical ? along : across;
  const pos = new Map();
  cols.forEach((col, ci) => {
    const offset = ((rows - col.length) * (nodeSize + GN)) / 2;
    col.forEach((w, ri) => {
      const a = P + ci * (layerSize + GL), b = P + offset + ri * (nodeSize + GN);
      pos.set(w.name, vertical ? { x: b, y: a } : { x: a, y: b });
    });
  });

  const edges = [];
  for (const w of workers) for (const dep of w.dependsOn) if (pos.has(dep)) edges.push(`${w.name} waits for ${dep}`);
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': edges.length ? `Worker dependencies: ${edges.join('; ')}` : 'No dependencies between workers',
  });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0 0 L10 5 L0 10 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);

  for (const w of workers) {
    for (const dep of w.dependsOn) {
      const a = pos.get(dep), b = pos.get(w.name);
      if (!a || !b) continue;
      let d;
      if (vertical) {
        const x1 = a.x + W / 2, y1 = a.y + H, x2 = b.x + W / 2, y2 = b.y - 2, mid = (y2 - y1) / 2;
        d = `M${x1} ${y1} C${x1} ${y1 + mid}, ${x2} ${y2 - mid}, ${x2} ${y2}`;
      } else {
        const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x - 2, y2 = b.y + H / 2, mid = (x2 - x1) / 2;
        d = `M${x1} ${y1} C${x1 + mid} ${y1}, ${x2 - mid} ${y2}, ${x2} ${y2}`;
      }
      root.append(svg('path', { class: 'edge', d, 'marker-end': 'url(#arrow)' }));
    }
  }
  for (const w of workers) {
    const { x, y } = pos.get(w.name);
    const g = svg('g', { class: 'node', transform: `translate(${x} ${y})` });
    g.append(svg('title', {}, `${w.name}: ${w.state}${w.dependsOn.length ? `, waits for ${w.dependsOn.join(', ')}` : ''}`));
    g.append(svg('rect', { width: W, height: H, rx: 10 }));
    g.append(svg('rect', { class: `bar st-${w.state}`, x: 0, y: 0, width: 5, height: H, rx: 2 }));
    const max = vertical ? 16 : 18;
    const name = w.name.length > max ? `${w.name.slice(0, max - 1)}…` : w.name;
    g.append(svg('text', { x: 14, y: 22 }, name));
    const sub = `${w.state}${w.ready ? ` · ${w.ready} ready` : ''}${w.waiting ? ` · ${w.waiting} waiting` : ''}`;
    g.append(svg('text', { x: 14, y: 40, class: 'sub' }, sub));
    root.append(g);
  }
  container.append(root);
}
