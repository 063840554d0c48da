import type { Command } from 'commander';
import pc from 'picocolors';
import { DOC_TYPES } from '../../core/doc.js';
import { answerFor, inboxOf } from '../../core/state.js';
import { deliveryLookup, recordShown, shownIds } from '../../store/receipts.js';
import { reportCommits } from '../../store/evidence.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { ambiguityMessage, resolveId, shortIdOf, tailCounts } from '../../core/ids.js';
import { docJson, inboxJson } from '../../core/json.js';
import type { Doc } from '../../core/doc.js';
import { docFull, docLine } from '../format.js';
import type { Ctx, Register } from '../context.js';
import { derive } from '../../core/state.js';
import { workerNames } from '../../core/workers.js';
import { safeLine } from '../terminal.js';
import { numberOption } from '../options.js';

const STATES = ['pending', 'waiting', 'in_progress', 'completed', 'blocked', 'cancelled', 'open', 'answered', 'resolved', 'ready'];


/** Short ids for a listing: each doc's unique tail among `all` (what a command given that tail resolves against). */
function shortener(all: readonly Doc[]): (d: Doc) => string {
  const tails = tailCounts(all.map((d) => d.id));
  return (d) => shortIdOf(d.id, tails);
}

/** `list --proposals`: what the daemon proposed and the lead has not approved, rejected or merged yet. */
async function listProposals(c: Ctx, opts: { worker?: string; type?: string; state?: string; limit?: number }): Promise<void> {
  const { readProposals } = await import('../../store/proposals.js');
  const [loaded, view] = await Promise.all([c.load({ liveOnly: true }), readProposals(c.ws, c.git, workerNames(c.config))]);
  for (const p of view.pending) if (!p.doc) c.io.err(`warning: proposal ${p.id} does not read as a doc: ${safeLine(p.problems.map((x) => x.message).join('; '))}`);
  const proposed = view.pending.flatMap((p) => (p.doc ? [p.doc] : []));
  const derived = derive([...loaded.docs, ...proposed], c.config);
  let docs = proposed;
  if (opts.worker) docs = docs.filter((d) => d.worker === opts.worker);
  if (opts.type) docs = docs.filter((d) => d.type === opts.type);
  if (opts.state) docs = docs.filter((d) => derived.stateOf(d) === (opts.state === 'ready' ? 'pending' : opts.state));
  if (opts.limit) docs = docs.slice(-opts.limit);
  if (c.json) {
    c.io.out(JSON.stringify(docs.map((d) => ({ ...docJson(d, derived, true), proposedOn: view.branch }))));
    return;
  }
  if (!docs.length) {
    c.io.err(`no proposals waiting on ${view.branch}`);
    return;
  }
  const short = shortener([...loaded.docs, ...proposed]);
  c.io.out(docs.map((d) => docLine(d, derived, short(d))).join('\n'));
  c.io.err(pc.dim(`${docs.length} waiting on ${view.branch} (read one: \`orchestra list --proposals --json\`); deliver with \`orchestra approve <id>|--all\`, refuse with \`orchestra reject <id> --why "..."\``));
}

