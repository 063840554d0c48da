// faq matching on a hostile doubt (issue 11 item 4): init's default pattern against one long line of
// "framework " with no "test", where a backtracking engine restarts `.*` at every word. JavaScript's RegExp
// (what orchestra used) is timed up to 100 KB only: it is quadratic (11 s at 100 KB here), so 1 MB would take
// many minutes; the figure for 1 MB is extrapolated from the 100 KB run (x 100). re2js (what orchestra uses now) runs on 1 MB itself,
// through the real `faqMatch` with the config `resolveConfig` builds from init's template.
import { resolveConfig } from '../dist/core/config.js';
import { faqMatch } from '../dist/core/faq.js';
import { median, recordAbsolute, report, time } from './lib.mjs';

const PATTERN = 'test framework|framework.*test|pytest|vitest|jest';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const line = (bytes) => 'framework '.repeat(Math.round(bytes / 10));

const r = resolveConfig({ workers: [{ name: 'worker-core' }], faq: [{ match: PATTERN, answer: 'x' }] });
if (!r.ok) throw new Error(JSON.stringify(r.problems));
const config = r.config;
faqMatch({ title: 'warm-up', body: 'framework test' }, config); // loads and compiles re2js once

const backtracking = new RegExp(PATTERN, 'i');
const js = {};
for (const kb of [25, 50, 100]) {
  const text = `A question\n${line(kb * 1000)}`;
  js[kb] = median(Array.from({ length: kb >= 100 ? 1 : 3 }, () => time(() => backtracking.test(text))));
  recordAbsolute(`JavaScript RegExp (before), ${kb} KB, no match`, js[kb], undefined, 'ms');
}
recordAbsolute('JavaScript RegExp (before), 1 MB, extrapolated (quadratic)', js[100] * 100, undefined, 'ms');

for (const kb of [100, 400, 1000]) {
  const body = line(kb * 1000);
  const miss = median(Array.from({ length: RUNS }, () => time(() => faqMatch({ title: 'A question', body }, config))));
  recordAbsolute(`re2js via faqMatch (now), ${kb === 1000 ? '1 MB' : `${kb} KB`}, no match`, miss, kb === 1000 ? 250 : undefined, 'ms');
}
const hitBody = `${line(1_000_000)}\nWhich test framework should I use?`;
const hit = median(Array.from({ length: RUNS }, () => time(() => faqMatch({ title: 'A question', body: hitBody }, config))));
recordAbsolute('re2js via faqMatch (now), 1 MB, match on the last line', hit, 250, 'ms');
report(`faq matching, hostile doubt (${RUNS} runs, medians)`);
