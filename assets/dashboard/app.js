// The live dashboard: fetches the JSON API, draws it, and refetches what changed when the server says so over
// server-sent events. Data is inserted as text; the only HTML inserted is a doc body the server has sanitised.
import { drawGraph } from './graph.js';

const $ = (id) => document.getElementById(id);
const view = { workers: [], metrics: null, chart: null, openDoc: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function api(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.json().catch(() => ({}))).error ?? ''}`);
  return r.json();
}

const label = (s) => String(s ?? '').replace(/_/g, ' ');
const badge = (state) => el('span', { class: `badge s-${state}`, text: label(state) });

function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
const time = (iso) => el('time', { datetime: iso, title: iso, text: ago(iso) });

function docLink(id, title, extra = {}) {
  return el('button', { type: 'button', class: 'link', 'data-doc': id, onclick: () => openDoc(id), ...extra }, title);
}

function empty(list, text) {
  list.replaceChildren(el('li', { class: 'empty', text }));
}

// --- workers -------------------------------------------------------------------------------------------
// What each liveness mark means (DESIGN.md, "Receipts and liveness"): the badge's title and the legend say it.
const LIVENESS = {
  working: 'working: an order in progress',
  idle: 'idle: no order in progress',
  stalled: 'stalled: an order in progress, no call to orchestra for stale_after',
  gone: 'gone: work open, and its launched process ended or no call to orchestra for a long time',
};
const livenessBadge = (l) => el('span', { class: `badge live-badge l-${l}`, 'data-liveness': l, title: LIVENESS[l] ?? l, text: l });
const seenTime = (iso) => (iso ? time(iso) : 'never');

async function loadWorkers() {
  const workers = await api('/api/workers');
  view.workers = workers;
  const list = $('workers');
  if (!workers.length) return empty(list, 'No workers declared in orchestra.yaml.');
  list.replaceChildren(
    ...workers.map((w) =>
      el('li', { class: 'worker', 'data-state': w.state, 'data-worker': w.name },
        el('div', { class: 'worker-top' }, el('h3', { text: w.name }), badge(w.state)),
        el('p', { class: 'current' },
          el('span', { class: 'label', text: 'Current order' }),
          w.currentOrder ? docLink(w.currentOrder, w.currentOrderTitle ?? w.currentOrder) : el('span', { class: 'muted', text: w.ready ? `${w.ready} ready to start` : 'none' })),
        el('dl', { class: 'counts' },
          ...[['ready', w.ready], ['waiting', w.waiting], ['blocked', w.blocked], ['open', w.open]].map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v })))),
        w.liveness ? el('p', { class: 'seen' }, livenessBadge(w.liveness), el('span', {}, 'last seen ', seenTime(w.lastSeen))) : null,
        el('p', { class: 'foot' }, 'last activity ', time(w.lastActivity), w.dependsOn.length ? ` · after ${w.dependsOn.join(', ')}` : ''),
      ),
    ),
  );
  const tally = {};
  for (const w of workers) tally[w.state] = (tally[w.state] ?? 0) + 1;
  $('workers-summary').textContent = Object.entries(tally).map(([k, n]) => `${n} ${k}`).join(' · ');
  drawGraph($('graph'), workers, $('graph').clientWidth < 460);
  const select = $('f-worker');
  if (select.options.length !== workers.length + 1) {
    const current = select.value;
    select.replaceChildren(el('option', { value: '', text: 'all' }), ...workers.map((w) => el('option', { value: w.name, text: w.name })));
    select.value = current;
  }
}

// --- metrics -------------------------------------------------------------------------------------------
function kpi(name, value, target, good, unit) {
  return el('div', { class: `kpi${good === true ? ' good' : good === false ? ' bad' : ''}` },
    el('dt', { text: name }), el('dd', {}, value, unit ? el('span', { class: 'unit', text: unit }) : null, target ? el('span', { class: 'target', text: target }) : null));
}

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function drawChart(daily) {
  const canvas = $('throughput');
  if (typeof Chart === 'undefined') return;
  const labels = daily.map((d) => new Date(`${d.date}T00:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }));
  const data = daily.map((d) => d.completed);
  if (view.chart) {
    view.chart.data.labels = labels;
    view.chart.data.datasets[0].data = data;
    view.chart.update('none');
    return;
  }
  const muted = cssVar('--muted');
  const grid = cssVar('--border');
  view.chart = new Chart(canvas, {
    type: 'bar',
    data: { labels, datasets: [{ label: 'Orders completed', data, backgroundColor: cssVar('--accent'), borderRadius: 6, maxBarThickness: 36 }] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false }, tooltip: { intersect: false } },
      scales: {
        x: { grid: { display: false }, ticks: { color: muted, maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
        y: { beginAtZero: true, grid: { color: grid }, ticks: { color: muted, precision: 0 } },
      },
    },
  });
}

