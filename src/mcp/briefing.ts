/**
 * The worker's briefing, as pure text builders: the full one (`orchestra prompt`, the MCP prompt and resource,
 * what `launch` starts the agent with) and the short one a SessionStart hook adds to every session.
 */
import type { Doc } from '../core/doc.js';
import type { WorkerConfig } from '../core/workers.js';

export interface InboxCounts {
  ready: Doc[];
  waiting: number;
  inProgress: Doc[];
  unread: Doc[];
}

const line = (d: Doc) => `- ${d.id} (${d.priority}) ${d.title}`;

function inboxText(worker: string, inbox: InboxCounts): string {
  const parts: string[] = [];
  if (inbox.inProgress.length) parts.push(`In progress:\n${inbox.inProgress.map(line).join('\n')}`);
  if (inbox.ready.length) parts.push(`Ready (${inbox.ready.length}), most important first:\n${inbox.ready.slice(0, 5).map(line).join('\n')}`);
  if (inbox.waiting) parts.push(`${inbox.waiting} order(s) waiting on others.`);
  if (inbox.unread.length) parts.push(`Unread answers:\n${inbox.unread.map(line).join('\n')}`);
  return parts.length ? parts.join('\n') : `Nothing is waiting for ${worker} right now.`;
}

/** The few ways to act, for agents with orchestra's MCP tools and for those with only a shell. */
function loopText(n: string): string {
  return `How you work (MCP tools of the "orchestra" server, or the same from a shell):
1. inbox / \`orchestra --as ${n} pending ${n}\`: what waits for you.
2. take / \`orchestra --as ${n} next ${n}\` then \`start <id>\`: start the most important ready order and read it in full.
3. Do the work on your branch; commit it.
4. ask {title, body} / \`orchestra --as ${n} doubt ${n} "<question>" --body "…"\`: when unsure, ask and keep going; never ask the lead in chat.
5. report {id, body, outcome?, commits?} / \`orchestra --as ${n} report <id> --body "…" [--partial|--blocked]\`: what changed, how it was tested.
6. wait / \`orchestra wait ${n} --timeout 10m\`: block until the next order or answer, then go back to 2.`;
}

/** The short briefing: who you are, your inbox, the loop. */
export function shortBriefing(worker: WorkerConfig, inbox: InboxCounts): string {
  return `You are ${worker.name}, a worker coordinated by orchestra.${worker.scope.length ? ` Your area: ${worker.scope.join(', ')}.` : ''}
${inboxText(worker.name, inbox)}
${loopText(worker.name)}`;
}

/** The full briefing: the lead's standing words for the worker, then what the config says, then the loop. */
export function fullBriefing(worker: WorkerConfig, leadWords: string | undefined, inbox: InboxCounts): string {
  const facts = [
    `Worker: ${worker.name}`,
    worker.scope.length ? `Scope (change only these): ${worker.scope.join(', ')}` : 'Scope: none declared (ask before touching shared files)',
    worker.dependsOn.length ? `Depends on: ${worker.dependsOn.join(', ')} (their earlier orders finish before yours are ready)` : undefined,
    worker.branch ? `Branch: ${worker.branch}` : undefined,
  ].filter(Boolean);
  return `${leadWords?.trim() ? `${leadWords.trim()}\n\n` : ''}## What orchestra says
${facts.join('\n')}

## Your inbox
${inboxText(worker.name, inbox)}

## The loop
${loopText(worker.name)}
Work one order at a time. When you finish one, take the next without waiting to be told.`;
}
