// The live dashboard: fetches the JSON API, draws it, and refetches what changed when the server says so over
// server-sent events. Data is inserted as text; the only HTML inserted is a doc body the server has sanitised.
import { drawGraph } from './graph.js';

import { $, act, answerForm, api, badge, cancelButton, docLink, el, empty, idWithCopy, label, livenessBadge, OPEN_ORDER, onOpenDoc, redraw, say, time, ago } from './dom.js';
import { loadProposals, setupProposals } from './proposals.js';
import { loadThread } from './thread.js';

const view = { workers: [], metrics: null, chart: null, openDoc: null, thread: null, docsLimit: 20, timelineLimit: 25 };

// --- workers -------------------------------------------------------------------------------------------
const seenTime = (iso) => (iso ? time(iso) : 'never');

async function loadWorkers() {
  const workers = await api('/api/workers');
  view.workers = workers;
  const list = $('workers');
  if (!workers.length) return empty(list, 'No workers declared in orchestra.yaml.');
  list.replaceChildren(
    ...workers.map((w) =>
      el('li', { class: 'worker', 'data-state': w.state, 'data-worker': w.name },
        el('div', { class: 'worker-top' }, el('h3', {}, el('a', { href: `#worker=${encodeURIComponent(w.name)}`, title: `${w.name}'s thread: orders, doubts, reports, commits`, text: w.name })), badge(w.state)),
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
  const target = $('o-worker');
  if (target.options.length !== workers.length) {
    const current = target.value;
    target.replaceChildren(...workers.map((w) => el('option', { value: w.name, text: w.name })));
    if (current) target.value = current;
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
  // One window for every figure and the chart: metrics.window in orchestra.yaml.
  $('metrics-window').textContent = `last ${Math.round(m.days)} days`;
  $('metrics-window').title = 'every figure and the chart: metrics.window in orchestra.yaml';
  $('throughput').setAttribute('aria-label', `Orders completed per day, last ${Math.round(m.days)} days`);
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

// What waits for the lead: open escalations and open doubts, each with its answer box.
async function loadEscalations() {
  const [esc, doubts] = await Promise.all([api('/api/docs?type=escalation&state=open&limit=50'), api('/api/docs?type=doubt&state=open&limit=50')]);
  const docs = [...esc, ...doubts];
  $('esc-count').textContent = String(docs.length);
  $('esc-count').classList.toggle('hot', docs.length > 0);
  if (!docs.length) return empty($('escalations'), 'Nothing waits for the lead.');
  // An item being answered keeps its box (the focus, what is typed in it) across live updates.
  redraw($('escalations'), docs, (d) => d.id, (d) => {
    const li = docItem(d);
    li.append(answerForm(d));
    return li;
  });
}

async function loadDocs() {
  const params = new URLSearchParams({ limit: String(view.docsLimit + 1) });
  for (const k of ['worker', 'type', 'state']) {
    const v = $(`f-${k}`).value;
    if (v) params.set(k, v);
  }
  const docs = await api(`/api/docs?${params}`);
  $('docs-more').hidden = docs.length <= view.docsLimit;
  if (!docs.length) return empty($('docs'), 'No docs match.');
  $('docs').replaceChildren(...docs.slice(0, view.docsLimit).map(docItem));
}

const MARK = { order: 'order', report: 'report', doubt: 'doubt', escalation: 'doubt', answer: 'answer' };

async function loadTimeline() {
  const entries = await api(`/api/timeline?limit=${view.timelineLimit + 1}`);
  $('timeline-more').hidden = entries.length <= view.timelineLimit;
  $('timeline-window').textContent = `latest ${Math.min(entries.length, view.timelineLimit)} commits, from git`;
  if (!entries.length) return empty($('timeline'), 'No activity yet.');
  $('timeline').replaceChildren(...entries.slice(0, view.timelineLimit).map((e) =>
    el('li', { class: `m-${MARK[e.type] ?? 'status'}` },
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
// The address says what is open: `#worker=<name>` the worker's thread, `&doc=<id>` (or `#doc=<id>`) a doc on top.
function hashState() {
  const p = new URLSearchParams(location.hash.slice(1));
  return { worker: p.get('worker'), doc: p.get('doc') };
}
function setHash(worker, doc) {
  const p = new URLSearchParams();
  if (worker) p.set('worker', worker);
  if (doc) p.set('doc', doc);
  const h = p.toString();
  if (location.hash.slice(1) !== h) history.replaceState(null, '', h ? `#${h}` : location.pathname);
}

/** A doc id in the dialog's facts: a link that opens that doc, and a copy button. */
const idLink = (id, title) => el('span', { class: 'id' }, docLink(id, title ? `${title} (${id})` : id, { class: 'link id-link' }), el('span', {}, ' '), idWithCopy(id).lastChild);

async function openDoc(id) {
  const dialog = $('doc-dialog');
  let d;
  try {
    d = await api(`/api/docs/${encodeURIComponent(id)}`);
  } catch (e) {
    d = null;
  }
  view.openDoc = d?.id ?? id;
  $('doc-actions').replaceChildren();
  if (!d) {
    $('doc-kicker').replaceChildren();
    $('doc-title').textContent = `No doc ${id}`;
    $('doc-meta').replaceChildren();
    $('doc-body').replaceChildren(el('p', { class: 'muted', text: 'It may have been archived or renamed.' }));
    $('doc-replies').replaceChildren();
  } else {
    $('doc-kicker').replaceChildren(...[el('span', { class: 'type', text: d.type }), d.state ? badge(d.state) : null, d.priority === 'high' ? el('span', { class: 'badge s-critical', text: 'high priority' }) : null].filter(Boolean));
    $('doc-title').textContent = d.title;
    const meta = [['from → to', `${d.from} → ${d.to}`], ['created', d.created], ['id', idWithCopy(d.id)], ['file', d.path]];
    if (d.re) meta.push(['re', idLink(d.re, d.reTitle)]);
    if (d.after?.length) meta.push(['after', el('span', { class: 'ids' }, ...d.after.map((a) => idLink(a)))]);
    if (d.waitingOn?.length) meta.push(['waits on', el('span', { class: 'ids' }, ...d.waitingOn.map((a) => idLink(a)))]);
    if (d.outcome) meta.push(['outcome', d.outcome]);
    if (d.tags.length) meta.push(['tags', d.tags.join(', ')]);
    // Orders and answers say whether their worker was shown them (receipts): `delivered` is absent for other docs.
    if (d.delivered !== undefined) meta.push(['delivery', d.delivered ? `delivered ${new Date(d.delivered.at).toLocaleString()} (${d.delivered.how})` : 'not delivered yet']);
    if (d.commits) meta.push(['commits', d.commits.length ? d.commits.map((x) => `${x.commit} ${x.subject}`).join('\n') : 'none found on its branch or with its trailer']);
    $('doc-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)]));
    // Sanitised on the server (sanitize-html); the page's CSP forbids inline script as a second wall.
    $('doc-body').innerHTML = d.html || '<p class="muted">(no text)</p>';
    $('doc-replies').replaceChildren(...(d.replies.length ? [el('h3', { text: 'Replies' }), el('ul', { class: 'list' }, ...d.replies.map(docItem))] : []));
    // What the lead can do with this doc: answer an open doubt or escalation, cancel an open order.
    if ((d.type === 'doubt' || d.type === 'escalation') && d.state === 'open') $('doc-actions').append(answerForm(d));
    if (d.type === 'order' && OPEN_ORDER.has(d.state)) $('doc-actions').append(cancelButton(d));
  }
  if (!dialog.open) dialog.showModal();
  setHash(view.thread, view.openDoc);
}
onOpenDoc(openDoc);

function closeDoc() {
  view.openDoc = null;
  if ($('doc-dialog').open) $('doc-dialog').close();
  setHash(view.thread, null);
}

// --- a worker's thread ----------------------------------------------------------------------------------
function showThread(name) {
  view.thread = name;
  $('main').dataset.view = name ? 'thread' : 'overview';
  $('thread-view').hidden = !name;
  if (!name) return;
  run('thread', () => loadThread(name, newOrder));
  window.scrollTo(0, 0);
}

function route() {
  const { worker, doc } = hashState();
  if (worker !== view.thread) showThread(worker);
  if (doc && doc !== view.openDoc) openDoc(doc);
  if (!doc && $('doc-dialog').open) closeDoc();
}

// --- give an order --------------------------------------------------------------------------------------
function newOrder(worker) {
  if (worker) $('o-worker').value = worker;
  $('order-error').textContent = '';
  $('order-dialog').showModal();
  $('o-title').focus();
}

async function submitOrder(e) {
  e.preventDefault();
  const f = $('order-form');
  const button = f.querySelector('button[type="submit"]');
  button.disabled = true;
  $('order-error').textContent = '';
  try {
    const body = { worker: $('o-worker').value, title: $('o-title').value, body: $('o-body').value, priority: $('o-priority').value, after: $('o-after').value };
    const r = await act('order', body);
    say(`Order given to ${body.worker}: ${body.title} (commit ${r.commit.slice(0, 8)})`);
    for (const id of ['o-title', 'o-body', 'o-after']) $(id).value = '';
    $('o-priority').value = 'medium';
    $('order-dialog').close();
  } catch (err) {
    $('order-error').textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

// --- live updates ---------------------------------------------------------------------------------------
const pending = { docs: false, alerts: false, timeline: false, proposals: false, ids: new Set() };
let flushTimer = null;

function run(name, fn) {
  return fn().catch((e) => console.warn(`dashboard: ${name}: ${e.message}`));
}

async function flush() {
  flushTimer = null;
  const p = { ...pending, ids: new Set(pending.ids) };
  pending.docs = pending.alerts = pending.timeline = pending.proposals = false;
  pending.ids.clear();
  const jobs = [];
  if (p.docs) jobs.push(run('workers', loadWorkers), run('docs', loadDocs), run('escalations', loadEscalations), run('info', loadInfo));
  if (p.docs || p.proposals) jobs.push(run('proposals', loadProposals));
  if (p.docs || p.alerts) jobs.push(run('metrics', loadMetrics));
  if (p.alerts) jobs.push(run('alerts', loadAlerts));
  if (p.timeline || p.docs) jobs.push(run('timeline', loadTimeline));
  if (view.openDoc && (p.ids.has(view.openDoc) || p.ids.has('*'))) jobs.push(run('doc', () => openDoc(view.openDoc)));
  if (view.thread && p.docs) jobs.push(run('thread', () => loadThread(view.thread, newOrder)));
  await Promise.all(jobs);
  document.body.dataset.updated = new Date().toISOString();
}

function schedule(change) {
  if (change.docs?.length || change.config) pending.docs = true;
  for (const id of change.docs ?? []) pending.ids.add(id);
  // A reply changes the doc it replies to (its state, its replies): the open doc is read again on any change.
  if (change.docs?.length && view.openDoc) pending.ids.add(view.openDoc);
  if (change.alerts) pending.alerts = true;
  if (change.timeline) pending.timeline = true;
  // Review mode: the proposals branch moved (a proposal arrived, or was approved or rejected elsewhere).
  if (change.proposals) pending.proposals = pending.timeline = true;
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
  events.addEventListener('proposals', () => schedule({ proposals: true }));
  events.addEventListener('notify', (e) => showNotification(JSON.parse(e.data)));
  events.addEventListener('error', () => setLive(false));
}

$('filters').addEventListener('change', () => run('docs', loadDocs));
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('docs-more').addEventListener('click', () => {
  view.docsLimit += 40;
  run('docs', loadDocs);
});
$('timeline-more').addEventListener('click', () => {
  view.timelineLimit += 50;
  run('timeline', loadTimeline);
});
$('doc-close').addEventListener('click', closeDoc);
$('doc-dialog').addEventListener('close', () => {
  view.openDoc = null;
  setHash(view.thread, null);
});
$('doc-dialog').addEventListener('click', (e) => {
  if (e.target === $('doc-dialog')) closeDoc();
});
$('new-order').addEventListener('click', () => newOrder(view.thread));
$('order-close').addEventListener('click', () => $('order-dialog').close());
$('order-form').addEventListener('submit', submitOrder);
window.addEventListener('hashchange', route);
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

// Opened with ?token= (a dashboard on the network): the server set a cookie, so the token leaves the address bar.
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname + location.hash);
setupNotifyButton();
setupProposals();
connect();
route();
