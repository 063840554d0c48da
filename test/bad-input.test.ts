import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, gitdir, makeWorkspace, ok, okJson, run } from './helpers.js';
import { BAD_DOCS, marker } from './fixtures/bad-docs.js';

afterAll(cleanupTemp);

function snapshotOutside(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (rel === '.git' || rel === '.orchestra') continue;
      if (e.isDirectory()) walk(p);
      else out.push(`${rel}:${statSync(p).size}:${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('malformed docs: one clear problem each, validate exits 3 listing all, valid docs unaffected', () => {
  let dir: string;
  let valid: string;
  let before: string[];
  let headBefore: string;

  beforeAll(async () => {
    dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    valid = await ok(dir, ['order', 'worker-core', 'A valid order']);
    for (const c of BAD_DOCS) {
      const abs = path.join(dir, '.orchestra/docs', c.file);
      mkdirSync(path.dirname(abs), { recursive: true });
      c.setup?.(dir, abs);
      if (c.content !== undefined) writeFileSync(abs, c.content);
    }
    before = snapshotOutside(dir);
    headBefore = git(dir, ['rev-parse', 'HEAD']).trim();
  });

  it(`covers at least 25 cases (${BAD_DOCS.length})`, () => {
    expect(BAD_DOCS.filter((c) => c.message).length).toBeGreaterThanOrEqual(25);
  });

  it('validate --json lists exactly one problem per bad file, naming the file and the field', async () => {
    const r = await run(dir, ['validate', '--json']);
    expect(r.exitCode).toBe(3);
    const out = JSON.parse(r.stdout) as { ok: boolean; problems: { file: string; field: string; message: string }[] };
    expect(out.ok).toBe(false);
    for (const c of BAD_DOCS) {
      const file = `.orchestra/docs/${c.file}`;
      const mine = out.problems.filter((p) => p.file === file);
      if (!c.message) {
        expect(mine, c.name).toEqual([]);
        continue;
      }
      expect(mine, c.name).toHaveLength(1);
      expect(mine[0].field, c.name).toBe(c.field);
      expect(mine[0].message, c.name).toMatch(c.message!);
    }
  });

  it('validate in text prints one line per problem, each naming its file; exit 3', async () => {
    const r = await run(dir, ['validate']);
    expect(r.exitCode).toBe(3);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(BAD_DOCS.filter((c) => c.message).length);
    for (const line of lines) expect(line).toMatch(/^\.orchestra\/docs\/\S.*: .+/);
    expect(r.stderr).toMatch(/✖ \d+ problems in \d+ files/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('never runs frontmatter code, and valid docs (including the accepted odd ones) still read', async () => {
    expect(existsSync(marker)).toBe(false);
    const list = await okJson(dir, ['list']);
    const ids = list.map((d: { id: string }) => d.id);
    expect(ids).toContain(valid);
    expect(ids).toContain('bom-crlf');
    expect(list.find((d: { id: string }) => d.id === 'bom-crlf')).toMatchObject({ type: 'order', title: 'Con BOM' });
    expect(list.find((d: { id: string }) => d.id === 'tags')).toMatchObject({ to: 'worker-core' });
    const text = await run(dir, ['list']);
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toMatch(/warning: \d+ invalid docs ignored \(run `orchestra validate` to see why\)/);
    // a write still works next to the bad files, and commits only its own doc
    const id = await ok(dir, ['order', 'worker-infra', 'Still works']);
    expect(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim()).toBe(`.orchestra/docs/worker-infra/${id}.md`);
  });

  it('nothing was written outside .orchestra/', async () => {
    await run(dir, ['validate']);
    await run(dir, ['list', '--json']);
    expect(snapshotOutside(dir)).toEqual(before);
    expect(git(dir, ['log', '--format=%s', `${headBefore}..HEAD`]).split('\n').filter(Boolean).every((s) => s.startsWith('orchestra: '))).toBe(true);
  });
});

describe('bad command lines: one clear error line, the documented exit code, nothing written', () => {
  let dir: string;
  let order: string;
  let doubt: string;
  beforeAll(async () => {
    dir = await makeWorkspace({ workers: 'worker-core,worker-infra' });
    order = await ok(dir, ['order', 'worker-core', 'Existing']);
    doubt = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'A question']);
  });

  const cases: [string, () => string[], number, RegExp][] = [
    ['unknown worker', () => ['order', 'worker-zzz', 'X'], 2, /unknown worker "worker-zzz": declared workers are worker-core, worker-infra/],
    ['empty title', () => ['order', 'worker-core', '  '], 2, /title is empty/],
    ['multi-line title', () => ['order', 'worker-core', 'a\nb'], 2, /single line/],
    ['unknown priority', () => ['order', 'worker-core', 'X', '--priority', 'urgent'], 2, /unknown priority "urgent"/],
    ['id with ..', () => ['show', '../../etc/passwd'], 2, /is not a valid doc id/],
    ['id with /', () => ['start', 'a/b'], 2, /is not a valid doc id/],
    ['unknown id', () => ['show', 'no-such-doc'], 1, /no doc "no-such-doc"/],
    ['unknown identity', () => ['--as', 'mallory', 'order', 'worker-core', 'X'], 2, /unknown identity "mallory"/],
    ['report on a doubt', () => ['report', doubt], 2, /is a doubt, not an order/],
    ['answer an order', () => ['answer', order, '--body', 'x'], 2, /only doubts and escalations are answered/],
    // A refusal by the rules of who may do what exits 1 (DESIGN.md exit codes), not 2.
    ['another worker reports', () => ['--as', 'worker-infra', 'report', order], 1, /worker-infra cannot report on .*: it is worker-core's order/],
    ['missing --file', () => ['order', 'worker-core', 'X', '--file', '/no/such/file'], 2, /cannot read --file \/no\/such\/file/],
    ['both --body and --file', () => ['order', 'worker-core', 'X', '--body', 'a', '--file', '-'], 2, /either --body or --file/],
    ['unknown type filter', () => ['list', '--type', 'memo'], 2, /unknown type "memo"/],
    ['bad limit', () => ['list', '--limit', '0'], 2, /not a positive whole number/],
    ['bad --since', () => ['log', '--since', 'a while'], 2, /neither a duration nor a date/],
    ['--after an unknown order', () => ['order', 'worker-core', 'X', '--after', 'nope'], 1, /no doc "nope"/],
    ['unknown command', () => ['frobnicate'], 2, /unknown command 'frobnicate'/],
    ['unknown option', () => ['list', '--frob'], 2, /unknown option '--frob'/],
    ['missing argument', () => ['order', 'worker-core'], 2, /missing required argument 'title'/],
  ];

  it.each(cases)('%s', async (_name, args, code, message) => {
    const headBefore = git(dir, ['rev-parse', 'HEAD']).trim();
    const r = await run(dir, args());
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(headBefore);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
  });

  it('outside a workspace: one line that says how to make one (exit 1); an invalid config fails every command with exit 3', async () => {
    const bare = gitdir();
    const r = await run(bare, ['list']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe(`error: no orchestra.yaml at ${bare}: run \`orchestra init\` to make this repository a workspace`);

    const cyc = gitdir();
    writeFileSync(path.join(cyc, 'orchestra.yaml'), 'workers:\n  - name: a\n    depends_on: [b]\n  - name: b\n    depends_on: [a]\n');
    const l = await run(cyc, ['list']);
    expect(l.exitCode).toBe(3);
    expect(l.stderr.trim()).toBe('error: orchestra.yaml: workers[0].depends_on: dependency cycle a -> b -> a: remove one of these dependencies');
    const v = await run(cyc, ['validate', '--json']);
    expect(v.exitCode).toBe(3);
    expect(JSON.parse(v.stdout).problems).toEqual([{ file: 'orchestra.yaml', field: 'workers[0].depends_on', message: 'dependency cycle a -> b -> a: remove one of these dependencies' }]);
  });
});
