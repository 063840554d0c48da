// Review mode: the daemon's proposals waiting for the lead (`GET /api/proposals`), each with Approve and Reject
// (the reason asked for in a text box), and "Approve all" when there are several. Shown only when review mode is
// in use or proposals exist. The body is HTML the server sanitised, as in the doc dialog.
import { $, act, badge, docLink, el, empty, inUse, redraw, say, time } from './dom.js';

function rejectForm(p, item) {
  const fid = `why-${p.id}`;
  const error = el('p', { class: 'form-error', role: 'alert' });
  const area = el('textarea', { id: fid, name: 'why', rows: 2, required: true, placeholder: 'Why it is refused (kept in the timeline)' });
  const submit = el('button', { type: 'submit', class: 'danger', text: 'Reject' });
  const back = el('button', { type: 'button', class: 'more', text: 'Keep it' });
  const form = el('form', { class: 'answer-form reject-form', 'data-reject': p.id, hidden: true },
    el('label', { for: fid, text: `Reason for rejecting “${p.title}” (required)` }), area,
    el('div', { class: 'form-row' }, back, submit), error);
  back.addEventListener('click', () => {
    form.hidden = true;
    item.querySelector('button[data-reject-open]')?.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!area.value.trim()) {
      error.textContent = 'Say why it is refused.';
      area.focus();
      return;
    }
    submit.disabled = true;
    try {
      const r = await act('reject', { id: p.id, why: area.value });
      area.value = '';
      say(`Rejected ${p.title} (commit ${r.commit.slice(0, 8)})`);
      await loadProposals();
    } catch (err) {
      error.textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function proposalItem(p) {
  const item = el('li', { class: 'proposal', 'data-proposal': p.id });
  const headId = `proposal-h-${p.id}`;
  const error = el('p', { class: 'form-error', role: 'alert' });
  const approve = el('button', { type: 'button', class: 'primary', 'data-approve': p.id, 'aria-describedby': headId, text: 'Approve', disabled: p.problems.length > 0 });
  const openReject = el('button', { type: 'button', class: 'danger', 'data-reject-open': p.id, 'aria-describedby': headId, text: 'Reject…' });
  const form = rejectForm(p, item);
  approve.addEventListener('click', async () => {
    approve.disabled = true;
    error.textContent = '';
    try {
      const r = await act('approve', { id: p.id });
      say(`Approved ${p.title}: delivered to ${p.to ?? p.worker} (commit ${r.commit ? r.commit.slice(0, 8) : 'none: it was in the docs already'})`);
      await loadProposals();
    } catch (err) {
      error.textContent = err.message;
      approve.disabled = false;
    }
  });
  openReject.addEventListener('click', () => {
    form.hidden = false;
    form.querySelector('textarea').focus();
  });
  const body = el('article', { class: 'markdown proposal-body' });
  // Sanitised on the server (sanitize-html), as every doc body; the page's CSP forbids inline script.
  if (p.html) body.innerHTML = p.html;
  else body.append(el('pre', { text: p.body }));
  item.append(
    el('div', { class: 'row' }, el('span', { class: 'type', text: p.type ?? 'proposal' }), badge('proposed')),
    el('h3', { id: headId, class: 'proposal-title', text: p.title }),
    el('p', { class: 'sub' }, `${p.from ?? '?'} → ${p.to ?? '?'} · for ${p.worker}`, p.created ? ' · ' : '', p.created ? time(p.created) : ''),
    p.re ? el('p', { class: 'sub proposal-re' }, 'answers ', docLink(p.re, p.reTitle ?? p.re, { class: 'link id-link' })) : '',
    body,
    p.problems.length ? el('p', { class: 'form-error', text: `Cannot be approved: ${p.problems.join('; ')}` }) : '',
    el('div', { class: 'form-row' }, openReject, approve),
    error,
    form,
  );
  return item;
}

let loading = null;

/** Draws the panel; an item being used (reject form open) or unchanged keeps its element across live updates. */
export function loadProposals() {
  // One request at a time; a call during one waits for it and asks again once (live events come in bursts).
  loading = (loading ?? Promise.resolve()).then(draw, draw).finally(() => (loading = null));
  return loading;
}

async function draw() {
  const r = await fetch('/api/proposals', { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`/api/proposals: ${r.status}`);
  const { review, branch, proposals } = await r.json();
  const card = $('proposals-card');
  card.hidden = !review && !proposals.length;
  $('proposals-count').textContent = String(proposals.length);
  $('proposals-count').classList.toggle('hot', proposals.length > 0);
  $('proposals-branch').textContent = branch;
  $('approve-all').hidden = proposals.length < 2;
  $('approve-all').textContent = `Approve all (${proposals.length})`;
  const list = $('proposals');
  if (!proposals.length) return empty(list, 'No proposal waits for review.');
  // An item the lead is using (its reject form open, typed into or not; the focus in it) or unchanged keeps its
  // element across live updates.
  redraw(list, proposals, (p) => p.id, proposalItem, (li) => inUse(li) || !li.querySelector('form[data-reject]')?.hidden);
}

export function setupProposals() {
  const all = $('approve-all');
  all.addEventListener('click', async () => {
    all.disabled = true;
    try {
      const r = await act('approve', { all: true });
      say(`Approved ${r.ids.length} proposals (commit ${r.commit ? r.commit.slice(0, 8) : 'none'})`);
      await loadProposals();
    } catch (err) {
      say(err.message, true);
    } finally {
      all.disabled = false;
    }
  });
}
