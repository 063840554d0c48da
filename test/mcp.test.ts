import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok, okJson } from './helpers.js';
import { connect } from './mcp-client.js';

afterAll(cleanupTemp);

/** The repository's history as shapes: subject, trailers and files of each commit, doc ids made generic. */
function history(dir: string): string[] {
  const out = git(dir, ['log', '--reverse', '--format=@@%s%n%(trailers:only,unfold)', '--name-only']);
  return out
    .replace(/\d{8}-\d{6}-[a-z]+-[a-z0-9-]+-[a-z0-9]{4}/g, '<id>')
    .split('@@')
    .map((s) => s.trim().split('\n').filter(Boolean).sort().join(' | '))
    .filter(Boolean);
}

/** A doc file's frontmatter and body with ids and times made generic. */
function docText(dir: string, rel: string): string {
  return readFileSync(path.join(dir, rel), 'utf8')
    .replace(/\d{8}-\d{6}-[a-z]+-[a-z0-9-]+-[a-z0-9]{4}/g, '<id>')
    .replace(/created: .*/, 'created: <t>');
}

describe('orchestra mcp', () => {
  it('lists token-lean worker tools, the lead tools with --as lead, the briefing resource and prompt', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    const id = await ok(dir, ['order', 'worker-core', 'First task', '--body', 'Do it.']);
    const w = await connect(dir, 'worker-core');
    try {
      const tools = (await w.client.listTools()).tools;
      expect(tools.map((t) => t.name).sort()).toEqual(['ask', 'inbox', 'report', 'take', 'wait']);
      expect(w.client.getServerCapabilities()?.experimental).toEqual({ 'claude/channel': {} });
      // Documented approximation (no tokenizer installed): about 4 characters per token.
      const tokens = Math.ceil(JSON.stringify(tools).length / 4);
      expect(tokens).toBeLessThanOrEqual(1500);
      const resources = (await w.client.listResources()).resources.map((r) => r.uri);
      expect(resources).toEqual(expect.arrayContaining(['orchestra://briefing', `orchestra://orders/${id}`]));
      const order = await w.client.readResource({ uri: `orchestra://orders/${id}` });
      expect((order.contents[0] as { text: string }).text).toContain('Do it.');
      const brief = await w.client.readResource({ uri: 'orchestra://briefing' });
      expect((brief.contents[0] as { text: string }).text).toContain('## Your area'); // rendered by core/briefing's renderBriefing
      const prompt = await w.client.getPrompt({ name: 'briefing' });
      expect(JSON.stringify(prompt.messages)).toContain('First task');
    } finally {
      await w.close();
    }
    const lead = await connect(dir, 'lead');
    try {
      expect((await lead.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['answer', 'cancel', 'order', 'status']);
      const st = await lead.call('status');
      expect(st.json.workers.map((x: { name: string; liveness: string }) => [x.name, x.liveness])).toEqual([
        ['worker-core', 'idle'],
        ['worker-nlp', 'idle'],
      ]);
    } finally {
      await lead.close();
    }
  });

  it('runs the loop inbox → take → ask → report with the same files and commits as the CLI', async () => {
    const viaMcp = await makeWorkspace({ workers: 'worker-core' });
    const viaCli = await makeWorkspace({ workers: 'worker-core' });
    for (const dir of [viaMcp, viaCli]) await ok(dir, ['order', 'worker-core', 'Optimize propagation', '--priority', 'high', '--body', 'Done when p99 < 5 ms']);

    const w = await connect(viaMcp, 'worker-core');
    let reportId: string;
    let doubtId: string;
    try {
      const inbox = await w.call('inbox');
      expect(inbox.isError).toBe(false);
      expect(inbox.json.ready).toHaveLength(1);
      const orderId = inbox.json.ready[0].id;
      const taken = await w.call('take');
      expect(taken.json).toMatchObject({ id: orderId, state: 'in_progress', body: 'Done when p99 < 5 ms' });
      const doubt = await w.call('ask', { title: 'Which benchmark?', body: 'bench/ or test/?' });
      expect(doubt.json.re).toBe(orderId);
      doubtId = doubt.json.id;
      // A short id (the random tail) resolves, as everywhere.
      const rep = await w.call('report', { id: orderId.slice(-4), body: 'p99 now 3 ms' });
      expect(rep.isError).toBe(false);
      reportId = rep.json.id;
    } finally {
      await w.close();
    }

    const order = (await okJson(viaCli, ['list', '--type', 'order']))[0].id;
    await ok(viaCli, ['--as', 'worker-core', 'start', order]);
    const cliDoubt = await ok(viaCli, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which benchmark?', '--body', 'bench/ or test/?']);
    const cliReport = await ok(viaCli, ['--as', 'worker-core', 'report', order, '--body', 'p99 now 3 ms']);

    expect(history(viaMcp)).toEqual(history(viaCli));
    const mcpDocs = await okJson(viaMcp, ['list']);
    const cliDocs = await okJson(viaCli, ['list']);
    expect(mcpDocs.map((d: { type: string; state: string }) => [d.type, d.state])).toEqual(cliDocs.map((d: { type: string; state: string }) => [d.type, d.state]));
    for (const [m, c] of [[doubtId, cliDoubt], [reportId, cliReport]]) {
      const pm = mcpDocs.find((d: { id: string }) => d.id === m).path;
      const pc = cliDocs.find((d: { id: string }) => d.id === c).path;
      expect(docText(viaMcp, pm)).toBe(docText(viaCli, pc));
    }
  });

  it('refuses another identity, bad ids and bad arguments with a clear error, changing nothing', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-nlp' });
    const other = await ok(dir, ['order', 'worker-nlp', 'Not yours']);
    const mine = await ok(dir, ['order', 'worker-core', 'Yours']);
    const before = git(dir, ['rev-parse', 'HEAD']).trim();
    const status = git(dir, ['status', '--porcelain', '--untracked-files=all', '--', '.orchestra/docs']);
    const w = await connect(dir, 'worker-core');
    try {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['take', { id: other }, /worker-core cannot start .*worker-nlp's order \(a worker starts and reports only its own orders\)/],
        ['report', { id: other, body: 'done' }, /worker-core cannot report on .*worker-nlp's order/],
        ['take', { id: 'nope-zzzz' }, /no doc "nope-zzzz"/],
        ['take', { id: '../etc/passwd' }, /not a valid doc id/],
        ['report', { id: mine, body: 'x', commits: ['--exec=sh'] }, /not a commit hash/],
        ['report', { id: mine, body: 'x', outcome: 'maybe' }, /outcome|invalid/i],
        ['ask', { title: 'two\nlines', body: 'x' }, /title|one line/i],
        ['order', { worker: 'worker-nlp', title: 'x', body: 'y' }, /not found|order/i],
      ];
      for (const [name, args, re] of cases) {
        const r = await w.call(name, args);
        expect(r.isError, `${name} ${JSON.stringify(args)}: ${r.text}`).toBe(true);
        expect(r.text).toMatch(re);
        expect(r.text.split('\n').length).toBeLessThanOrEqual(3);
      }
    } finally {
      await w.close();
    }
    const lead = await connect(dir, 'lead');
    try {
      const r = await lead.call('order', { worker: 'worker-zzz', title: 'x', body: 'y' });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/unknown worker "worker-zzz"/);
    } finally {
      await lead.close();
    }
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(before);
    expect(git(dir, ['status', '--porcelain', '--untracked-files=all', '--', '.orchestra/docs'])).toBe(status);
  });

  it('refuses to start as daemon or an unknown identity', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    await expect(connect(dir, 'daemon')).rejects.toThrow();
    await expect(connect(dir, 'worker-zzz')).rejects.toThrow();
  });
});
