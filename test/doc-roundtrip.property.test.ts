/**
 * Issue 11 item 7: any title, tag and body either round-trips exactly (write → read → JSON → HTTP) or is
 * refused with one clear line. Many runs at the store level (the real writer, the real reader, JSON), fewer
 * through the spawned CLI and the real HTTP server. "Exactly" means: the title as given less its surrounding
 * white space (the CLI trims it), tags as given, and the body in the canonical form every reader gives back
 * (LF line ends, no leading blank lines, no trailing white space). Fixed seeds; a failure prints its seed.
 */
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTitle } from '../src/cli/context.js';
import { docJson } from '../src/core/json.js';
import { resolveConfig, type Config } from '../src/core/config.js';
import { derive } from '../src/core/state.js';
import { UsageError } from '../src/errors.js';
import { readDocFile } from '../src/store/docs.js';
import { locateWorkspace } from '../src/store/workspace.js';
import { createDocFiles, removeDocFiles } from '../src/store/write.js';
import { startCliDashboard, type Running } from './dashboard-fixture.js';
import { cleanupTemp, makeWorkspace, run } from './helpers.js';

afterAll(cleanupTemp);

const WORKERS = new Set(['worker-core', 'worker-infra']);
const config = (resolveConfig({ workers: [{ name: 'worker-core' }, { name: 'worker-infra' }] }) as { config: Config }).config;

/** Text of every kind: printable, controls, bidi, lone surrogates, astral, YAML- and JSON-looking words. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'ab -:#[]{},"\'\\|>&*!%@`?\t\n\r\u0000\u001b\u0007\u007f\u009b\u00a0\u2028\u202e\u2066\ufeff\ud800\udc00😀'.split('')), maxLength: 30 }),
  fc.constantFrom('true', 'null', '~', '1.0', '0x1F', '1e3', 'yes', 'no', '2026-11-24', '2026-11-24T21:40:00Z', '---', '- a', '[a, b]', '{a: 1}', '"q"', "'q'", '&anchor', '*alias', '!!js/function', '#c', 'a: b', ''),
);

function canonBody(b: string): string {
  return b.replace(/\r\n?/g, '\n').replace(/^\n+/, '').replace(/\s+$/, '');
}

/** The one clear line a refusal must be. */
function expectOneLine(message: string) {
  expect(message.length).toBeGreaterThan(10);
  expect(message).not.toMatch(/[\r\n]/);
}

async function seeded(name: string, seed: number, numRuns: number, prop: fc.IProperty<any> | fc.IAsyncProperty<any>): Promise<void> {
  try {
    await fc.assert(prop as fc.IAsyncProperty<any>, { seed, numRuns, endOnFailure: true });
  } catch (e) {
    throw new Error(`${name}: property failed with seed ${seed} (re-run with that seed):\n${(e as Error).message}`);
  }
}

describe('a doc round-trips exactly or is refused with one line', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
  });

  it('store level: the real writer, the real reader, the JSON shape (600 runs)', async () => {
    const ws = locateWorkspace(dir);
    await seeded('store round trip', 20261201, 600, fc.property(nasty, fc.array(nasty, { maxLength: 3 }), fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 400 })), (rawTitle, tags, body) => {
      let title: string;
      let written;
      try {
        title = checkTitle(rawTitle);
        written = createDocFiles(ws, [{ type: 'order', title, from: 'lead', to: 'worker-core', worker: 'worker-core', tags, body }], new Date('2026-11-24T21:40:00Z'));
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        expectOneLine((e as Error).message);
        expect(readdirSync(path.join(ws.docsDir, 'worker-core')).filter((f) => f.endsWith('.md'))).toEqual([]);
        return;
      }
      try {
        const w = written[0];
        const r = readDocFile({ abs: path.join(dir, w.path), relPath: w.path, worker: 'worker-core', id: w.id, archived: false }, WORKERS, '');
        expect(r.problems).toEqual([]);
        const doc = r.doc!;
        expect(doc.title).toBe(rawTitle.trim());
        expect(doc.tags).toEqual(tags);
        expect(doc.body).toBe(canonBody(body));
        const json = JSON.parse(JSON.stringify(docJson(doc, derive([doc], config), true)));
        expect([json.title, json.tags, json.body]).toEqual([rawTitle.trim(), tags, canonBody(body)]);
      } finally {
        removeDocFiles(ws, written);
      }
    }));
  });
});

