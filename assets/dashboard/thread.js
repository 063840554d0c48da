// One worker's thread (`#worker=<name>`): its orders oldest first, each with the docs that follow it, delivery
// receipts, and the order's commits with their diff stat; the worker's state and liveness on top.
import { $, api, badge, cancelButton, docLink, el, idWithCopy, livenessBadge, OPEN_ORDER, time, answerForm } from './dom.js';

function delivery(d) {
  if (d.delivered === undefined) return null;
  return el('span', { class: `delivery${d.delivered ? '' : ' pending'}`, title: d.delivered ? `shown to the worker by ${d.delivered.how}` : 'not yet shown to the worker' },
    d.delivered ? ['delivered ', time(d.delivered.at)] : 'not delivered yet');
}

function stat(s) {
  if (!s) return null;
  return el('span', { class: 'stat', title: `${s.files} file${s.files === 1 ? '' : 's'} changed` },
    `${s.files} file${s.files === 1 ? '' : 's'} `, el('span', { class: 'ins', text: `+${s.insertions}` }), ' ', el('span', { class: 'del', text: `−${s.deletions}` }));
}

function followItem(d) {
  const open = (d.type === 'doubt' || d.type === 'escalation') && d.state === 'open';
  return el('li', { 'data-id': d.id, class: `follow t-${d.type}` },
    el('div', { class: 'row' }, el('span', { class: 'type', text: d.type }), d.state ? badge(d.state) : d.outcome ? badge(d.outcome) : null),
    docLink(d.id, d.title),
    el('p', { class: 'sub' }, `${d.from} → ${d.to} · `, time(d.created), d.delivered !== undefined ? ' · ' : '', delivery(d)),
    open ? answerForm(d) : null);
}

function orderBlock(o) {
  return el('li', { class: 'thread-order', 'data-order': o.id, 'data-state': o.state },
    el('div', { class: 'row' }, el('span', { class: 'type', text: `order · ${o.priority}` }), badge(o.state)),
    el('h3', {}, docLink(o.id, o.title, { class: `link${o.priority === 'high' ? ' prio-high' : ''}` })),
    el('p', { class: 'sub' }, idWithCopy(o.id), ' · ', time(o.created), ' · ', delivery(o)),
    o.after.length ? el('p', { class: 'sub' }, 'after ', ...o.after.map((a) => docLink(a, a.slice(-20)))) : null,
    o.thread.length ? el('ol', { class: 'follows' }, ...o.thread.map(followItem)) : el('p', { class: 'muted', text: 'No doubts or reports yet.' }),
    o.commits.length
      ? el('div', { class: 'commits' }, el('h4', { text: `${o.commits.length} commit${o.commits.length === 1 ? '' : 's'}` }),
          el('ul', {}, ...o.commits.map((c) => el('li', { 'data-commit': c.commit }, idWithCopy(c.commit), ' ', el('span', { class: 'subject', text: c.subject }), ' ', stat(c.stat), ' ', time(c.at)))))
      : null,
    OPEN_ORDER.has(o.state) ? el('div', { class: 'form-row' }, cancelButton(o)) : null);
}

export async function loadThread(name, onNewOrder) {
  const t = await api(`/api/workers/${encodeURIComponent(name)}/thread`);
  const w = t.worker;
  $('thread-title').textContent = name;
  $('thread-meta').replaceChildren(...[
    el('span', {}, 'state ', badge(w.state)),
    w.liveness ? el('span', {}, 'liveness ', livenessBadge(w.liveness)) : null,
    el('span', {}, 'last seen ', w.lastSeen ? time(w.lastSeen) : 'never'),
    w.branch ? el('span', {}, 'branch ', el('code', { text: w.branch })) : null,
    w.dependsOn?.length ? el('span', { text: `after ${w.dependsOn.join(', ')}` }) : null,
  ].filter(Boolean));
  $('thread-new-order').onclick = () => onNewOrder(name);
  const list = $('thread-orders');
  if (!t.orders.length) list.replaceChildren(el('li', { class: 'empty', text: `No orders for ${name} yet.` }));
  else list.replaceChildren(...t.orders.map(orderBlock));
  $('thread-other-wrap').hidden = !t.other.length;
  $('thread-other').replaceChildren(...t.other.map(followItem));
}