async function loadMetrics() {
  const m = await api('/api/metrics');
  view.metrics = m;
  const q = m.quality;
  const [lo, hi] = m.targets.throughputPerDay;
  $('metrics-window').textContent = `last ${Math.round(m.days)} days`;
  $('kpis').replaceChildren(
    kpi('Throughput', `${m.throughputPerDay}`, `per day · target ${lo}–${hi}`, m.ordersCompleted ? m.throughputPerDay >= lo : undefined),
    kpi('Autonomy', q.autonomyPct === null ? '—' : `${Math.round(q.autonomyPct)}%`, `target ≥ ${m.targets.autonomyPct}%`, q.autonomyPct === null ? undefined : q.autonomyPct >= m.targets.autonomyPct),
    kpi('Completed', `${m.ordersCompleted}`, `of ${m.ordersTotal} orders`),
    kpi('Escalations', `${q.escalations}`, `${m.openEscalations ?? 0} open`),
    kpi('Conflicts', `${q.conflicts}`, q.conflictsPerTask === null ? 'target 0' : `${q.conflictsPerTask} per task`, q.conflicts === 0),
  );
  drawChart(m.daily);
}

// --- alerts, escalations, docs, timeline ----------------------------------------------------------------
async function loadAlerts() {
  const alerts = await api('/api/alerts');
  const list = $('alerts');
  const count = $('alerts-count');
  count.textContent = String(alerts.length);
  count.classList.toggle('hot', alerts.some((a) => a.level === 'critical'));
  if (!alerts.length) return empty(list, 'No open alerts.');
  list.replaceChildren(...alerts.slice(0, 50).map((a) =>
    el('li', { 'data-alert': a.id },
      el('div', { class: 'row' }, el('span', { class: 'type', text: label(a.kind) }), badge(a.level)),
      el('p', { class: 'alert-msg', text: a.message }),
      el('p', { class: 'sub' }, time(a.at), a.doc ? ' · ' : '', a.doc ? docLink(a.doc, a.docTitle ?? a.doc) : null))));
}

function docItem(d) {
  return el('li', { 'data-id': d.id },
    el('div', { class: 'row' }, el('span', { class: 'type', text: d.type }), d.state ? badge(d.state) : d.outcome ? badge(d.outcome) : null),
    docLink(d.id, d.title, { class: `link${d.priority === 'high' ? ' prio-high' : ''}`, title: d.priority === 'high' ? 'high priority' : undefined }),
    el('p', { class: 'sub' }, `${d.from} → ${d.to} · `, time(d.created)));
}

async function loadEscalations() {
  const docs = await api('/api/docs?type=escalation&state=open&limit=50');
  $('esc-count').textContent = String(docs.length);
  $('esc-count').classList.toggle('hot', docs.length > 0);
  if (!docs.length) return empty($('escalations'), 'Nothing waits for the lead.');
  $('escalations').replaceChildren(...docs.map(docItem));
}

async function loadDocs() {
  const params = new URLSearchParams({ limit: '60' });
  for (const k of ['worker', 'type', 'state']) {
    const v = $(`f-${k}`).value;
    if (v) params.set(k, v);
  }
  const docs = await api(`/api/docs?${params}`);
  if (!docs.length) return empty($('docs'), 'No docs match.');
  $('docs').replaceChildren(...docs.map(docItem));
}

