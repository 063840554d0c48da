/**
 * Issue 11 item 2: doc-borne text (titles, bodies, names, commit subjects, file names, alert messages) never
 * drives the lead's terminal. Control characters in titles, tags and names are refused the same way by every
 * way in (a hand-written file, the CLI, the HTTP API); bodies are free Markdown, shown with their control
 * characters escaped; `--json` stays exact JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTeam, write, commitAll } from './conflicts-fixture.js';
import { startCliDashboard, type Running } from './dashboard-fixture.js';
import { cleanupTemp, git, ok, okJson, run } from './helpers.js';

afterAll(cleanupTemp);

const ESC = '\x1b';
const BEL = '\x07';
/** What an attacker puts in a title: a clipboard write (OSC 52), a screen clear, hidden text. */
const EVIL = `Evil ${ESC}]52;c;cm0gLXJmIH4=${BEL}${ESC}[2J${ESC}[8mhidden`;
/** Bytes a terminal obeys: C0 but tab and line feed, DEL, C1, and the bidi overrides. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function expectClean(what: string, text: string) {
  const m = RAW.exec(text);
  expect(m ? `${what}: raw U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40))}` : '').toBe('');
}

/** A body as every reader gives it back: LF line ends, no leading blank lines, no trailing white space. */
function canonBody(b: string): string {
  return b.replace(/\r\n?/g, '\n').replace(/^\n+/, '').replace(/\s+$/, '');
}