export const registerReadCommands: Register = (program, ctx) => {
  program
    .command('show')
    .description('print one doc in full')
    .argument('<id>', 'doc id, or its unique tail (k3f9) or prefix')
    .addHelpText('after', '\nExample:\n  $ orchestra show 20261124-214000-order-optimize-propagation-k3f9')
    .action(async (id: string, _opts, cmd: Command) => {
      const c = ctx(cmd);
      const loaded = await c.load();
      const r = resolveId(loaded.derived.byId.keys(), id);
      if (!r.ok && r.reason === 'invalid') throw new UsageError(`"${id}" is not a valid doc id: ids use letters, digits, ".", "_" and "-"`);
      if (!r.ok && r.reason === 'ambiguous') throw new UsageError(ambiguityMessage(id, r.candidates));
      const doc = r.ok ? loaded.derived.byId.get(r.id) : undefined;
      if (!doc) throw new NotFoundError(`no doc "${id}" (see \`orchestra list\`)`);
      // Only the worker itself reading its own order or answer is a delivery; the lead looking is not.
      const me = c.identity;
      if ((doc.type === 'order' && doc.to === me) || (doc.type === 'answer' && answerFor(doc, loaded.derived) === me)) recordShown(c.ws, me, [doc.id], 'show');
      // A report comes with its evidence: the commits made for its order.
      const order = doc.re ? loaded.derived.byId.get(doc.re) : undefined;
      const commits = doc.type === 'report' ? await reportCommits(c.git, doc, order, c.config.workers.find((w) => w.name === doc.worker)) : undefined;
      const delivered = deliveryLookup(c.ws)(doc, answerFor(doc, loaded.derived));
      if (c.json) {
        c.io.out(JSON.stringify({ ...docJson(doc, loaded.derived, true), ...(delivered !== undefined ? { delivered } : {}), ...(commits ? { commits } : {}) }));
        return;
      }
      c.io.out(docFull(doc, loaded.derived));
      if (delivered !== undefined) c.io.out(pc.dim(delivered ? `delivered ${delivered.at} (${delivered.how})` : 'not delivered yet'));
      if (commits) c.io.out(`\n${pc.bold(`Commits (${commits.length})`)}${commits.map((x) => `\n  ${x.commit}  ${x.subject}`).join('') || pc.dim('\n  none found on its branch or with its trailer')}`);
    });

  program
    .command('list')
    .description('list docs, oldest first (filters combine)')
    .option('--worker <w>', 'only this worker\'s thread')
    .option('--type <t>', `only this type: ${DOC_TYPES.join(', ')}`)
    .option('--state <s>', `only docs in this derived state: ${STATES.join(', ')}`)
    .option('--limit <n>', 'only the newest n', numberOption('--limit', { integer: true, min: 1 }))
    .option('--archived', 'include archived docs (default: only when --json)')
    .option('--proposals', "review mode: the daemon's docs waiting on the proposals branch for the lead's approval")
    .addHelpText('after', '\nExample:\n  $ orchestra list --worker worker-core --type order --state waiting --json\n  $ orchestra list --proposals')
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      if (opts.worker) c.requireWorker(opts.worker);
      if (opts.type && !(DOC_TYPES as readonly string[]).includes(opts.type)) throw new UsageError(`unknown type "${opts.type}": use ${DOC_TYPES.join(', ')}`);
      if (opts.state && !STATES.includes(opts.state)) throw new UsageError(`unknown state "${opts.state}": use ${STATES.join(', ')}`);
      if (opts.proposals) {
        await listProposals(c, opts);
        return;
      }
      const loaded = await c.load();
      let docs = loaded.docs;
      if (opts.worker) docs = docs.filter((d) => d.worker === opts.worker);
      if (opts.type) docs = docs.filter((d) => d.type === opts.type);
      if (opts.state) {
        const want = opts.state === 'ready' ? 'pending' : opts.state;
        docs = docs.filter((d) => loaded.derived.stateOf(d) === want);
      }
      if (opts.limit) docs = docs.slice(-opts.limit);
      if (c.json) {
        const delivery = deliveryLookup(c.ws);
        c.io.out(JSON.stringify(docs.map((d) => {
          const delivered = delivery(d, d.type === 'answer' ? answerFor(d, loaded.derived) : undefined);
          return { ...docJson(d, loaded.derived), ...(delivered !== undefined ? { delivered } : {}) };
        })));
        return;
      }
      if (!docs.length) c.io.err('no docs match');
      const short = shortener(loaded.docs);
      c.io.out(docs.map((d) => docLine(d, loaded.derived, short(d))).join('\n'));
    });

  program
    .command('pending')
    .description("a worker's inbox: ready orders (by priority, then age), waiting orders, unread answers")
    .argument('<worker>', 'worker name')
    .addHelpText('after', '\nExample:\n  $ orchestra pending worker-nlp --json')
    .action(async (worker: string, _opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      const loaded = await c.load({ liveOnly: true });
      const inbox = inboxOf(worker, loaded.docs, loaded.derived, shownIds(c.ws, worker));
      if (c.identity === worker) recordShown(c.ws, worker, [...inbox.ready, ...inbox.answers].map((d) => d.id), 'pending');
      if (c.json) {
        c.io.out(JSON.stringify(inboxJson(inbox, loaded.derived)));
        return;
      }
      const short = shortener(loaded.docs);
      const section = (title: string, docs: typeof inbox.ready, extra?: (d: (typeof docs)[number]) => string) => {
        if (!docs.length) return;
        c.io.out(pc.bold(`${title} (${docs.length})`));
        for (const d of docs) c.io.out(`${docLine(d, loaded.derived, short(d))}${extra ? `\n      ${extra(d)}` : ''}`);
      };
      section('In progress', inbox.inProgress);
      section('Ready', inbox.ready);
      section('Waiting', inbox.waiting, (d) => pc.yellow(`waits on ${loaded.derived.orders.get(d.id)?.waitingOn.join(', ')}`));
      section('Blocked', inbox.blocked);
      section('Unread answers', inbox.answers, (d) => `orchestra show ${short(d)}`);
      if (!inbox.inProgress.length && !inbox.ready.length && !inbox.waiting.length && !inbox.answers.length && !inbox.blocked.length) {
        c.io.out(`nothing pending for ${worker}`);
      }
    });

  program
    .command('next')
    .description("the most important ready order of a worker, in full")
    .argument('<worker>', 'worker name')
    .addHelpText('after', '\nExample:\n  $ orchestra --as worker-core next worker-core')
    .action(async (worker: string, _opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      const loaded = await c.load({ liveOnly: true });
      const inbox = inboxOf(worker, loaded.docs, loaded.derived, shownIds(c.ws, worker));
      const next = inbox.ready[0];
      const mine = c.identity === worker;
      if (c.json) {
        if (mine && next) recordShown(c.ws, worker, [next.id], 'next');
        c.io.out(JSON.stringify(next ? docJson(next, loaded.derived, true) : null));
        return;
      }
      // Unread answers come first: the answer to a doubt may change how the next order is done.
      for (const a of inbox.answers) c.io.out(`${pc.bold('Unread answer')}\n${docFull(a, loaded.derived)}\n`);
      if (mine) recordShown(c.ws, worker, [...inbox.answers, ...(next ? [next] : [])].map((d) => d.id), 'next');
      if (!next) {
        const why = inbox.inProgress.length
          ? `${worker} has an order in progress: ${inbox.inProgress[0].id}`
          : inbox.waiting.length
            ? `${inbox.waiting.length} order(s) waiting on others (see \`orchestra pending ${worker}\`)`
            : 'nothing to do';
        c.io.out(`no ready order for ${worker}: ${why}`);
        return;
      }
      c.io.out(docFull(next, loaded.derived));
      c.io.out(pc.dim(`\nStart it:  orchestra --as ${worker} start ${next.id}\nReport:    orchestra --as ${worker} report ${next.id} --body "..."`));
    });
};
