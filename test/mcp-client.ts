/** The MCP SDK's own client, driving `orchestra mcp` over stdio as an agent would. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, baseEnv } from './helpers.js';

export interface Channel {
  content: string;
  meta: Record<string, string>;
  at: number;
}

export interface Connected {
  client: Client;
  channel: Channel[];
  stderr: () => string;
  call: (name: string, args?: Record<string, unknown>) => Promise<{ text: string; isError: boolean; json: any }>;
  close: () => Promise<void>;
}

export async function connect(cwd: string, identity: string): Promise<Connected> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--as', identity], cwd, env: baseEnv() as Record<string, string>, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d) => (err += d));
  const client = new Client({ name: 'test', version: '1.0.0' });
  const channel: Channel[] = [];
  client.fallbackNotificationHandler = async (n) => {
    if (n.method === 'notifications/claude/channel') channel.push({ ...(n.params as { content: string; meta: Record<string, string> }), at: Date.now() });
  };
  await client.connect(transport);
  return {
    client,
    channel,
    stderr: () => err,
    call: async (name, args = {}) => {
      const r = (await client.callTool({ name, arguments: args })) as { content: { type: string; text: string }[]; isError?: boolean };
      const text = r.content.map((c) => c.text).join('');
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { text, isError: !!r.isError, json };
    },
    close: () => client.close(),
  };
}
