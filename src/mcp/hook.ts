/**
 * Claude Code's hooks. They run at every turn end, so this module is the whole of their start-up: `bin/orchestra.js`
 * loads it directly for `orchestra hook …`, without commander or the other commands. The Stop hook loads only
 * what it reads with (session.ts, the docs through their cache, the config through its cache file): not ops.ts,
 * the shared actions, git, yaml or zod, which cost more than the rest of its run (bench/README.md "Agents").
 * Claude Code reads exit 2 as "block with stderr", so every failure here exits 1, never 2.
 */
import { readSync } from 'node:fs';
import type { Doc } from '../core/doc.js';
import { readConfigCache } from '../store/config-cache-file.js';
import { receiptLines } from '../store/receipts.js';
import { locateWorkspace } from '../store/workspace.js';
import type { Session } from './ops.js';
import { checkIdentity, heartbeat, inboxFor, readLive, receipt, type Identity } from './session.js';

export interface StopInput {
  session_id: string;
  stop_hook_active: boolean;
}

export class HookInputError extends Error {}

/** The hook's JSON from stdin: an object with a `session_id` string; everything else is optional. */
export function parseStopInput(text: string): StopInput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new HookInputError(`hook stop expects Claude Code's hook JSON on stdin, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  const o = data as Record<string, unknown>;
  if (!o || typeof o !== 'object' || typeof o.session_id !== 'string' || !o.session_id || o.session_id.length > 200 || /[\0-\x1f]/.test(o.session_id)) {
    throw new HookInputError('hook stop: the JSON on stdin has no valid "session_id" string');
  }
  return { session_id: o.session_id, stop_hook_active: o.stop_hook_active === true };
}

const item = (kind: string, d: Doc) => `${kind} ${d.id} (${d.priority}) from ${d.from}: ${d.title}`;

/**
 * What the Stop hook prints: a block naming ready orders and unread answers this session was not yet told of, or
 * nothing. Each doc blocks a session at most once, so `stop_hook_active` loops end as soon as nothing is new.
 */
export async function stopDecision(s: Identity, input: StopInput): Promise<{ decision: 'block'; reason: string } | undefined> {
  heartbeat(s);
  const loaded = await readLive(s);
  // One read of the receipts for both what was shown and what this session was told.
  const receipts = receiptLines(s.ws, s.identity);
  const inbox = inboxFor(s, loaded, s.identity, receipts);
  const told = new Set(receipts.filter((r) => r.how === 'hook' && r.session === input.session_id).map((r) => r.id));
  const orders = inbox.ready.filter((d) => !told.has(d.id));
  const answers = inbox.unread.filter((d) => !told.has(d.id));
  if (!orders.length && !answers.length) return undefined;
  receipt(s, [...orders, ...answers], 'hook', { session: input.session_id });
  const lines = [...orders.map((d) => item('order', d)), ...answers.map((d) => item('answer', d))];
  const next = orders.length
    ? `Start ${orders[0].id} now: call the orchestra take tool (or run \`orchestra --as ${s.identity} next ${s.identity}\`), do it, and report.`
    : 'Read the answer with the orchestra inbox tool and go on with your order.';
  return { decision: 'block', reason: `orchestra: new work for ${s.identity}:\n${lines.join('\n')}\n${next}` };
}

/** The SessionStart hook's text: the short briefing. What it lists counts as shown, not as told to this session. */
export async function sessionStartText(s: Session): Promise<string> {
  const { briefing, load } = await import('./ops.js');
  heartbeat(s);
  const text = await briefing(s, s.identity, 'short');
  const loaded = await load(s);
  const inbox = inboxFor(s, loaded);
  receipt(s, [...inbox.ready, ...inbox.unread], 'hook');
  return text;
}

/**
 * All of stdin. Read with plain reads, so the hook never sets up `process.stdin`'s stream; a non-blocking stdin
 * (EAGAIN) goes on through the stream, after what was already read.
 */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(65_536);
  try {
    for (let n; (n = readSync(0, buf)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
    return Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
  }
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The workspace around `dir` as `as`: the config from its cache file, the schema loaded only when that is stale. */
async function openIdentity(dir: string, as: string): Promise<Identity> {
  const ws = locateWorkspace(dir);
  const config = readConfigCache(ws).config ?? (await import('../store/config-cache.js')).loadConfigCached(ws);
  return { ws, config, identity: checkIdentity(config, as) };
}

const USAGE = 'usage: orchestra hook session-start|stop --as <worker> [-C <dir>]';

/** `orchestra [-C dir] [--as W] hook <stop|session-start> [--as W]`: returns the exit code. */
export async function runHook(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let dir = process.cwd();
  let as = process.env.ORCHESTRA_AS;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-C' || a === '--as') {
      const v = argv[++i];
      if (v === undefined) {
        err(`error: ${a} needs a value (${USAGE})`);
        return 1;
      }
      if (a === '-C') dir = v;
      else as = v;
    } else if (a.startsWith('--as=')) as = a.slice(5);
    else if (a !== '--no-color' && a !== '--debug') rest.push(a);
  }
  const [cmd, kind, ...extra] = rest;
  if (cmd !== 'hook' || (kind !== 'stop' && kind !== 'session-start') || extra.length) {
    err(`error: ${USAGE}`);
    return 1;
  }
  if (!as || as === 'lead') {
    err(`error: hook ${kind} is for a worker: give --as <worker>`);
    return 1;
  }
  try {
    const s = await openIdentity(dir, as);
    if (kind === 'session-start') {
      const { sessionOf } = await import('./ops.js');
      out(await sessionStartText(sessionOf(s.ws, s.config, s.identity)));
      return 0;
    }
    const decision = await stopDecision(s, parseStopInput(await readStdin()));
    if (decision) out(JSON.stringify(decision));
    return 0;
  } catch (e) {
    err(`error: ${(e as Error).message.split('\n')[0]}`);
    return 1;
  }
}
