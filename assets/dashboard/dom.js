// Small helpers shared by the page's modules: building elements (data always as text), reading the API, writing
// through the page's actions with the session token, times, badges, doc links and copy buttons.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
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

export async function api(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.json().catch(() => ({}))).error ?? ''}`);
  return r.json();
}

// The session token this server put in the page: every write carries it (a page on another site cannot read it).
const session = document.querySelector('meta[name="orchestra-session"]')?.getAttribute('content') ?? '';

/** One of the lead's actions (`POST /api/actions/<name>`); resolves to its result or throws the server's reason. */
export async function act(name, body) {
  const r = await fetch(`/api/actions/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Orchestra-Session': session },
    body: JSON.stringify(body),
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(json.error ?? `${r.status} ${r.statusText}`);
  return json;
}

export const label = (s) => String(s ?? '').replace(/_/g, ' ');
export const badge = (state) => el('span', { class: `badge s-${state}`, text: label(state) });

export function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
export const time = (iso) => el('time', { datetime: iso, title: iso, text: ago(iso) });

// What each liveness mark means (DESIGN.md, "Receipts and liveness"): the badge's title and the legend say it.
const LIVENESS = {
  working: 'working: an order in progress',
  idle: 'idle: no order in progress',
  stalled: 'stalled: an order in progress, no call to orchestra for stale_after',
  gone: 'gone: work open, and its launched process ended or no call to orchestra for a long time',
};
export const livenessBadge = (l) => el('span', { class: `badge live-badge l-${l}`, 'data-liveness': l, title: LIVENESS[l] ?? l, text: l });

// The doc dialog lives in app.js; other modules open docs through this hook.
const hooks = { openDoc: () => {} };
export function onOpenDoc(fn) {
  hooks.openDoc = fn;
}
export function docLink(id, title, extra = {}) {
  return el('button', { type: 'button', class: 'link', 'data-doc': id, onclick: () => hooks.openDoc(id), ...extra }, title);
}

/** A short form of an id for the eye (the tail that makes it unique is the random end); the full id is copied. */
export const shortId = (id) => (id.length > 24 ? `…${id.slice(-14)}` : id);

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API outside a secure context (a phone on http://<lan address>): the old way.
    const area = el('textarea', { 'aria-hidden': 'true', class: 'offscreen' });
    area.value = text;
    document.body.append(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    return done;
  }
}

/** A button that copies `id` and says so. */
export function copyButton(id) {
  const b = el('button', { type: 'button', class: 'copy', 'data-copy': id, 'aria-label': `Copy id ${id}`, title: 'Copy the full id', text: 'Copy' });
  b.addEventListener('click', async () => {
    const done = await copyText(id);
    b.textContent = done ? 'Copied' : 'Copy failed';
    setTimeout(() => (b.textContent = 'Copy'), 1500);
  });
  return b;
}

/** An id as a code element plus its copy button. */
export const idWithCopy = (id) => el('span', { class: 'id' }, el('code', { text: id }), copyButton(id));

export function empty(list, text) {
  list.replaceChildren(el('li', { class: 'empty', text }));
}

/** What each item drawn by `redraw` was drawn from (its data, as JSON). */
const drawnFrom = new WeakMap();

/** Whether the lead is using an item: the focus is in it, or something is typed in one of its boxes. */
export const inUse = (li) => li.contains(document.activeElement) || [...li.querySelectorAll('textarea')].some((t) => t.value);

/**
 * Redraws a list whose items are keyed by `key`: an item whose data is unchanged since it was drawn, or that `busy`
 * says the lead is using, keeps its element (its focus, what is typed, an open form, an error line) across live
 * updates; the others are drawn anew with `draw`.
 */
export function redraw(list, items, key, draw, busy = inUse) {
  const old = new Map([...list.children].filter((li) => li.dataset.key).map((li) => [li.dataset.key, li]));
  list.replaceChildren(...items.map((x) => {
    const k = key(x);
    const was = old.get(k);
    const sig = JSON.stringify(x);
    if (was && (drawnFrom.get(was) === sig || busy(was))) return was;
    const li = draw(x);
    li.dataset.key = k;
    drawnFrom.set(li, sig);
    return li;
  }));
}

/** Shows the outcome of an action in the page's status line (read by screen readers). */
export function say(text, bad = false) {
  const s = $('action-status');
  s.textContent = text;
  s.classList.toggle('bad', bad);
  s.hidden = false;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (s.hidden = true), 8000);
}

export const OPEN_ORDER = new Set(['pending', 'ready', 'waiting', 'in_progress', 'blocked']);

/**
 * The answer box for an open doubt or escalation: posts the `answer` action; the live update shows the rest.
 */
export function answerForm(doc) {
  const fid = `answer-${doc.id}-${Math.random().toString(36).slice(2, 7)}`;
  const error = el('p', { class: 'form-error', role: 'alert' });
  const area = el('textarea', { id: fid, name: 'body', rows: 2, required: true, placeholder: 'Your answer (Markdown)' });
  const button = el('button', { type: 'submit', class: 'primary', text: 'Answer' });
  const form = el('form', { class: 'answer-form', 'data-answer': doc.id },
    el('label', { for: fid, class: 'sr-only', text: `Answer to ${doc.title}` }), area, el('div', { class: 'form-row' }, button), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    error.textContent = '';
    try {
      const r = await act('answer', { re: doc.id, body: area.value });
      area.value = '';
      say(`Answered ${doc.title} (commit ${r.commit.slice(0, 8)})`);
    } catch (err) {
      error.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** Cancel an open order, in two clicks so a stray tap changes nothing. */
export function cancelButton(order) {
  const b = el('button', { type: 'button', class: 'danger', 'data-cancel': order.id, text: 'Cancel order' });
  let armed = false;
  b.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      b.textContent = 'Confirm: cancel this order';
      setTimeout(() => {
        armed = false;
        b.textContent = 'Cancel order';
      }, 6000);
      return;
    }
    b.disabled = true;
    try {
      const r = await act('cancel', { order: order.id });
      say(`Cancelled ${order.title} (commit ${r.commit.slice(0, 8)})`);
    } catch (err) {
      say(err.message, true);
      b.disabled = false;
    }
  });
  return b;
}
