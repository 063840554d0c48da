/**
 * The agent-facing layer over the one briefing (core/briefing.ts `renderBriefing`): the full briefing is the
 * rendered one (the lead's words, then what the config says) followed by the worker's inbox as it stands and the
 * MCP tools; the short one a SessionStart hook adds to every session takes its area from the same core text.
 */
import { areaText, renderBriefing } from '../core/briefing.js';
import type { Doc } from '../core/doc.js';
import type { Config, WorkerConfig } from '../core/workers.js';

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
function toolsText(n: string): string {
  return `How you work (MCP tools of the "orchestra" server, or the same from a shell):
1. inbox / \`orchestra --as ${n} pending ${n}\`: what waits for you.
2. take / \`orchestra --as ${n} next ${n}\` then \`start <id>\`: start the most important ready order and read it in full.
3. Do the work on your branch; commit it.
4. ask {title, body} / \`orchestra --as ${n} doubt ${n} "<question>" --body "…"\`: when unsure, ask and keep going; never ask the lead in chat.
5. report {id, body, outcome?, commits?} / \`orchestra --as ${n} report <id> --body "…" [--partial|--blocked]\`: what changed, how it was tested.
6. wait / \`orchestra wait ${n} --timeout 10m\`: block until the next order or answer, then go back to 2.`;
}

/** The short briefing: who you are, your area, your inbox, the loop. */
export function shortBriefing(worker: WorkerConfig, inbox: InboxCounts): string {
  // One line for the area: the scope, or core/briefing's word on having none.
  const area = worker.scope.length ? `Your area: ${worker.scope.join(', ')}.` : areaText(worker).split(': ')[0].replace(/,$/, '') + '.';
  return `You are ${worker.name}, a worker coordinated by orchestra. ${area}
${inboxText(worker.name, inbox)}
${toolsText(worker.name)}`;
}

/** The full briefing: `renderBriefing` (the lead's words and the config), then the inbox and the MCP tools. */
export function fullBriefing(config: Pick<Config, 'workers' | 'lead'>, worker: string, leadWords: string, inbox: InboxCounts): string {
  return `${renderBriefing(config, worker, leadWords).trimEnd()}

## Your inbox
${inboxText(worker, inbox)}

## With orchestra's MCP tools
${toolsText(worker)}
Work one order at a time. When you finish one, take the next without waiting to be told.
`;
}
