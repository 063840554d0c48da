import { describe, expect, it } from 'vitest';
import { normaliseDoc, type NormaliseContext } from '../src/core/doc.js';
import { generateId, isValidId, slugify, ID_RE } from '../src/core/ids.js';
import { parseDocFile, serializeDoc, setFrontmatterKey, yamlScalar } from '../src/store/frontmatter.js';

const workers = new Set(['worker-core', 'worker-infra', 'worker-nlp']);
const ctx = (over: Partial<NormaliseContext> = {}): NormaliseContext => ({
  path: '.orchestra/docs/worker-core/x.md',
  worker: 'worker-core',
  id: 'x',
  archived: false,
  workers,
  fallbackCreated: '2026-11-24T10:00:00Z',
  ...over,
});

function parse(text: string, c = ctx()) {
  const f = parseDocFile(Buffer.from(text));
  if (!f.ok) throw new Error(f.message);
  return normaliseDoc(f.data, f.body, c);
}

describe('docs', () => {
  it('accepts a minimal hand-written order and fills every default by type', () => {
    const r = parse('---\ntype: order\ntitle: Optimize propagation\n---\nDo it.\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.doc).toMatchObject({ type: 'order', from: 'lead', to: 'worker-core', priority: 'medium', status: 'pending', after: [], tags: [], created: '2026-11-24T10:00:00Z', createdInferred: true, body: 'Do it.' });
    const rep = parse('---\ntype: report\ntitle: Done\n---\n');
    expect(rep.ok && rep.doc).toMatchObject({ from: 'worker-core', to: 'daemon', outcome: 'completed' });
    const esc = parse('---\ntype: escalation\ntitle: Help\n---\n');
    expect(esc.ok && esc.doc).toMatchObject({ from: 'daemon', to: 'lead' });
  });

  it("normalises the seed's Spanish aliases and routes by tags", () => {
    const r = parse('---\ntype: orden\ntitle: "ORDEN: Integrar NLP"\npriority: alta\nstatus: en_progreso\ntags: [worker-core, numpy]\n---\n');
    expect(r.ok && r.doc).toMatchObject({ type: 'order', priority: 'high', status: 'in_progress', to: 'worker-core', tags: ['worker-core', 'numpy'] });
    const d = parse('---\ntype: duda\ntitle: ¿Qué framework?\n---\n');
    expect(d.ok && d.doc.type).toBe('doubt');
    const rep = parse('---\ntype: reporte\ntitle: Hecho\noutcome: bloqueado\n---\n');
    expect(rep.ok && rep.doc.outcome).toBe('blocked');
  });

  it('reads YAML dates, BOM and CRLF the same as plain text', () => {
    const a = parse('\ufeff---\r\ntype: order\r\ntitle: A\r\ncreated: 2026-11-24T21:40:00Z\r\n---\r\nBody\r\n');
    expect(a.ok && a.doc).toMatchObject({ created: '2026-11-24T21:40:00.000Z', createdInferred: false, body: 'Body' });
    // a comment forces the full YAML path: same result
    const b = parse('---\ntype: order # c\ntitle: A\ncreated: 2026-11-24T21:40:00Z\n---\nBody\n');
    expect(b.ok && b.doc).toMatchObject({ created: '2026-11-24T21:40:00.000Z', type: 'order', title: 'A' });
  });

  it('serialises so that both readers give back the same values', () => {
    const fm = { type: 'order', title: 'Fix: the "parser" # now', from: 'lead', to: 'worker-core', priority: 'high', status: 'pending', re: '20261124-214000-doubt-x-k3f9', after: ['a1', 'b-2'], tags: ['yes', '2026-01-01', '42', 'plain'], created: '2026-11-24T21:40:00Z' };
    const text = serializeDoc(fm, 'Body *md*');
    const viaYaml = parseDocFile(Buffer.from(text));
    expect(viaYaml.ok && { ...viaYaml.data, created: fm.created }).toEqual(fm);
    // without the list of YAML look-alikes the fast reader takes it, with the same result
    const simple = { ...fm, tags: ['plain', 'numpy'] };
    const direct = parseDocFile(Buffer.from(serializeDoc(simple, 'Body')));
    expect(direct.ok && direct.data).toEqual(simple);
    expect(yamlScalar('no')).toBe('"no"');
    // a title that looks like a timestamp is written quoted and reads back as text, by either reader
    const stamp = serializeDoc({ type: 'order', title: '2026-11-24T10:00:00Z', created: '2026-11-24T10:00:00Z' }, '');
    expect(stamp).toContain('title: "2026-11-24T10:00:00Z"\ncreated: 2026-11-24T10:00:00Z');
    const back = parse(stamp);
    expect(back.ok && back.doc.title).toBe('2026-11-24T10:00:00Z');
    // written plain by hand, it is a date to YAML: both readers refuse it as a title, with the same message
    const plain = parse('---\ntype: order\ntitle: 2026-11-24T10:00:00Z\n---\n');
    const viaYamlPlain = parse('---\ntype: order # c\ntitle: 2026-11-24T10:00:00Z\n---\n');
    expect(!plain.ok && plain.problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['title: must be text: put it in quotes']);
    expect(!viaYamlPlain.ok && viaYamlPlain.problems.map((p) => p.field)).toEqual(['title']);
    expect(yamlScalar('1.5')).toBe('"1.5"');
    expect(yamlScalar('Optimize propagation')).toBe('Optimize propagation');
  });

  it('edits one frontmatter key and nothing else', () => {
    const text = '---\ntype: orden # a comment\ntitle: X\nstatus: pendiente\n---\nbody\n';
    expect(setFrontmatterKey(text, 'status', 'completed')).toBe('---\ntype: orden # a comment\ntitle: X\nstatus: completed\n---\nbody\n');
    expect(setFrontmatterKey('---\ntype: order\ntitle: X\n---\n', 'status', 'in_progress')).toBe('---\ntype: order\ntitle: X\nstatus: in_progress\n---\n');
    expect(setFrontmatterKey('---\r\ntype: order\r\n---\r\n', 'status', 'cancelled')).toBe('---\r\ntype: order\r\nstatus: cancelled\r\n---\r\n');
  });

  it('generates time-sortable, valid, distinct ids', () => {
    const t = new Date('2026-11-24T21:40:00Z');
    const id = generateId('order', 'Optimizar propagación!', t);
    expect(id).toMatch(/^20261124-214000-order-optimizar-propagacion-[a-z0-9]{4}$/);
    expect(ID_RE.test(id) && isValidId(id)).toBe(true);
    const ids = new Set(Array.from({ length: 2000 }, () => generateId('order', 'same', t)));
    expect(ids.size).toBeGreaterThan(1990);
    expect(generateId('order', 'b', new Date('2026-11-24T21:40:01Z')) > generateId('order', 'z', t)).toBe(true);
    expect(slugify('')).toBe('untitled');
    expect(isValidId('../etc')).toBe(false);
    expect(isValidId('a/b')).toBe(false);
  });
});
