/** The watchdog's events for people: a short block each, always ending with the command that shows it in full. */
import pc from 'picocolors';
import { colorState, priorityMark } from './format.js';
import type { DocJson } from '../core/json.js';
import type { ConflictJson, WatchEvent } from '../core/watch-events.js';
import { safeLine } from './terminal.js';

const WIDTH = 78;

/** Cuts doc-borne or git-borne text to `n` columns, its control characters shown rather than obeyed. */
function fit(s: string, n: number): string {
  const t = safeLine(s);
  return t.length <= n ? t : `${t.slice(0, Math.max(0, n - 1))}…`;
}

function rule(label: string, at: string): string {
  const time = at.slice(11, 19);
  const head = `── ${time} ${label} `;
  return pc.bold(head) + pc.dim('─'.repeat(Math.max(3, WIDTH - head.length)));
}

function docRow(d: DocJson, extra = ''): string[] {
  return [`  ${priorityMark(d.priority)} ${fit(d.title, 60)}${extra}`, pc.dim(`    orchestra show ${d.id}`)];
}

function whereText(c: ConflictJson): string[] {
  return c.changes.map((x) => {
    const where = x.where === 'worktree' ? `uncommitted in ${x.ref}` : `commit ${x.ref.slice(0, 7)}${x.branch ? ` on ${x.branch}` : ''}${x.where === 'trailer' ? ' (order in progress)' : ''}`;
    return pc.dim(`      ${safeLine(x.worker)}: ${fit(where, 60)}`);
  });
}

function conflictHead(c: ConflictJson): string {
  return c.kind === 'overlap'
    ? `${pc.red('overlap')} ${safeLine(c.file)}: ${safeLine(c.workers.join(' and '))}`
    : `${pc.yellow('out of scope')} ${safeLine(c.file)}: ${safeLine(c.workers[0])}${c.workers[1] ? ` (${safeLine(c.workers[1])}'s scope)` : ''}`;
}

export function renderEvent(ev: WatchEvent): string {
  switch (ev.event) {
    case 'summary': {
      const lines = [
        pc.bold(`watching ${ev.worker}`) +
          pc.dim(` · ${ev.ready.length} ready · ${ev.waiting.length} waiting · ${ev.answers.length} unread answer${ev.answers.length === 1 ? '' : 's'} · ${ev.conflicts.length} conflict${ev.conflicts.length === 1 ? '' : 's'}`),
      ];
      if (ev.inProgress.length) lines.push(pc.bold('In progress'), ...ev.inProgress.flatMap((d) => docRow(d)));
      if (ev.ready.length) lines.push(pc.bold('Ready, by priority'), ...ev.ready.flatMap((d) => docRow(d)));
      if (ev.waiting.length) lines.push(pc.bold('Waiting'), ...ev.waiting.flatMap((d) => docRow(d, pc.yellow(`  waits on ${safeLine((d.waitingOn ?? []).join(', '))}`))));
      if (ev.blocked.length) lines.push(pc.bold('Blocked'), ...ev.blocked.flatMap((d) => docRow(d)));
      if (ev.answers.length) lines.push(pc.bold('Unread answers'), ...ev.answers.flatMap((d) => docRow(d)));
      if (ev.conflicts.length) lines.push(pc.bold('Conflicts'), ...ev.conflicts.flatMap((c) => [`  ${conflictHead(c)}`, ...whereText(c)]));
      return lines.join('\n');
    }
    case 'order':
      return [
        rule(`new order${ev.doc.priority === 'high' ? ' (high)' : ''}`, ev.at),
        pc.bold(fit(ev.doc.title, WIDTH)),
        `from ${safeLine(ev.doc.from)} · ${ev.doc.priority} · ${colorState(ev.doc.state)}${ev.doc.waitingOn?.length ? pc.yellow(` on ${safeLine(ev.doc.waitingOn.join(', '))}`) : ''}`,
        pc.cyan(ev.show),
      ].join('\n');
    case 'answer':
      return [rule('answer', ev.at), pc.bold(fit(ev.doc.title, WIDTH)), safeLine(`from ${ev.doc.from}${ev.doc.re ? ` · re ${ev.doc.re}` : ''}`), pc.cyan(ev.show)].join('\n');
    case 'status':
      return [rule('status', ev.at), fit(ev.title, WIDTH), `${safeLine(ev.from ?? '-')} → ${colorState(ev.to)}`, pc.cyan(ev.show)].join('\n');
    case 'conflict':
      return [
        rule(ev.resolved ? 'conflict gone' : 'conflict', ev.at),
        conflictHead(ev.conflict),
        ...whereText(ev.conflict),
        pc.cyan(`orchestra conflicts --worker ${ev.worker}`),
      ].join('\n');
  }
}
