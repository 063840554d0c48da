import pc from 'picocolors';
import type { Doc } from '../core/doc.js';
import type { Derived } from '../core/state.js';
import { safeBlock, safeLine } from './terminal.js';

export interface DocJson {
  id: string;
  type: string;
  title: string;
  from: string;
  to: string;
  priority: string;
  status: string | null;
  state: string | null;
  re: string | null;
  after: string[];
  outcome: string | null;
  tags: string[];
  created: string;
  path: string;
  worker: string;
  archived: boolean;
  waitingOn?: string[];
  body?: string;
}

/** The documented JSON shape of a doc (camelCase, derived `state`, `waitingOn` when waiting). */
export function docJson(doc: Doc, derived: Derived, withBody = false): DocJson {
  const state = derived.stateOf(doc);
  const out: DocJson = {
    id: doc.id,
    type: doc.type,
    title: doc.title,
    from: doc.from,
    to: doc.to,
    priority: doc.priority,
    status: doc.status ?? null,
    state,
    re: doc.re ?? null,
    after: doc.after,
    outcome: doc.outcome ?? null,
    tags: doc.tags,
    created: doc.created,
    path: doc.path,
    worker: doc.worker,
    archived: doc.archived,
  };
  if (state === 'waiting') out.waitingOn = derived.orders.get(doc.id)?.waitingOn ?? [];
  if (withBody) out.body = doc.body;
  return out;
}

const STATE_COLOR: Record<string, (s: string) => string> = {
  pending: pc.cyan,
  ready: pc.cyan,
  waiting: pc.yellow,
  in_progress: pc.blue,
  working: pc.blue,
  completed: pc.green,
  answered: pc.green,
  resolved: pc.green,
  blocked: pc.red,
  open: pc.magenta,
  cancelled: pc.dim,
  idle: pc.dim,
};

export function colorState(state: string | null, width = 0): string {
  if (!state) return ''.padEnd(width);
  return (STATE_COLOR[state] ?? ((s: string) => s))(state.padEnd(width));
}

export function priorityMark(p: string): string {
  return p === 'high' ? pc.red('!') : p === 'low' ? pc.dim('·') : ' ';
}

export function shortDate(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** One line per doc, for `list`. */
export function docLine(doc: Doc, derived: Derived): string {
  const state = derived.stateOf(doc) ?? (doc.type === 'report' ? doc.outcome ?? '' : '');
  return `${priorityMark(doc.priority)} ${pc.dim(shortDate(doc.created))}  ${doc.type.padEnd(10)} ${colorState(state, 11)} ${pc.dim(safeLine(`${doc.from}→${doc.to}`))}  ${safeLine(doc.title)}  ${pc.dim(doc.id)}`;
}

/** A doc in full, for `show` and `next`. */
export function docFull(doc: Doc, derived: Derived): string {
  const state = derived.stateOf(doc);
  const lines = [
    pc.bold(safeLine(doc.title)),
    `${pc.dim('id')}        ${doc.id}`,
    `${pc.dim('type')}      ${doc.type}${state ? `  (${colorState(state)})` : ''}`,
    `${pc.dim('from → to')} ${safeLine(doc.from)} → ${safeLine(doc.to)}`,
    `${pc.dim('priority')}  ${doc.priority}`,
    `${pc.dim('created')}   ${doc.created}`,
  ];
  if (doc.re) lines.push(`${pc.dim('re')}        ${doc.re}`);
  if (doc.after.length) lines.push(`${pc.dim('after')}     ${doc.after.join(', ')}`);
  const waiting = derived.orders.get(doc.id);
  if (waiting?.state === 'waiting') lines.push(`${pc.dim('waits on')}  ${waiting.waitingOn.join(', ')}`);
  if (doc.outcome) lines.push(`${pc.dim('outcome')}   ${doc.outcome}`);
  if (doc.tags.length) lines.push(`${pc.dim('tags')}      ${safeLine(doc.tags.join(', '))}`);
  lines.push(`${pc.dim('file')}      ${safeLine(doc.path)}`);
  const replies = derived.replies.get(doc.id) ?? [];
  if (replies.length) lines.push(`${pc.dim('replies')}   ${replies.map((r) => `${r.type} ${r.id}`).join(', ')}`);
  if (doc.body) lines.push('', safeBlock(doc.body));
  return lines.join('\n');
}
