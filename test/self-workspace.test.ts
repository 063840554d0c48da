/**
 * This repository is a workspace of its own (inline mode): orchestra.yaml declares the seed's team and
 * .orchestra/docs holds settled example threads, the reference for the file format. On a clone of the committed
 * HEAD (a checkout of its own, whatever worktree the tests run in): everything validates, every doc type is
 * there, every thread is settled, some docs use the seed's Spanish aliases, and each doc came in a commit carrying
 * its trailers, as orchestra writes them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, okJson, ROOT, tempDir, trailersOf } from './helpers.js';

afterAll(cleanupTemp);

describe('this repository as a workspace', () => {
  let clone: string;
  beforeAll(() => {
    clone = path.join(tempDir('orchestra-self-'), 'orchestra');
    git(path.dirname(clone), ['clone', '-q', ROOT, clone]);
  });

  it("declares the seed's four workers with their dependencies, and its docs are valid", async () => {
    const status = await okJson(clone, ['status', '--json']);
    expect(status.workers.map((w: { name: string; dependsOn: string[] }) => [w.name, w.dependsOn])).toEqual([
      ['worker-core', []],
      ['worker-infra', []],
      ['worker-nlp', ['worker-core']],
      ['worker-ui', ['worker-core', 'worker-infra']],
    ]);
    const v = await okJson(clone, ['validate', '--json']);
    expect(v).toMatchObject({ ok: true, problems: [] });
    expect(v.docs).toBeGreaterThanOrEqual(10);
  });

  it('holds one settled thread per doc type, the idle notice included', async () => {
    const docs = await okJson<{ type: string; state: string | null; tags: string[] }[]>(clone, ['list', '--json']);
    expect(new Set(docs.map((d) => d.type))).toEqual(new Set(['order', 'report', 'doubt', 'answer', 'escalation']));
    expect(docs.some((d) => d.type === 'escalation' && d.tags.includes('idle'))).toBe(true);
    expect(docs.some((d) => d.type === 'escalation' && !d.tags.includes('idle'))).toBe(true);
    const open = docs.filter((d) => d.state !== null && !['completed', 'cancelled', 'answered', 'resolved'].includes(d.state));
    expect(open).toEqual([]);
  });

  it("has hand-written docs in the seed's Spanish vocabulary, each committed with orchestra's trailers", () => {
    const files = readdirSync(path.join(clone, '.orchestra', 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md'));
    const texts = files.map((f) => readFileSync(path.join(clone, '.orchestra', 'docs', f), 'utf8'));
    expect(texts.some((t) => /^type: orden\b/m.test(t) && /^priority: alta\b/m.test(t))).toBe(true);
    expect(texts.some((t) => /^type: reporte\b/m.test(t) && /^outcome: completado\b/m.test(t))).toBe(true);
    for (const f of files) {
      const file = path.posix.join('.orchestra', 'docs', f);
      // A batch commit (the daemon's reactions) carries one Orchestra-Doc trailer per doc.
      const docs = git(clone, ['log', '--diff-filter=A', '--format=%(trailers:key=Orchestra-Doc,valueonly)', '--', file]).trim().split('\n');
      expect(docs, f).toContain(path.basename(f, '.md'));
      expect(trailersOf(clone, file)['Orchestra-Actor'], f).toMatch(/^(lead|daemon|worker-[a-z]+)$/);
    }
    expect(readFileSync(path.join(clone, '.orchestra', '.gitignore'), 'utf8')).toMatch(/^state\/$/m);
  });
});
