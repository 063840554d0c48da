/**
 * A scripted fake of the Messages API that streams (server-sent events), as Claude Code asks it to. Each request
 * is recorded and answered by `respond`, which sees the request body and returns content blocks; requests that
 * are not the agent's own turn (titles, summaries) get a short text.
 */
import { createServer, type Server } from 'node:http';

export type Block = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: unknown };
export interface Turn {
  content: Block[];
  stop_reason?: 'end_turn' | 'tool_use';
}

export interface StreamingFake {
  url: string;
  requests: any[];
  close: () => Promise<void>;
}

let seq = 0;

function sse(res: import('node:http').ServerResponse, turn: Turn): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...(data as object) })}\n\n`);
  const id = `msg_fake_${++seq}`;
  send('message_start', { message: { id, type: 'message', role: 'assistant', model: 'claude-fake', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 50, output_tokens: 1 } } });
  turn.content.forEach((b, index) => {
    if (b.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: b.text } });
    } else {
      send('content_block_start', { index, content_block: { type: 'tool_use', id: `toolu_fake_${++seq}`, name: b.name, input: {} } });
      send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    send('content_block_stop', { index });
  });
  const stop = turn.stop_reason ?? (turn.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  send('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 20 } });
  send('message_stop', {});
  res.end();
}

export async function startStreamingFake(respond: (body: any) => Turn): Promise<StreamingFake> {
  const requests: any[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body: any = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        /* keep {} */
      }
      requests.push({ url: req.url, body });
      if (req.method === 'POST' && req.url?.startsWith('/v1/messages/count_tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 100 }));
        return;
      }
      if (req.method === 'POST' && req.url?.startsWith('/v1/messages')) {
        const turn = respond(body);
        if (body.stream) sse(res, turn);
        else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({ id: `msg_fake_${++seq}`, type: 'message', role: 'assistant', model: 'claude-fake', content: turn.content.map((b) => (b.type === 'tool_use' ? { ...b, id: `toolu_fake_${++seq}` } : b)), stop_reason: turn.stop_reason ?? 'end_turn', stop_sequence: null, usage: { input_tokens: 50, output_tokens: 20 } }),
          );
        }
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not here' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

function blockText(b: any): string {
  if (typeof b === 'string') return b;
  if (b.type === 'text') return b.text;
  if (b.type === 'tool_result') return typeof b.content === 'string' ? b.content : (b.content ?? []).map((c: any) => c.text ?? '').join('');
  return '';
}

/**
 * The text of everything sent since the assistant last spoke: the user's turn, tool results and the messages
 * Claude Code adds (hook output, notices), which may come after the user message, in `system` role.
 */
export function lastUserText(body: any): string {
  const msgs: any[] = body.messages ?? [];
  const out: string[] = [];
  for (let i = msgs.length - 1; i >= 0 && msgs[i].role !== 'assistant'; i--) {
    const c = msgs[i].content;
    out.unshift(typeof c === 'string' ? c : (c ?? []).map(blockText).join('\n'));
  }
  return out.join('\n');
}
