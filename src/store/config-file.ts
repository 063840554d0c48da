import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { resolveConfig, CONFIG_FILE, type Config, type ConfigResult } from '../core/config.js';
import { ValidationError } from '../errors.js';
import type { Workspace } from './workspace.js';

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
  const { LineCounter, parseDocument } = createRequire(import.meta.url)('yaml') as typeof Yaml;
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
