import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { resolveConfig, CONFIG_FILE, type Config, type ConfigResult } from '../core/config.js';
import { UsageError, ValidationError } from '../errors.js';
import { workerItemText } from '../core/templates.js';
import type { Workspace } from './workspace.js';

/** The one file that loads the yaml package, lazily: commands that never read YAML do not pay for it. */
const yaml = () => createRequire(import.meta.url)('yaml') as typeof Yaml;

/** Reads and validates orchestra.yaml; YAML syntax errors become problems like any other. */
export function readConfig(ws: Workspace): ConfigResult {
  let text: string;
  try {
    text = readFileSync(ws.configPath, 'utf8');
  } catch (e) {
    return { ok: false, warnings: [], problems: [{ file: CONFIG_FILE, field: '-', message: `cannot be read (${(e as NodeJS.ErrnoException).code}): run \`orchestra init\`` }] };
  }
  return parseConfigText(text);
}

export function parseConfigText(text: string): ConfigResult {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    return {
      ok: false,
      warnings: [],
      problems: doc.errors.map((err) => ({
        file: CONFIG_FILE,
        field: '-',
        message: `broken YAML at line ${lineCounter.linePos(err.pos[0]).line}: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  return resolveConfig(doc.toJS(), CONFIG_FILE);
}

/** The config, or a ValidationError (exit 3) listing every problem. */
export function loadConfig(ws: Workspace): Config {
  const result = readConfig(ws);
  if (!result.ok) throw new ValidationError(result.problems);
  return result.config;
}

/** orchestra.yaml as plain data, unvalidated (doctor names a dependency cycle even when other keys are wrong). */
export function readRawConfig(ws: Workspace): unknown {
  return yaml().parseDocument(readFileSync(ws.configPath, 'utf8')).toJS();
}

// ---- editing orchestra.yaml in place (worker add|remove), keeping every comment and byte it does not change ----

export interface RawWorker {
  name?: unknown;
  priority?: unknown;
  depends_on?: unknown;
}

/** The parsed orchestra.yaml, refusing text git would not be able to round-trip. */
export function parseYaml(text: string): Yaml.Document.Parsed {
  const doc = yaml().parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ValidationError([{ file: CONFIG_FILE, field: '-', message: `broken YAML (${doc.errors[0].message.split('\n')[0]}): fix it, then run \`orchestra validate\`` }]);
  }
  return doc;
}

export function rawWorkers(doc: Yaml.Document.Parsed): RawWorker[] {
  const js = doc.toJS() as { workers?: unknown } | null;
  return Array.isArray(js?.workers) ? (js!.workers as RawWorker[]) : [];
}

/** Start of the line that holds `offset`. */
function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** End of the line that holds `offset` (the index of its `\n`, or the text's length). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl;
}

/**
 * Adds a worker item to the `workers:` block. The new text is spliced in after the last item (using the
 * Document's source ranges), so every other byte of the file, comments and layout included, stays as it was.
 */
export function addWorkerText(text: string, item: Parameters<typeof workerItemText>[0]): string {
  const { isMap, isSeq } = yaml();
  const doc = parseYaml(text);
  const seq = doc.get('workers', true);
  if (isSeq(seq) && !seq.flow && seq.items.length && seq.items.every((i) => isMap(i) && i.range)) {
    const last = seq.items[seq.items.length - 1] as { range: [number, number, number] };
    const first = seq.items[0] as { range: [number, number, number] };
    const column = first.range[0] - lineStart(text, first.range[0]);
    const dashIndent = Math.max(0, column - 2);
    const at = lineEnd(text, Math.max(last.range[1] - 1, 0));
    return `${text.slice(0, at)}\n${workerItemText(item, dashIndent)}${text.slice(at)}`;
  }
  // A flow-style or empty `workers:`: let the Document write it (comments stay; that block's layout may not).
  const node = doc.createNode({
    name: item.name,
    scope: item.scope,
    prompt: `.orchestra/prompts/${item.name}.md`,
    priority: item.priority,
    depends_on: item.dependsOn,
    ...(item.branch ? { branch: item.branch } : {}),
  });
  if (isSeq(seq)) seq.items.push(node);
  else doc.set('workers', doc.createNode([node.toJSON()]));
  return doc.toString();
}

/** Removes a worker's item (its lines, with comments inside it) from the `workers:` block; other bytes stay. */
export function removeWorkerText(text: string, name: string): string {
  const { isMap, isSeq } = yaml();
  const doc = parseYaml(text);
  const seq = doc.get('workers', true);
  if (!isSeq(seq)) throw new UsageError(`${CONFIG_FILE} has no workers list`);
  const index = seq.items.findIndex((i) => isMap(i) && i.get('name') === name);
  if (index < 0) throw new UsageError(`no worker "${name}" in ${CONFIG_FILE}`);
  const item = seq.items[index] as { range?: [number, number, number] };
  if (seq.flow || !item.range) {
    seq.items.splice(index, 1);
    return doc.toString();
  }
  const start = lineStart(text, item.range[0]);
  const end = lineEnd(text, Math.max(item.range[1] - 1, item.range[0]));
  return text.slice(0, start) + text.slice(Math.min(end + 1, text.length));
}