function handWritten(root: string, rel: string, text: string) {
  const abs = path.join(root, '.orchestra', 'docs', rel);
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

describe('doc-borne text on the terminal', () => {
  let root: string;
  let wt: Record<string, string>;
  const bodyDoc = 'evil-body';
  const body = `Plain line\n\twith a tab\r\nand CRLF\n${ESC}]52;c;cm0gLXJmIH4=${BEL} clipboard\n${ESC}[2J clear, C1 \u009b2J, DEL \u007f, lone CR\rover, ${'\u202e'}reversed\n`;

  beforeAll(async () => {
    ({ root, wt } = await makeTeam());
    // A valid hand-written order whose body is full of control characters (bodies are free text).
    handWritten(root, `worker-core/${bodyDoc}.md`, `---\ntype: order\ntitle: Body with escapes\n---\n${body}`);
    // An order and an escalation whose titles carry escapes (YAML's "\e" and "\a"), committed with a raw git
    // commit whose subject carries them too, as anyone with push access could.
    handWritten(root, 'worker-core/evil-title.md', '---\ntype: order\ntitle: "Evil \\e]52;c;cm0gLXJmIH4=\\a\\e[2J\\e[8mhidden"\ntags: [ok]\n---\nBody.\n');
    handWritten(root, 'worker-core/evil-escalation.md', '---\ntype: escalation\ntitle: "\\e[8mnothing to see"\nfrom: daemon\nto: lead\n---\nBody.\n');
    handWritten(root, 'worker-core/evil-tag.md', '---\ntype: order\ntitle: A fine title\ntags: ["x\\e[2J"]\n---\nBody.\n');
    handWritten(root, 'worker-core/evil-from.md', '---\ntype: doubt\ntitle: A fine title\nfrom: "worker-core\\e[2J"\n---\nBody.\n');
    // A file whose very name carries an escape: its name is quoted in the problem and in the alert.
    handWritten(root, `worker-core/name${ESC}[2J.md`, '---\ntype: order\ntitle: Named badly\n---\n');
    const files = ['evil-title', 'evil-escalation', 'evil-tag', 'evil-from', bodyDoc].map((f) => `.orchestra/docs/worker-core/${f}.md`);
    git(root, ['add', '--', ...files]);
    git(root, ['commit', '-q', '-m', `orchestra: order worker-core: ${EVIL}\n\nOrchestra-Doc: evil-title\nOrchestra-Actor: lead${ESC}[2J`, '--', ...files]);
    // A commit on worker-core's branch, outside its scope, touching a file whose name carries an escape.
    write(wt.core, `src/ui/x${ESC}]0;pwned${BEL}.ts`, 'export {};\n');
    commitAll(wt.core, 'out of scope', [`src/ui/x${ESC}]0;pwned${BEL}.ts`]);
    // The daemon raises the invalid-doc alerts that `status` and `alerts` show.
    const d = await run(root, ['daemon', '--once']);
    expectClean('daemon --once stderr', d.stderr);
  });

  it('validate refuses control characters in a title, a tag and a name, one line each naming the field (exit 3)', async () => {
    const r = await run(root, ['validate', '--json']);
    expect(r.exitCode).toBe(3);
    const problems = JSON.parse(r.stdout).problems as { file: string; field: string; message: string }[];
    const of = (f: string) => problems.filter((p) => p.file === `.orchestra/docs/worker-core/${f}.md`);
    expect(of('evil-title')).toEqual([{ file: '.orchestra/docs/worker-core/evil-title.md', field: 'title', message: 'contains a control character (U+001B) at character 6: titles, tags and names are plain text, remove it' }]);
    expect(of('evil-escalation')).toMatchObject([{ field: 'title', message: expect.stringMatching(/control character \(U\+001B\) at character 1/) }]);
    expect(of('evil-tag')).toMatchObject([{ field: 'tags[0]', message: expect.stringMatching(/control character \(U\+001B\)/) }]);
    expect(of('evil-from')).toMatchObject([{ field: 'from', message: expect.stringMatching(/control character \(U\+001B\)/) }]);
    expect(of(bodyDoc)).toEqual([]);
    const text = await run(root, ['validate']);
    expect(text.exitCode).toBe(3);
    expectClean('validate stdout', text.stdout);
    expectClean('validate stderr', text.stderr);
    expect(text.stdout).toContain('name\\u001b[2J');
  });

  it('show prints a body\'s control characters escaped, keeping tabs and line breaks; --json gives it back exactly', async () => {
    const r = await run(root, ['show', bodyDoc]);
    expect(r.exitCode).toBe(0);
    expectClean('show stdout', r.stdout);
    expect(r.stdout).toContain('\\u001b]52;c;cm0gLXJmIH4=\\u0007 clipboard');
    expect(r.stdout).toContain('\\u009b2J');
    expect(r.stdout).toContain('\twith a tab\nand CRLF\n');
    const j = await run(root, ['show', bodyDoc, '--json']);
    expectClean('show --json stdout', j.stdout);
    expect(JSON.parse(j.stdout).body).toBe(canonBody(body));
    // The refused doc is not shown at all: show says it is invalid (as for any invalid doc) and where to look.
    const bad = await run(root, ['show', 'evil-title']);
    expect(bad.exitCode).toBe(1);
    expectClean('show evil-title stderr', bad.stderr);
    expect(bad.stderr).toMatch(/invalid docs? ignored \(run `orchestra validate`/);
  });

  it('list, watch --once, status, alerts, conflicts and log never print a raw control byte', async () => {
    for (const args of [['list'], ['list', '--json'], ['watch', 'worker-core', '--once'], ['watch', 'worker-core', '--once', '--json'], ['status'], ['alerts'], ['conflicts'], ['log'], ['log', '--json']]) {
      const r = await run(root, args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expectClean(`${args.join(' ')} stdout`, r.stdout);
      expectClean(`${args.join(' ')} stderr`, r.stderr);
    }
    const log = await run(root, ['log']);
    expect(log.stdout).toContain('lead\\u001b[2J → worker-core: Evil \\u001b]52;c;');
    // JSON keeps the exact subject: JSON.stringify escapes C0, which is all that was there.
    const entries = await okJson(root, ['log']);
    expect(entries.some((e: { title: string }) => e.title === EVIL)).toBe(true);
    const watch = await run(root, ['watch', 'worker-core', '--once']);
    // git quotes such a name itself (core.quotePath), so it arrives as text either way.
    expect(watch.stdout).toMatch(/out of scope "?src\/ui\/x\\(033|u001b)\]0;pwned/);
    const alerts = await run(root, ['alerts']);
    expect(alerts.stdout).toContain('name\\u001b[2J');
  });

  it('order and doubt refuse a control character in the title or a --tag with one line (exit 2), writing nothing', async () => {
    const head = git(root, ['rev-parse', 'HEAD']).trim();
    const cases: [string[], RegExp][] = [
      [['order', 'worker-core', EVIL], /^error: the title contains a control character \(U\+001B\) at character 6: titles, tags and names are plain text, remove it$/],
      [['order', 'worker-core', 'C1 \u009b2J csi'], /^error: the title contains a control character \(U\+009B\) at character 4/],
      [['order', 'worker-core', 'a tab\there'], /^error: the title contains a control character \(U\+0009\)/],
      [['order', 'worker-core', 'reversed \u202eexe.txt'], /^error: the title contains a bidirectional-text control \(U\+202E\)/],
      [['order', 'worker-core', 'Fine title', '--tag', `x${ESC}[2J`], /^error: the tag contains a control character \(U\+001B\) at character 2/],
      [['--as', 'worker-core', 'doubt', 'worker-core', `Why ${ESC}[2J?`], /^error: the title contains a control character \(U\+001B\) at character 5/],
    ];
    for (const [args, message] of cases) {
      const r = await run(root, args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expectClean(`${args[0]} stderr`, r.stderr);
      expect(r.stdout).toBe('');
    }
    expect(git(root, ['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(git(root, ['status', '--porcelain', '--', '.orchestra/docs/worker-infra', '.orchestra/docs/worker-ui']).trim()).toBe('');
  });
});

describe('POST /api/v1/docs refuses the same text with a 400 JSON error', () => {
  let dash: Running;
  let dir: string;
  beforeAll(async () => {
    ({ root: dir } = await makeTeam());
    dash = await startCliDashboard(dir);
  });
  afterAll(async () => {
    await dash?.proc.stop();
  });

  async function post(body: unknown) {
    const r = await fetch(new URL('/api/v1/docs', dash.url), { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    return { status: r.status, json: (await r.json()) as { error?: string; id?: string } };
  }

  it('a title, a tag or an author with a control character: 400 with one line; a body with them: 201, returned exactly', async () => {
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    for (const bad of [
      { title: EVIL, tags: ['worker-core'] },
      { title: 'ORDEN: \u009b2J', tags: ['worker-core'] },
      { title: 'Fine', tags: ['worker-core', `x${ESC}[2J`] },
      { title: 'Fine \u2066isolate', tags: ['worker-core'] },
      { title: 'Fine', tags: ['worker-core'], author: `lucas${ESC}[2J` },
    ]) {
      const r = await post(bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json.error).toMatch(/control|unknown author/);
      expect(r.json.error!.split('\n')).toHaveLength(1);
    }
    expect(git(dir, ['rev-parse', 'HEAD']).trim()).toBe(head);
    const content = `Body ${ESC}]52;c;eA==${BEL} and \u009b and\ttab\n`;
    const r = await post({ title: 'Fine title', content, tags: ['worker-core'] });
    expect(r.status).toBe(201);
    const back = await (await fetch(new URL(`/api/v1/docs/${r.json.id}`, dash.url))).json();
    expect(back.content).toBe(canonBody(content));
    const show = await run(dir, ['show', r.json.id!]);
    expectClean('show of the posted doc', show.stdout);
  });
});