async function loadTimeline() {
  const entries = await api('/api/timeline?limit=60');
  if (!entries.length) return empty($('timeline'), 'No activity yet.');
  $('timeline').replaceChildren(...entries.map((e) =>
    el('li', {},
      el('span', { class: 'when' }, time(e.at)),
      el('p', { class: 'what' }, el('span', { class: 'who', text: e.actor }), ` ${e.type} `, e.worker !== e.actor ? el('span', { class: 'who', text: `${e.worker} ` }) : '',
        e.docTitle ? docLink(e.doc, e.docTitle) : e.title),
      // A report comes with its evidence: the commits made for its order.
      e.commits?.length ? el('p', { class: 'muted evidence', text: `${e.commits.length} commit${e.commits.length === 1 ? '' : 's'}: ${e.commits.map((x) => x.commit).join(' ')}` }) : '')));
}

async function loadInfo() {
  const info = await api('/api/info');
  $('ws-name').textContent = info.name;
  document.title = `${info.name} · orchestra`;
}

// --- one doc --------------------------------------------------------------------------------------------
async function openDoc(id) {
  const dialog = $('doc-dialog');
  let d;
  try {
    d = await api(`/api/docs/${encodeURIComponent(id)}`);
  } catch (e) {
    d = null;
  }
  view.openDoc = id;
  if (!d) {
    $('doc-kicker').replaceChildren();
    $('doc-title').textContent = `No doc ${id}`;
    $('doc-meta').replaceChildren();
    $('doc-body').replaceChildren(el('p', { class: 'muted', text: 'It may have been archived or renamed.' }));
    $('doc-replies').replaceChildren();
  } else {
    $('doc-kicker').replaceChildren(...[el('span', { class: 'type', text: d.type }), d.state ? badge(d.state) : null, d.priority === 'high' ? el('span', { class: 'badge s-critical', text: 'high priority' }) : null].filter(Boolean));
    $('doc-title').textContent = d.title;
    const meta = [['from → to', `${d.from} → ${d.to}`], ['created', d.created], ['id', d.id], ['file', d.path]];
    if (d.re) meta.push(['re', d.reTitle ? `${d.reTitle} (${d.re})` : d.re]);
    if (d.waitingOn?.length) meta.push(['waits on', d.waitingOn.join(', ')]);
    if (d.outcome) meta.push(['outcome', d.outcome]);
    if (d.tags.length) meta.push(['tags', d.tags.join(', ')]);
    // Orders and answers say whether their worker was shown them (receipts): `delivered` is absent for other docs.
    if (d.delivered !== undefined) meta.push(['delivery', d.delivered ? `delivered ${new Date(d.delivered.at).toLocaleString()} (${d.delivered.how})` : 'not delivered yet']);
    if (d.commits) meta.push(['commits', d.commits.length ? d.commits.map((x) => `${x.commit} ${x.subject}`).join('\n') : 'none found on its branch or with its trailer']);
    $('doc-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
    // Sanitised on the server (sanitize-html); the page's CSP forbids inline script as a second wall.
    $('doc-body').innerHTML = d.html || '<p class="muted">(no text)</p>';
    $('doc-replies').replaceChildren(...(d.replies.length ? [el('h3', { text: 'Replies' }), el('ul', { class: 'list' }, ...d.replies.map(docItem))] : []));
  }
  if (!dialog.open) dialog.showModal();
  if (location.hash !== `#doc=${id}`) history.replaceState(null, '', `#doc=${encodeURIComponent(id)}`);
}

function closeDoc() {
  view.openDoc = null;
  if ($('doc-dialog').open) $('doc-dialog').close();
  if (location.hash) history.replaceState(null, '', location.pathname);
}

// --- live updates ---------------------------------------------------------------------------------------
const pending = { docs: false, alerts: false, timeline: false, ids: new Set() };
let flushTimer = null;

function run(name, fn) {
  return fn().catch((e) => console.warn(`dashboard: ${name}: ${e.message}`));
}

async function flush() {
  flushTimer = null;
  const p = { ...pending, ids: new Set(pending.ids) };
  pending.docs = pending.alerts = pending.timeline = false;
  pending.ids.clear();
  const jobs = [];
  if (p.docs) jobs.push(run('workers', loadWorkers), run('docs', loadDocs), run('escalations', loadEscalations), run('info', loadInfo));
  if (p.docs || p.alerts) jobs.push(run('metrics', loadMetrics));
  if (p.alerts) jobs.push(run('alerts', loadAlerts));
  if (p.timeline || p.docs) jobs.push(run('timeline', loadTimeline));
  if (view.openDoc && p.ids.has(view.openDoc)) jobs.push(run('doc', () => openDoc(view.openDoc)));
  await Promise.all(jobs);
  document.body.dataset.updated = new Date().toISOString();
}

function schedule(change) {
  if (change.docs?.length || change.config) pending.docs = true;
  for (const id of change.docs ?? []) pending.ids.add(id);
  if (change.alerts) pending.alerts = true;
  if (change.timeline) pending.timeline = true;
  flushTimer ??= setTimeout(flush, 50);
}

function setLive(on) {
  $('live').className = `live ${on ? 'on' : 'off'}`;
  $('live-text').textContent = on ? 'live' : 'reconnecting…';
}

// Browser notifications for what needs the lead (the server's `notify` events). Browsers grant the permission
// only from a click, so the page asks once, from the button, and hides it once answered.
function setupNotifyButton() {
  const button = $('notify-me');
  if (!('Notification' in window) || Notification.permission !== 'default') return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    await Notification.requestPermission();
    button.hidden = Notification.permission === 'default';
  });
}

