/**
 * `orchestra mcp`: the MCP server agents connect to over stdio. The only file that imports the MCP SDK. Tools are
 * thin: each validates its input with zod, calls the adapter (ops.ts), and answers in compact JSON, because every
 * byte of a tool list and of a result is paid for in the agent's context.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import type { Doc } from '../core/doc.js';
import { docJson, type DocJson } from '../core/json.js';
import { OrchestraError } from '../errors.js';
import { receiptLines, shownIds } from '../store/receipts.js';
import { Feed, newsKey, type News } from './feed.js';
import { startFollower } from '../store/sync/follow.js';
import * as ops from './ops.js';
import { untoldCancels, waitForNews } from './wait.js';

const title = z.string().trim().min(1).max(200).regex(/^[^\r\n]*$/, 'one line');
const body = z.string().max(1_000_000);
const id = z.string().min(1).max(120).describe('doc id or its unique tail');

/** What `lean` reads: core/json's doc shape (`docJson`), or a doc itself where no derived state is at hand. */
export type LeanInput = Pick<DocJson, 'id' | 'type' | 'title' | 'from' | 'priority'> & { state?: string | null; re?: string | null; waitingOn?: string[]; body?: string };

/** core/json's doc shape cut to what an agent needs: no paths, no empty fields (every byte costs it context). */
export function lean(d: LeanInput, opts: { state?: boolean; body?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { id: d.id, type: d.type, title: d.title, from: d.from, priority: d.priority };
  if (opts.state && d.state) out.state = d.state;
  if (d.re) out.re = d.re;
  if (d.waitingOn?.length) out.waitingOn = d.waitingOn;
  if (opts.body && d.body?.trim()) out.body = d.body.trim();
  return out;
}

const text = (v: unknown) => ({ content: [{ type: 'text' as const, text: typeof v === 'string' ? v : JSON.stringify(v) }] });

/** Runs a tool as the session's identity: a heartbeat first, orchestra's refusals as MCP tool errors. */
function tool<A>(s: ops.Session, fn: (args: A) => Promise<unknown>) {
  return async (args: A) => {
    try {
      ops.heartbeat(s);
      return text(await fn(args));
    } catch (e) {
      const msg = e instanceof OrchestraError ? e.message : `internal error: ${(e as Error).message.split('\n')[0]}`;
      return { ...text(msg), isError: true };
    }
  };
}

function newsText(n: News): string {
  const d = n.doc;
  if (n.kind === 'cancel') return `Order ${d.id} "${d.title}" was cancelled: stop working on it.`;
  const head = n.kind === 'order' ? `New ${d.priority} order ${d.id} from ${d.from}: ${d.title}` : `Answer ${d.id} to ${d.re ?? 'your doubt'}: ${d.title}`;
  const tail = n.kind === 'order' ? '\n\nCall the orchestra take tool to start it.' : '';
  return `${head}${d.body.trim() ? `\n\n${d.body.trim()}` : ''}${tail}`;
}

function registerWorkerTools(server: McpServer, s: ops.Session): void {
  server.registerTool('inbox', { description: 'Your ready, waiting and in-progress orders and unread answers.' }, tool(s, async () => {
    const loaded = await ops.load(s);
    const inbox = ops.inboxFor(s, loaded);
    const j = (d: Doc, body = false) => docJson(d, loaded.derived, body);
    ops.receipt(s, [...inbox.ready, ...inbox.unread], 'inbox');
    return {
      ready: inbox.ready.map((d) => lean(j(d))),
      waiting: inbox.waiting.map((d) => lean(j(d))),
      inProgress: inbox.inProgress.map((d) => lean(j(d))),
      blocked: inbox.blocked.map((d) => lean(j(d), { state: true })),
      answers: inbox.unread.map((d) => lean(j(d, true), { body: true })),
    };
  }));
  server.registerTool(
    'take',
    { description: 'Start the most important ready order (or the one given) and get it in full.', inputSchema: { id: id.optional() } },
    tool(s, async (a: { id?: string }) => {
      const r = await ops.take(s, a.id);
      return r.order ? { ...lean(r.order, { state: true, body: true }), commit: r.commit } : { order: null, why: r.why };
    }),
  );
  server.registerTool(
    'report',
    {
      description: 'Report on your order: what changed, how it was tested. outcome: completed (default), partial, blocked.',
      inputSchema: { id, outcome: z.enum(['completed', 'partial', 'blocked']).optional(), body: body.min(1), commits: z.array(z.string()).max(50).optional() },
    },
    tool(s, async (a: { id: string; outcome?: 'completed' | 'partial' | 'blocked'; body: string; commits?: string[] }) => ops.report(s, a)),
  );
  server.registerTool(
    'ask',
    { description: 'Ask a doubt instead of stopping; the answer arrives later. re: the doc it is about.', inputSchema: { title, body, re: id.optional() } },
    tool(s, async (a: { title: string; body: string; re?: string }) => ops.ask(s, a)),
  );
  server.registerTool(
    'wait',
    { description: 'Block until an order is ready, an answer or a cancellation arrives, or the timeout.', inputSchema: { timeoutSeconds: z.number().int().min(1).max(3600).optional() } },
    tool(s, async (a: { timeoutSeconds?: number }) => {
      const news = await waitForNews(s, (a.timeoutSeconds ?? 60) * 1000);
      return news.length ? news.map((n) => ({ event: n.kind, ...lean(n.doc, { body: n.kind !== 'cancel' }) })) : { event: 'timeout' };
    }),
  );
}

function registerLeadTools(server: McpServer, s: ops.Session): void {
  server.registerTool(
    'order',
    {
      description: 'Give a worker an order; body holds the spec and done-criteria. after: order ids it waits on.',
      inputSchema: { worker: z.string().min(1).max(40), title, body, priority: z.enum(['high', 'medium', 'low']).optional(), after: z.array(id).max(20).optional() },
    },
    tool(s, async (a: { worker: string; title: string; body: string; priority?: 'high' | 'medium' | 'low'; after?: string[] }) => ops.order(s, a)),
  );
  server.registerTool('answer', { description: 'Answer a doubt or an escalation.', inputSchema: { id, body: body.min(1) } }, tool(s, async (a: { id: string; body: string }) => ops.answer(s, a)));
  server.registerTool('cancel', { description: 'Cancel an open order.', inputSchema: { id } }, tool(s, async (a: { id: string }) => ops.cancel(s, a.id)));
  server.registerTool('status', { description: 'Each worker: state, liveness, current order; open escalations.' }, tool(s, async () => {
    const st = await ops.status(s);
    return {
      workers: st.workers.map((w) => ({ name: w.name, state: w.state, liveness: w.liveness, lastSeen: w.lastSeen, currentOrder: w.currentOrder, ready: w.ready, waiting: w.waiting })),
      escalations: st.escalations.map((d) => lean(d, { body: true })),
      alerts: st.alerts,
    };
  }));
}

function registerContext(server: McpServer, s: ops.Session): void {
  if (!ops.isWorker(s)) return;
  server.registerResource('briefing', 'orchestra://briefing', { description: `${s.identity}'s briefing`, mimeType: 'text/markdown' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/markdown', text: await ops.briefing(s, s.identity, 'full') }],
  }));
  server.registerResource(
    'order',
    new ResourceTemplate('orchestra://orders/{id}', {
      list: async () => {
        const loaded = await ops.load(s);
        const inbox = ops.inboxFor(s, loaded);
        return { resources: [...inbox.inProgress, ...inbox.ready, ...inbox.waiting, ...inbox.blocked].map((d) => ({ uri: `orchestra://orders/${d.id}`, name: d.title, mimeType: 'text/markdown' })) };
      },
    }),
    { description: 'An open order of yours, in full', mimeType: 'text/markdown' },
    async (uri, vars) => {
      const loaded = await ops.load(s);
      const d = ops.resolveDoc(loaded, String(vars.id));
      if (d.type !== 'order' || d.to !== s.identity) throw new Error(`${d.id} is not an order of ${s.identity}`);
      ops.receipt(s, [d], 'show');
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: `# ${d.title}\n\nid: ${d.id} · ${d.priority} · ${loaded.derived.stateOf(d)}\n\n${d.body}` }] };
    },
  );
  server.registerPrompt('briefing', { description: `Start working as ${s.identity}` }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: await ops.briefing(s, s.identity, 'full') } }],
  }));
}