/** What a spawned process receives for a string: UTF-8 on the way, so a lone surrogate arrives as U+FFFD. */
function asArgv(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

const TYPE_WORDS = /^(order|orden|report|reporte|doubt|duda|question|pregunta|answer|respuesta|escalation|escalado|escalada)$/i;

describe('through the spawned CLI and the real HTTP server', () => {
  let dir: string;
  let dash: Running;
  beforeAll(async () => {
    dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    dash = await startCliDashboard(dir);
  });
  afterAll(async () => {
    await dash?.proc.stop();
  });

  it('order → show --json: the same title, tags and body, or exit 2 with one line (10 runs)', async () => {
    const argvText = nasty.filter((s) => !s.includes('\0'));
    let accepted = 0;
    await seeded('CLI round trip', 424242, 10, fc.asyncProperty(argvText, fc.array(argvText, { maxLength: 2 }), argvText, async (rawTitle, rawTags, rawBody) => {
      const [title, tags, body] = [asArgv(rawTitle), rawTags.map(asArgv), asArgv(rawBody)];
      const r = await run(dir, ['order', ...tags.map((t) => `--tag=${t}`), `--body=${body}`, '--', 'worker-core', title]);
      if (r.exitCode !== 0) {
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trim().split('\n');
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^error: /);
        return;
      }
      accepted++;
      const id = r.stdout.trim();
      const shown = await run(dir, ['show', id, '--json']);
      expect(shown.exitCode, shown.stderr).toBe(0);
      const doc = JSON.parse(shown.stdout);
      expect([doc.title, doc.tags, doc.body]).toEqual([title.trim(), tags, canonBody(body)]);
      const viaHttp = await (await fetch(new URL(`/api/v1/docs/${id}`, dash.url))).json();
      expect([viaHttp.title, viaHttp.tags, viaHttp.content]).toEqual([title.trim(), tags, canonBody(body)]);
    }));
    expect(accepted, 'some runs must get through, or the property tests nothing').toBeGreaterThan(0);
  });

  it('POST /api/v1/docs → GET: the same title, tags and content, or a 4xx with one line (40 runs)', async () => {
    let accepted = 0;
    const tag = nasty.filter((t) => t.length > 0 && t.length <= 60 && t.trim() === t && !TYPE_WORDS.test(t) && !t.includes(','));
    await seeded('HTTP round trip', 777, 40, fc.asyncProperty(nasty, fc.uniqueArray(tag, { maxLength: 3 }), fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 300 })), async (rawTitle, tags, content) => {
      // "T " first: the seed reads a leading "ORDEN:" (or any type word) as the type, which is its own contract.
      const title = `T ${rawTitle}`;
      const res = await fetch(new URL('/api/v1/docs', dash.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title, content, tags: ['worker-core', ...tags] }) });
      const json = (await res.json()) as { id?: string; error?: string };
      if (res.status !== 201) {
        expect(res.status, JSON.stringify(json)).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expectOneLine(json.error ?? '');
        return;
      }
      accepted++;
      const back = await (await fetch(new URL(`/api/v1/docs/${json.id}`, dash.url))).json();
      expect([back.title, back.tags, back.content]).toEqual([title.trim(), tags, canonBody(content)]);
    }));
    expect(accepted, 'some posts must get through, or the property tests nothing').toBeGreaterThan(5);
  });

  it('fuzz: any JSON, wrong types, huge strings, deep nesting, bad UTF-8 to every POST route: 201 or a 4xx JSON error, and the server still answers (150 runs)', async () => {
    const routes = ['/api/v1/docs', '/api/v1/docs', '/api/v1/docs', '/api/docs', '/api/workers', '/api/v1/worker/worker-core/pendientes', '/api/events', '/api/nope'];
    const field = fc.oneof(fc.anything(), nasty, fc.constantFrom('worker-core', 'lucas', 'worker-infra', 'arquitecto-daemon', 'alta', 'orden', 'duda'));
    const seedLike = fc.record({ title: field, content: field, tags: fc.oneof(field, fc.array(field, { maxLength: 4 })), author: field, priority: field, type: field, re: field, to: field }, { requiredKeys: [] });
    const payload = fc.oneof(
      fc.json().map((s) => Buffer.from(s)),
      fc.anything().map((v) => Buffer.from(JSON.stringify(v) ?? 'undefined')),
      seedLike.map((v) => Buffer.from(JSON.stringify(v))),
      fc.record({ title: nasty, tags: fc.constant(['worker-core']) }).map((v) => Buffer.from(JSON.stringify(v))),
      fc.integer({ min: 1, max: 200_000 }).map((n) => Buffer.from(JSON.stringify({ title: 'x'.repeat(n % 400), content: 'y'.repeat(n), tags: ['worker-core'] }))),
      fc.integer({ min: 1, max: 100_000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
      fc.integer({ min: 1, max: 100_000 }).map((n) => Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from('{"title":"'), Buffer.from(bytes), Buffer.from('","tags":["worker-core"]}')])),
      fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    );
    const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', undefined, 'text/html');
    await seeded('HTTP fuzz', 31337, 150, fc.asyncProperty(fc.constantFrom(...routes), payload, contentType, async (route, body, ct) => {
      const res = await fetch(new URL(route, dash.url), { method: 'POST', body, headers: ct ? { 'Content-Type': ct } : {} });
      const text = await res.text();
      expect(res.status === 201 || (res.status >= 400 && res.status < 500), `${res.status} ${text.slice(0, 300)}`).toBe(true);
      if (res.status !== 201) {
        const json = JSON.parse(text) as { error: string };
        expect(typeof json.error).toBe('string');
        expectOneLine(json.error);
      }
    }));
    const info = await fetch(new URL('/api/info', dash.url));
    expect(info.status).toBe(200);
    expect(dash.proc.child.exitCode).toBeNull();
    expect(dash.proc.stderr()).not.toMatch(/dashboard: POST .*Error/);
  });
});