function showNotification(event) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  // The tag makes several open tabs show one notification per event.
  const n = new Notification(event.title, { body: event.message, tag: event.id });
  n.addEventListener('click', () => {
    window.focus();
    if (event.doc) openDoc(event.doc);
  });
}

function connect() {
  const events = new EventSource('/api/events');
  // Every (re)connection may have missed changes: reload everything.
  events.addEventListener('hello', () => {
    setLive(true);
    schedule({ docs: ['*'], alerts: true, timeline: true });
  });
  events.addEventListener('change', (e) => schedule(JSON.parse(e.data)));
  events.addEventListener('notify', (e) => showNotification(JSON.parse(e.data)));
  events.addEventListener('error', () => setLive(false));
}

$('filters').addEventListener('change', () => run('docs', loadDocs));
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('doc-close').addEventListener('click', closeDoc);
$('doc-dialog').addEventListener('close', () => {
  view.openDoc = null;
  if (location.hash) history.replaceState(null, '', location.pathname);
});
$('doc-dialog').addEventListener('click', (e) => {
  if (e.target === $('doc-dialog')) closeDoc();
});
window.addEventListener('hashchange', () => {
  const m = /^#doc=(.+)$/.exec(location.hash);
  if (m) openDoc(decodeURIComponent(m[1]));
});
let narrow = null;
window.addEventListener('resize', () => {
  const now = $('graph').clientWidth < 460;
  if (now !== narrow && view.workers.length) drawGraph($('graph'), view.workers, now);
  narrow = now;
});
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  view.chart?.destroy();
  view.chart = null;
  if (view.metrics) drawChart(view.metrics.daily);
});
// Relative times ("3 min ago") age on screen without any request; liveness changes with the clock and with
// heartbeats, which send no event, so the workers are fetched again at the same pace.
setInterval(() => {
  for (const t of document.querySelectorAll('time[datetime]')) t.textContent = ago(t.getAttribute('datetime'));
  run('workers', loadWorkers);
}, 30_000);

setupNotifyButton();
connect();
const first = /^#doc=(.+)$/.exec(location.hash);
if (first) openDoc(decodeURIComponent(first[1]));
