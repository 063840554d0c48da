import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readDocs } from '../src/store/docs.js';
import { workspaceAt } from '../src/store/workspace.js';
import { cleanupTemp, makeWorkspace } from './helpers.js';

afterAll(cleanupTemp);

describe('the parsed-doc cache', () => {
  it('serves unchanged files, re-reads changed ones (same size too), drops deleted ones, survives a corrupt file', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    const ws = workspaceAt(dir);
    const file = path.join(ws.docsDir, 'worker-core', 'a.md');
    writeFileSync(file, '---\ntype: order\ntitle: Alpha\ncreated: 2026-01-01T00:00:00Z\n---\n');
    writeFileSync(path.join(ws.docsDir, 'worker-core', 'b.md'), '---\ntype: order\ntitle: Beta\ncreated: 2026-01-01T00:00:01Z\n---\n');
    const workers = new Set(['worker-core', 'worker-infra']);
    const first = await readDocs(ws, { workers });
    expect(first.docs.map((d) => d.title)).toEqual(['Alpha', 'Beta']);
    expect(existsSync(path.join(ws.stateDir, 'docs-cache.bin'))).toBe(true);

    // same size, new content, even with the old mtime put back: the ctime still tells
    writeFileSync(file, '---\ntype: order\ntitle: Gamma\ncreated: 2026-01-01T00:00:00Z\n---\n');
    const old = new Date('2026-01-01T00:00:00Z');
    utimesSync(file, old, old);
    expect((await readDocs(ws, { workers })).docs.map((d) => d.title)).toEqual(['Gamma', 'Beta']);

    // a change of workers changes what is valid: the cache is not used
    const fewer = await readDocs(ws, { workers: new Set(['worker-infra']) });
    expect(fewer.docs).toEqual([]);
    expect(fewer.problems.length).toBe(2);

    writeFileSync(path.join(ws.stateDir, 'docs-cache.bin'), 'not a cache');
    const again = await readDocs(ws, { workers });
    expect(again.docs.map((d) => d.title)).toEqual(['Gamma', 'Beta']);
    expect(again).toEqual(await readDocs(ws, { workers, cache: false }));
  });
});