/**
 * Pushes each new order, answer and cancellation once per doc (receipts in .orchestra/state/ remember what was
 * pushed, across restarts), as Claude Code channel events.
 */
function startPush(server: McpServer, s: ops.Session, onError: (m: string) => void): Feed {
  const send = (news: News[]) => {
    const pushed = new Set(receiptLines(s.ws, s.identity).filter((r) => r.how === 'push').map((r) => `${r.event ?? 'doc'}:${r.id}`));
    const shown = shownIds(s.ws, s.identity);
    for (const n of news) {
      if (pushed.has(newsKey(n))) continue;
      if (n.kind === 'cancel' && !shown.has(n.doc.id)) continue;
      pushed.add(newsKey(n));
      ops.receipt(s, [n.doc], 'push', { event: n.kind === 'cancel' ? 'cancel' : 'doc' });
      const meta = { id: n.doc.id, type: n.doc.type, worker: s.identity, event: n.kind };
      server.server.notification({ method: 'notifications/claude/channel', params: { content: newsText(n), meta } } as never).catch((e: Error) => onError(`push failed: ${e.message}`));
    }
  };
  const feed = new Feed({
    session: s,
    worker: s.identity,
    // On start, what arrived while no server ran: answers only if nobody showed them yet.
    onNews: (news, initial) => {
      if (!initial) return send(news);
      const shown = shownIds(s.ws, s.identity);
      send(news.filter((n) => n.kind === 'order' || !shown.has(n.doc.id)));
      void ops.load(s).then((loaded) => send(untoldCancels(s, loaded)), (e: Error) => onError(`read failed: ${e.message}`));
    },
    onError,
  });
  return feed;
}

export function buildServer(s: ops.Session): McpServer {
  const server = new McpServer(
    { name: 'orchestra', version: '0.1.0' },
    {
      capabilities: { experimental: { 'claude/channel': {} } },
      instructions: ops.isWorker(s) ? `You are ${s.identity}. Orders, answers and cancellations arrive as channel events; act on them.` : 'You are the lead of this orchestra team.',
    },
  );
  if (ops.isWorker(s)) registerWorkerTools(server, s);
  else registerLeadTools(server, s);
  registerContext(server, s);
  return server;
}

/** Serves on stdin/stdout until the client goes away. */
export async function serveStdio(s: ops.Session, log: (m: string) => void): Promise<void> {
  const server = buildServer(s);
  const feed = ops.isWorker(s) ? startPush(server, s, log) : undefined;
  // With `sync:`, a session keeps its clone current, so orders pushed from another machine reach its agent.
  const follower = startFollower(s.ws, s.config, s.git, { onWarning: log });
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // Push only once the client has finished the handshake, so no event arrives before it can be heard.
  server.server.oninitialized = () => void feed?.start().catch((e: Error) => log(`watch failed: ${e.message}`));
  await server.connect(new StdioServerTransport());
  await closed;
  await follower?.stop();
  await feed?.stop();
  await server.close();
}
