import type { Config } from './config.js';
import type { Doc } from './doc.js';

/** The first `faq` entry whose pattern matches the doubt's title or body (case-insensitive), if any. */
export function faqMatch(doubt: Pick<Doc, 'title' | 'body'>, config: Config): Config['faq'][number] | undefined {
  const text = `${doubt.title}\n${doubt.body}`;
  return config.faq.find((f) => f.re.test(text));
}
