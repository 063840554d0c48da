/**
 * Problems as GitHub Actions workflow commands (`::error file=…,line=…::…`), so that a pull request shows each one
 * on the line of the doc it is about. Escaping follows GitHub's toolkit (`@actions/core`, command.ts): in the
 * message `%`, `\r`, `\n`; in a property also `:` and `,`.
 */
import type { Problem } from '../errors.js';

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The workflow command for one problem at `line` of its file. */
export function errorAnnotation(p: Problem, line: number): string {
  const field = p.field && p.field !== '-' ? `${p.field}: ` : '';
  return `::error file=${escapeProperty(p.file)},line=${line}::${escapeData(`${field}${p.message}`)}`;
}

/**
 * The line of `text` (the file's content, when readable) a problem is about: the line its message names ("at line
 * 3"), else the first line that sets its field (`after[1]` → `after:`; `workers[0].depends_on` → `depends_on:`),
 * else 1.
 */
export function problemLine(text: string | undefined, p: Problem): number {
  const named = / at line (\d+)\b/.exec(p.message);
  if (named) return Number(named[1]);
  if (!text || !p.field || p.field === '-') return 1;
  const key = p.field.replace(/\[\d+\]/g, '').split('.').pop()!;
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return 1;
  const lines = text.split(/\r?\n/);
  const re = new RegExp(`^\\s*(?:-\\s+)?["']?${key}["']?\\s*:`);
  const at = lines.findIndex((l) => re.test(l));
  return at >= 0 ? at + 1 : 1;
}
