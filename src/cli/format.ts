import pc from 'picocolors';
import type { Doc } from '../core/doc.js';
import type { Derived } from '../core/state.js';
import { safeBlock, safeLine } from './terminal.js';

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

/** Listings fit this many columns: the title gives way. */
export const LIST_WIDTH = 100;

/** One line per doc, for `list` and `pending`, ending in the id as `short` gives it (a unique tail). */
export function docLine(doc: Doc, derived: Derived, short: string = doc.id): string {
  const state = derived.stateOf(doc) ?? (doc.type === 'report' ? doc.outcome ?? '' : '');
  const route = safeLine(`${doc.from}→${doc.to}`);
  // mark, date, type and state take 43 columns; two gaps of two around the title.
  const room = Math.max(12, LIST_WIDTH - 43 - route.length - 4 - short.length);
  const plain = safeLine(doc.title);
  const title = plain.length <= room ? plain : `${plain.slice(0, room - 1)}…`;
  return `${priorityMark(doc.priority)} ${pc.dim(shortDate(doc.created))}  ${doc.type.padEnd(10)} ${colorState(state, 11)} ${pc.dim(route)}  ${title}  ${pc.dim(short)}`;
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
