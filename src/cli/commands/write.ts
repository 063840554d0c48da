import type { Command } from 'commander';
import { PRIORITIES, type Doc, type Priority } from '../../core/doc.js';
import { isValidId } from '../../core/ids.js';
import { blockedBy } from '../../core/state.js';
import { NotFoundError, UsageError, ValidationError } from '../../errors.js';
import { locateDoc } from '../../store/docs.js';
import { editDoc, writeDoc, type Written } from '../../store/write.js';
import { checkTitle, readBody, type Ctx } from '../context.js';
import type { Register } from '../program.js';
import { readDocFile } from '../../store/docs.js';
import { workerNames } from '../../core/workers.js';
import { rel } from '../../store/workspace.js';

const PRIORITY_INPUT: Record<string, Priority> = { high: 'high', medium: 'medium', low: 'low', alta: 'high', media: 'medium', baja: 'low' };

function parsePriority(p: string | undefined): Priority {
  if (p === undefined) return 'medium';
  const v = PRIORITY_INPUT[p.toLowerCase()];
  if (!v) throw new UsageError(`unknown priority "${p}": use ${PRIORITIES.join(', ')}`);
  return v;
}

function checkId(id: string, what = 'doc id'): string {
  if (!isValidId(id)) throw new UsageError(`"${id}" is not a valid ${what}: ids use letters, digits, ".", "_" and "-" (see \`orchestra list\`)`);
  return id;
}

/** Reads one doc by id (without reading the whole workspace). */
export function findDoc(ctx: Ctx, id: string): Doc & { abs: string } {
  checkId(id);
  const workers = workerNames(ctx.config);
  const at = locateDoc(ctx.ws, id, workers);
  if (!at) throw new NotFoundError(`no doc "${id}" in .orchestra/docs or .orchestra/archive (see \`orchestra list\`)`);
  const r = readDocFile({ abs: at.abs, relPath: rel(ctx.ws, at.abs), worker: at.worker, id, archived: at.archived }, workers, new Date().toISOString());
  if (!r.doc) throw new ValidationError(r.problems);
  return { ...r.doc, abs: at.abs };
}

function printWritten(ctx: Ctx, w: Written, extra: Record<string, unknown> = {}) {
  if (ctx.json) ctx.io.out(JSON.stringify({ id: w.id, path: w.path, commit: w.commit, ...extra }));
  else ctx.io.out(w.id);
}

const bodyOptions = (cmd: Command) =>
  cmd.option('--body <text>', 'the full text (Markdown)').option('--file <path>', 'read the text from a file (- for stdin)');

