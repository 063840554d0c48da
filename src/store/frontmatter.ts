/**
 * The only code that touches gray-matter. It is called with an options object every time (so its module-level
 * cache and shared `data` objects are never used) and with every code-evaluating engine replaced by one that
 * refuses: frontmatter is data, never code.
 */
import { createRequire } from 'node:module';
import { isUtf8 } from 'node:buffer';
import type matterType from 'gray-matter';

const require = createRequire(import.meta.url);
let matter: typeof matterType | undefined;

export const MAX_DOC_BYTES = 1024 * 1024;

/** The refusal of a doc over the size limit; readers say it from a stat, before reading a byte. */
export function oversizeMessage(bytes: number): string {
  return `is ${(bytes / 1048576).toFixed(1)} MB, over the 1 MB limit: move large content to a file in the repository and link to it`;
}

export type ParsedFile = { ok: true; data: Record<string, unknown>; body: string } | { ok: false; message: string };

const refuse = (lang: string) => () => {
  throw new Error(`frontmatter language "${lang}" is refused: only YAML frontmatter is read, and never run`);
};
const ENGINES = {
  js: { parse: refuse('js'), stringify: refuse('js') },
  javascript: { parse: refuse('javascript'), stringify: refuse('javascript') },
  coffee: { parse: refuse('coffee'), stringify: refuse('coffee') },
  coffeescript: { parse: refuse('coffeescript'), stringify: refuse('coffeescript') },
  cson: { parse: refuse('cson'), stringify: refuse('cson') },
  toml: { parse: refuse('toml'), stringify: refuse('toml') },
  json: { parse: refuse('json'), stringify: refuse('json') },
};


function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl === -1 ? text : text.slice(0, nl);
}

/** Decodes and splits a doc file. Every refusal is one sentence that says what to do. */
export function parseDocFile(bytes: Uint8Array): ParsedFile {
  if (bytes.length === 0) return { ok: false, message: 'is empty: a doc needs a frontmatter with `type` and `title`' };
  if (bytes.length > MAX_DOC_BYTES) return { ok: false, message: oversizeMessage(bytes.length) };
  if (bytes.includes(0)) return { ok: false, message: 'contains binary data (NUL bytes): docs must be UTF-8 text' };
  if (!isUtf8(bytes)) return { ok: false, message: 'is not valid UTF-8 text: save it as UTF-8' };
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n?/g, '\n');

  const open = firstLine(text).trimEnd();
  if (!open.startsWith('---')) {
    return { ok: false, message: 'has no frontmatter: start the file with a line `---`, then `type:` and `title:`, then a closing `---`' };
  }
  const lang = open.slice(3).trim();
  if (lang) {
    return { ok: false, message: `has a "---${lang}" frontmatter: only YAML frontmatter (a plain \`---\` line) is read, and code is never run` };
  }
  if (!/\n---[ \t]*(\n|$)/.test(text.slice(open.length))) {
    return { ok: false, message: 'frontmatter is not closed: add a line `---` after the last key' };
  }

  const fast = parseSimpleFrontmatter(text, open.length);
  if (fast) return fast;

  let file: matterType.GrayMatterFile<string>;
  try {
    matter ??= require('gray-matter') as typeof matterType;
    file = matter(text, { language: 'yaml', engines: ENGINES as never });
  } catch (e) {
    const err = e as Error & { mark?: { line: number }; reason?: string };
    const where = err.mark ? ` (frontmatter line ${err.mark.line + 1})` : '';
    return { ok: false, message: `broken YAML frontmatter: ${err.reason ?? err.message.split('\n')[0]}${where}` };
  }
  const data = file.data as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, message: 'frontmatter must be a set of `key: value` lines' };
  }
  return { ok: true, data: data as Record<string, unknown>, body: file.content.replace(/^\n+/, '').replace(/\s+$/, '') };
}

