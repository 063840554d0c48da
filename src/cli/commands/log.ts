import type { Command } from 'commander';
import pc from 'picocolors';
import { parseDuration, DURATION_HINT } from '../../core/duration.js';
import { UsageError } from '../../errors.js';
import type { Register } from '../context.js';
import { numberOption } from '../options.js';
import type { Ctx } from '../context.js';
import { workerNames } from '../../core/config.js';
import { isValidId } from '../../core/ids.js';
import { locateDoc, readDocFile } from '../../store/docs.js';
import { rel } from '../../store/workspace.js';
import { shortDate } from '../format.js';
import { safeLine } from '../terminal.js';

/** `--since 7d` or a date. */
export function parseSince(v: string, now = Date.now()): Date {
  const ms = parseDuration(v);
  if (ms !== undefined) return new Date(now - ms);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--since "${v}" is neither a duration nor a date: ${DURATION_HINT}, or a date like 2026-11-01`);
  return d;
}

/** Commits about a status change carry the doc's id as their title: show the doc's own title instead. */
function titlesOf(c: Ctx, ids: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const workers = workerNames(c.config);
  for (const id of new Set(ids)) {
    if (!isValidId(id)) continue;
    const found = locateDoc(c.ws, id, workers);
    if (!found) continue;
    const r = readDocFile({ abs: found.abs, relPath: rel(c.ws, found.abs), worker: found.worker, id, archived: found.archived }, workers, '');
    if (r.doc) out.set(id, r.doc.title);
  }
  return out;
}

export const registerLogCommand: Register = (program, ctx) => {
  program
    .command('log')
    .description('the activity timeline read from git: who, when, what, which doc; newest first')
    .option('--worker <w>', "only this worker's thread and what it did")
    .option('--since <when>', 'only since a duration ago (7d) or a date')
    .option('--type <t>', 'only this kind of entry: order, start, cancel, report, doubt, answer, escalation, archive, reject...')
    .option('--limit <n>', 'at most n entries', numberOption('--limit', { integer: true, min: 1 }))
    .addHelpText(
      'after',
      `
Each entry is one orchestra commit: {commit, at, actor, type, worker, doc, title} with --json; a rejection of a
proposal (review mode, type reject) adds {why}.

Example:
  $ orchestra log --worker worker-core --since 2d`,
    )
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      if (opts.worker) c.requireWorker(opts.worker);
      const since = opts.since ? parseSince(opts.since) : undefined;
      let entries = await c.git.timeline({ since });
      // git's --since is approximate (far dates are ignored): hold the entries to it exactly.
      if (since) entries = entries.filter((e) => Date.parse(e.at) >= since.getTime() - 999);
      if (opts.worker) entries = entries.filter((e) => e.worker === opts.worker || e.actor === opts.worker);
      if (opts.type) entries = entries.filter((e) => e.type === opts.type);
      if (opts.limit) entries = entries.slice(0, opts.limit);
      const titles = titlesOf(c, entries.filter((e) => e.title === e.doc).map((e) => e.doc));
      entries = entries.map((e) => (titles.has(e.doc) && e.title === e.doc ? { ...e, title: titles.get(e.doc)! } : e));
      // A rejection (review mode) carries its reason in the commit's body.
      const rejections = entries.filter((e) => e.type === 'reject');
      const reasons = rejections.length ? await (await import('../../store/review.js')).rejectionReasons(c.git, rejections.map((e) => e.commit)) : new Map<string, string>();
      const withWhy = (e: (typeof entries)[number]) => (reasons.has(e.commit) ? { ...e, why: reasons.get(e.commit)! } : e);
      if (c.json) {
        c.io.out(JSON.stringify(entries.map(withWhy)));
        return;
      }
      if (!entries.length) c.io.err('no activity yet');
      // Two lines per entry keep the timeline inside 80 columns whatever the ids.
      for (const e of entries) {
        // Everything here comes from commit messages, which anyone with push access writes.
        const who = safeLine(e.actor === e.worker || e.worker === 'lead' ? e.actor : `${e.actor} → ${e.worker}`);
        const type = safeLine(e.type);
        const head = `${shortDate(e.at)}  ${type.padEnd(10)} ${who}: `;
        const why = reasons.get(e.commit);
        c.io.out(`${pc.dim(shortDate(e.at))}  ${type.padEnd(10)} ${who}: ${fit(safeLine(e.title), Math.max(10, 80 - head.length))}\n${pc.dim(`${' '.repeat(18)}${safeLine(e.doc)}`)}${why ? `\n${' '.repeat(18)}why: ${fit(safeLine(why), 57)}` : ''}`);
      }
    });
};

function fit(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
