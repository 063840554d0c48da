import { createRequire } from 'node:module';
import type * as Re2 from 're2js';
import type { Config, FaqMatcher } from './workers.js';
import type { Doc } from './doc.js';

const require = createRequire(import.meta.url);

// The lead writes these patterns and a worker writes the doubts they run on. With JavaScript's backtracking
// engine, init's default pattern took 12.5 s on a 100 KB doubt (one line of "framework " and no "test";
// quadratic, so about 20 minutes at 1 MB), freezing the daemon; RE2's automaton is linear in the text
// (95-150 ms at 1 MB, bench/faq.bench.mjs). Loaded on first match (about 13 ms), so commands that never
// answer a doubt do not pay for it.
let engine: typeof Re2.RE2JS | undefined;
function re2(): typeof Re2.RE2JS {
  engine ??= (require('re2js') as typeof Re2).RE2JS;
  return engine;
}

/**
 * Why a `faq` pattern cannot be used, in one phrase, or undefined. Today's meaning is kept (case-insensitive,
 * `.` stops at a line end, `^`/`$` at the ends of the text); what only a backtracking engine can do
 * (backreferences, lookaround) is refused by name.
 */
export function faqPatternProblem(pattern: string): string | undefined {
  try {
    // Compiling is cheap and safe in either engine: only matching backtracks. JavaScript's verdict keeps the
    // message people already know for a pattern that is simply malformed.
    new RegExp(pattern, 'i');
  } catch (e) {
    return `"${pattern}" is not a valid regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  try {
    re2().compile(pattern, re2().CASE_INSENSITIVE);
    return undefined;
  } catch (e) {
    const err = e as { error?: string; input?: string | null; message?: string };
    const at = err.input ? ` at \`${err.input.replace(/^\(\?i\)/, '')}\`` : '';
    const why = err.error ? `${err.error}${at}` : (err.message ?? String(e));
    return `"${pattern}" cannot be matched in linear time (${why}): rewrite it without backreferences (\\1) or lookaround ((?=, (?!, (?<=, (?<!), in RE2 syntax`;
  }
}

/** A matcher for a pattern already validated by `faqPatternProblem`; compiled on its first use. */
export function faqMatcher(pattern: string): FaqMatcher {
  let compiled: Re2.RE2JS | undefined;
  return {
    test(text: string): boolean {
      compiled ??= re2().compile(pattern, re2().CASE_INSENSITIVE);
      return compiled.test(text);
    },
  };
}

/** The first `faq` entry whose pattern matches the doubt's title or body (case-insensitive), if any. */
export function faqMatch(doubt: Pick<Doc, 'title' | 'body'>, config: Config): Config['faq'][number] | undefined {
  const text = `${doubt.title}\n${doubt.body}`;
  return config.faq.find((f) => f.re.test(text));
}