export const registerWriteCommands: Register = (program, ctx) => {
  bodyOptions(
    program
      .command('order')
      .description('write and commit an order for a worker; prints its id')
      .argument('<worker>', 'the worker who must do it')
      .argument('<title>', 'one-line title')
      .option('--priority <p>', 'high | medium | low', 'medium')
      .option('--after <id>', 'not ready until this order is completed (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--tag <tag>', 'a tag (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[]),
  )
    .addHelpText('after', '\nExample:\n  $ orchestra order worker-core "Optimize propagation" --priority high --body "Done when the benchmark p99 < 5 ms"')
    .action(async (worker: string, title: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      const t = checkTitle(title);
      const priority = parsePriority(opts.priority);
      const body = readBody(opts);
      const from = c.identity;
      for (const a of opts.after as string[]) {
        const d = findDoc(c, a);
        if (d.type !== 'order') throw new UsageError(`--after ${a} is a ${d.type}, not an order`);
      }
      const w = await writeDoc(c.ws, c.git, { type: 'order', title: t, from, to: worker, worker, priority, after: opts.after, tags: opts.tag, body });
      printWritten(c, w);
    });

  const statusChange = (name: 'start' | 'cancel') =>
    program
      .command(name)
      .description(name === 'start' ? 'mark an order in progress (committed)' : 'cancel an order (committed)')
      .argument('<order>', 'order id')
      .option('--force', name === 'start' ? 'start even if the order is waiting on others' : 'cancel even if it is not open')
      .addHelpText('after', `\nExample:\n  $ orchestra --as worker-core ${name} 20261124-214000-order-optimize-propagation-k3f9`)
      .action(async (id: string, opts, cmd: Command) => {
        const c = ctx(cmd);
        const me = c.identity;
        const loaded = await c.load({ liveOnly: true });
        const order = loaded.derived.byId.get(checkId(id));
        if (!order) throw new NotFoundError(`no open order "${id}" in .orchestra/docs (see \`orchestra list --type order\`)`);
        if (order.type !== 'order') throw new UsageError(`${id} is a ${order.type}, not an order`);
        const info = loaded.derived.orders.get(id)!;
        if (name === 'start') {
          if (me !== 'lead' && me !== order.to) throw new UsageError(`${me} cannot start ${id}: it is ${order.to}'s order`);
          if (info.state === 'in_progress') throw new UsageError(`${id} is already in progress`);
          if (info.state === 'completed' || info.state === 'cancelled') throw new UsageError(`${id} is ${info.state}: it cannot be started`);
          if (info.state === 'waiting' && !opts.force) {
            throw new UsageError(`${id} is waiting on ${info.waitingOn.join(', ')}: finish those first, or use --force`);
          }
        } else {
          if (me !== 'lead' && me !== order.from) throw new UsageError(`${me} cannot cancel ${id}: only the lead or ${order.from} can`);
          if (!['pending', 'waiting', 'in_progress', 'blocked'].includes(info.state) && !opts.force) {
            throw new UsageError(`${id} is ${info.state}: only open orders can be cancelled`);
          }
        }
        // Starting a blocked order again records which blocked report it moves past.
        const resumes = name === 'start' ? blockedBy(order, loaded.derived) : undefined;
        const commit = await editDoc(
          c.ws,
          c.git,
          { abs: `${c.ws.root}/${order.path}`, id, worker: order.worker, title: order.title },
          'status',
          name === 'start' ? 'in_progress' : 'cancelled',
          { actor: me, verb: name, also: resumes ? { resumed: resumes } : undefined },
        );
        if (c.json) c.io.out(JSON.stringify({ id, status: name === 'start' ? 'in_progress' : 'cancelled', commit }));
        else c.io.out(id);
      });
  statusChange('start');
  statusChange('cancel');

  bodyOptions(
    program
      .command('report')
      .description('report on an order: writes the report, updates the order, commits both')
      .argument('<order>', 'the order reported on')
      .option('--partial', 'part of the work is done; the order stays in progress')
      .option('--blocked', 'cannot go on; the daemon escalates to the lead')
      .option('--title <title>', 'report title (default: from the order)'),
  )
    .addHelpText('after', '\nExample:\n  $ orchestra --as worker-core report 20261124-214000-order-optimize-propagation-k3f9 --body "p99 now 3.1 ms; tests in test/prop.test.ts"')
    .action(async (id: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      if (opts.partial && opts.blocked) throw new UsageError('give --partial or --blocked, not both');
      const me = c.identity;
      const order = findDoc(c, id);
      if (order.type !== 'order') throw new UsageError(`${id} is a ${order.type}, not an order: report on an order`);
      if (order.archived) throw new UsageError(`${id} is archived: it was settled long ago`);
      if (me !== 'lead' && me !== order.to) throw new UsageError(`${me} cannot report on ${id}: it is ${order.to}'s order`);
      if (order.status === 'cancelled') throw new UsageError(`${id} was cancelled: there is nothing to report`);
      const outcome = opts.blocked ? 'blocked' : opts.partial ? 'partial' : 'completed';
      const title = opts.title ? checkTitle(opts.title) : `${outcome === 'completed' ? 'Done' : outcome === 'partial' ? 'Progress' : 'Blocked'}: ${order.title}`.slice(0, 200);
      const body = readBody(opts);
      const status = outcome === 'completed' ? 'completed' : outcome === 'blocked' ? 'blocked' : 'in_progress';
      const w = await writeDoc(
        c.ws,
        c.git,
        { type: 'report', title, from: me === 'lead' ? 'lead' : order.to, to: 'daemon', worker: order.to, re: id, outcome, priority: outcome === 'blocked' ? 'high' : order.priority, body },
        { actor: me, edits: order.status === status ? [] : [{ abs: order.abs, key: 'status', value: status }] },
      );
      printWritten(c, w, { order: id, outcome });
    });

  bodyOptions(
    program
      .command('doubt')
      .description('ask a question instead of stopping: the daemon answers or escalates')
      .argument('<worker>', 'the worker asking')
      .argument('<title>', 'the question, in one line')
      .option('--re <id>', 'the order it is about (default: the worker\'s order in progress)')
      .option('--priority <p>', 'high | medium | low', 'medium'),
  )
    .addHelpText('after', '\nExample:\n  $ orchestra --as worker-infra doubt worker-infra "Which test framework should I use?" --body "pytest or vitest?"')
    .action(async (worker: string, title: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      c.requireWorker(worker);
      const me = c.identity;
      if (me !== 'lead' && me !== worker) throw new UsageError(`${me} cannot ask in ${worker}'s name: use --as ${worker}`);
      const t = checkTitle(title);
      const body = readBody(opts);
      let re: string | undefined = opts.re;
      if (re) findDoc(c, re);
      else {
        const loaded = await c.load({ liveOnly: true });
        const working = loaded.docs.filter((d) => d.type === 'order' && d.to === worker && loaded.derived.orders.get(d.id)?.state === 'in_progress');
        if (working.length === 1) re = working[0].id;
      }
      const w = await writeDoc(c.ws, c.git, { type: 'doubt', title: t, from: worker, to: 'daemon', worker, re, priority: parsePriority(opts.priority), body }, { actor: me });
      printWritten(c, w);
    });

  bodyOptions(
    program
      .command('answer')
      .description('answer a doubt or an escalation')
      .argument('<doc>', 'the doubt or escalation answered')
      .option('--title <title>', 'answer title (default: "Re: <title>")'),
  )
    .addHelpText('after', '\nExample:\n  $ orchestra answer 20261124-215000-doubt-which-test-framework-x1y2 --body "vitest, like the rest of the project"')
    .action(async (id: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      const me = c.identity;
      const target = findDoc(c, id);
      if (target.type !== 'doubt' && target.type !== 'escalation') {
        throw new UsageError(`${id} is a ${target.type}: only doubts and escalations are answered`);
      }
      const body = readBody(opts);
      if (!body?.trim()) throw new UsageError('an answer needs its text: give --body or --file');
      const to = target.type === 'doubt' ? target.from : target.worker;
      const title = opts.title ? checkTitle(opts.title) : `Re: ${target.title}`.slice(0, 200);
      const w = await writeDoc(c.ws, c.git, { type: 'answer', title, from: me, to, worker: target.worker, re: id, priority: target.priority, body }, { actor: me });
      printWritten(c, w);
    });
};
