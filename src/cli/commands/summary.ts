import type { Command } from 'commander';
import { parseRevRange } from '../../core/refname.js';
import { planSummary, type SummaryHistory, type SummaryRange } from '../../core/summary.js';
import { summaryMarkdown, mermaidGraph } from '../../core/summary-render.js';
import { UsageError } from '../../errors.js';
import { readAlerts } from '../../store/alerts.js';
import { docsAddedIn, unknownRevision } from '../../store/git/history.js';
import type { Ctx, Register } from '../context.js';
import { safeBlock } from '../terminal.js';
import { parseSince } from './log.js';

const HELP = `
A revision range (main..HEAD, origin/main...feature, HEAD~20..) summarises what its commits added: the orders
given, completed, blocked and cancelled, doubts and their answers, escalations, conflicts recorded meanwhile, the
metrics over the span of its commits, and a Mermaid graph of the orders and their dependencies (solid: after,
dashed: a worker's depends_on), states as colours. Without a range, --since (default: the metrics window, 7d)
summarises what was written since then. The Markdown is made to be pasted into a pull request description.

Examples:
  $ orchestra summary origin/main..HEAD > summary.md
  $ orchestra summary --since 1d --worker worker-core
  $ orchestra summary main..HEAD --format json`;

async function historyOf(c: Ctx, rev: string | undefined, since: string | undefined, now: Date): Promise<{ range: SummaryRange; history: SummaryHistory }> {
  if (rev === undefined) {
    const from = since ? parseSince(since, now.getTime()) : new Date(now.getTime() - c.config.metricsWindowMs);
    // git's --since is approximate (far dates are ignored): hold the entries to it exactly.
    const entries = (await c.git.timeline({ since: from })).filter((e) => Date.parse(e.at) >= from.getTime() - 999);
    return { range: { kind: 'since', since: from }, history: { added: new Map(), entries } };
  }
  const parsed = parseRevRange(rev);
  if (!parsed.ok) throw new UsageError(`the revision range ${parsed.message}: give a range like main..HEAD or origin/main...HEAD`);
  const unknown = await unknownRevision(c.git, parsed.from ? [parsed.from, parsed.to] : [parsed.to]);
  if (unknown) throw new UsageError(`"${unknown}" names no commit in this repository: check the branch name (or \`git fetch\` it first)`);
  const range = parsed.from ? `${parsed.from}${parsed.symmetric ? '...' : '..'}${parsed.to}` : parsed.to;
  const [added, entries] = await Promise.all([docsAddedIn(c.git, range), c.git.timeline({ ref: range })]);
  return { range: { kind: 'rev', range }, history: { added, entries } };
}

export const registerSummaryCommand: Register = (program, ctx) => {
  program
    .command('summary')
    .description('what happened in a range of history, with a Mermaid graph of the orders, for a pull request')
    .argument('[rev-range]', 'commits to summarise (main..HEAD); default: --since')
    .option('--since <when>', 'instead of a range: since a duration ago (1d) or a date (default: metrics.window, 7d)')
    .option('--worker <w>', "only this worker's thread")
    .option('--format <f>', 'md (Markdown, the default) or json')
    .addHelpText('after', HELP)
    .action(async (rev: string | undefined, opts: { since?: string; worker?: string; format?: string }, cmd: Command) => {
      const c = ctx(cmd);
      const format = opts.format ?? (c.json ? 'json' : 'md');
      if (format !== 'md' && format !== 'json') throw new UsageError(`--format "${opts.format}" is not md or json`);
      if (rev !== undefined && opts.since !== undefined) throw new UsageError('give either a revision range or --since, not both');
      if (opts.worker) c.requireWorker(opts.worker);
      const now = new Date();
      const { range, history } = await historyOf(c, rev, opts.since, now);
      const loaded = await c.load();
      const summary = planSummary({ docs: loaded.docs, config: loaded.config, history, range, worker: opts.worker, alerts: readAlerts(loaded.ws), now });
      if (format === 'json') c.io.out(JSON.stringify({ ...summary, mermaid: summary.orders.length ? mermaidGraph(summary) : null }));
      // Titles were made plain by the renderer; this is the last guard on what reaches the terminal.
      else c.io.out(safeBlock(summaryMarkdown(summary).replace(/\n$/, '')));
    });
};