const YAML11_SPECIAL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|\.inf|\.nan)$/;
const LOOKS_NUMERIC = /^[-+]?(?:[\d_]+(?:\.[\d_]*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0[xXoObB]/;
const LOOKS_DATE = /^\d{4}-\d\d?-\d\d?(?:$|[Tt ])/;
const PLAIN_SAFE = /^[A-Za-z0-9][A-Za-z0-9._/()+-]*(?: [A-Za-z0-9._/()+-]+)*$/;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

const SIMPLE_LINE = /^([A-Za-z_][A-Za-z0-9_]*):[ \t]*(.*?)[ \t]*$/;

function simpleScalar(v: string, key = ''): { value: string } | undefined {
  if (v.startsWith('"')) {
    if (v.includes('\\') && /\\[^"\\/bfnrtu]/.test(v)) return undefined; // YAML-only escapes: let YAML read it
    try {
      const s = JSON.parse(v) as unknown;
      return typeof s === 'string' ? { value: s } : undefined;
    } catch {
      return undefined;
    }
  }
  // A plain timestamp is a date in YAML: a string only where a date is meant; elsewhere YAML decides (and the
  // doc check says a title must be text).
  if (ISO_UTC.test(v)) return key === 'created' ? { value: v } : undefined;
  if (PLAIN_SAFE.test(v) && !YAML11_SPECIAL.test(v) && !LOOKS_NUMERIC.test(v) && !LOOKS_DATE.test(v)) return { value: v };
  return undefined;
}

/**
 * The frontmatter orchestra itself writes (and most hand-written files): `key: value` lines whose values are
 * strings or flat lists of strings. Read here without YAML, several times faster; anything else (comments,
 * numbers, nesting, block lists, odd quoting) returns undefined and goes to gray-matter. Both paths give the
 * same data for every input this one accepts.
 */
function parseSimpleFrontmatter(text: string, openLen: number): ParsedFile | undefined {
  const data: Record<string, unknown> = {};
  let pos = openLen + 1;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    const line = nl === -1 ? text.slice(pos) : text.slice(pos, nl);
    if (/^---[ \t]*$/.test(line)) {
      const rest = nl === -1 ? '' : text.slice(nl + 1);
      return { ok: true, data, body: rest.replace(/^\n+/, '').replace(/\s+$/, '') };
    }
    if (nl === -1) return undefined;
    const m = SIMPLE_LINE.exec(line);
    if (!m || m[1] in data) return undefined;
    const v = m[2];
    if (v.startsWith('[')) {
      if (!v.endsWith(']') || v.includes('"') || v.includes("'")) return undefined;
      const inner = v.slice(1, -1).trim();
      const items: string[] = [];
      if (inner) {
        for (const part of inner.split(',')) {
          const sc = simpleScalar(part.trim());
          if (!sc) return undefined;
          items.push(sc.value);
        }
      }
      data[m[1]] = items;
    } else {
      const sc = simpleScalar(v, m[1]);
      if (!sc) return undefined;
      data[m[1]] = sc.value;
    }
    pos = nl + 1;
  }
}

/**
 * One YAML scalar: plain when that reads back as the same string, else double-quoted (JSON strings are valid
 * YAML). Timestamps stay plain so the file reads like the contract's examples.
 */
export function yamlScalar(value: string | number | boolean, key = ''): string {
  if (typeof value !== 'string') return String(value);
  if (ISO_UTC.test(value)) return key === 'created' ? value : JSON.stringify(value);
  if (PLAIN_SAFE.test(value) && !YAML11_SPECIAL.test(value) && !LOOKS_NUMERIC.test(value) && !LOOKS_DATE.test(value)) return value;
  return JSON.stringify(value);
}

function yamlOf(frontmatter: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(frontmatter)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out += `${k}: [${v.map((x) => yamlScalar(x as string)).join(', ')}]\n`;
    else out += `${k}: ${yamlScalar(v as string, k)}\n`;
  }
  return out;
}

/** The text of a doc we write. */
export function serializeDoc(frontmatter: Record<string, unknown>, body: string): string {
  const yaml = yamlOf(frontmatter);
  const text = body.replace(/\r\n?/g, '\n').replace(/\s+$/, '');
  return `---\n${yaml}---\n${text ? `\n${text}\n` : ''}`;
}

/**
 * Sets one frontmatter key in an existing doc's text, touching nothing else (comments, key order, aliases and
 * the body stay as they were).
 */
export function setFrontmatterKey(text: string, key: string, value: string): string {
  const hadCrlf = text.includes('\r\n');
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const lines = (bom ? text.slice(1) : text).replace(/\r\n?/g, '\n').split('\n');
  const close = lines.indexOf('---', 1) === -1 ? lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---') : lines.indexOf('---', 1);
  if (close <= 0) throw new Error('frontmatter is not closed');
  const rendered = `${key}: ${yamlScalar(value, key)}`;
  const at = lines.findIndex((l, i) => i > 0 && i < close && new RegExp(`^${key}\\s*:`).test(l));
  if (at === -1) lines.splice(close, 0, rendered);
  else lines[at] = rendered;
  const out = lines.join('\n');
  return bom + (hadCrlf ? out.replace(/\n/g, '\r\n') : out);
}
