import type { Command } from 'commander';
import { planAnswer, planCancel, planDoubt, planOrder, planReport, planStart, type ActionEnv, type ActionState, type Decision, type Plan } from '../../core/actions.js';
import { PRIORITIES, type Doc, type Priority } from '../../core/doc.js';
import { isValidId, resolveId } from '../../core/ids.js';
import { workerNames } from '../../core/workers.js';
import { Forbidden, NotFoundError, UsageError, ValidationError } from '../../errors.js';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { derive } from '../../core/state.js';
import { locateDoc, readDocFile } from '../../store/docs.js';
import { rel } from '../../store/workspace.js';
import { applyPlan, cryptoRandom, type Applied } from '../../store/write.js';
import { checkTitle, readBody, type Ctx } from '../context.js';
import type { Register } from '../context.js';

const PRIORITY_INPUT: Record<string, Priority> = { high: 'high', medium: 'medium', low: 'low', alta: 'high', media: 'medium', baja: 'low' };

function parsePriority(p: string | undefined): Priority {
  if (p === undefined) return 'medium';
  const v = PRIORITY_INPUT[p.toLowerCase()];
  if (!v) throw new UsageError(`unknown priority "${p}": use ${PRIORITIES.join(', ')}`);
  return v;
}

/** The live docs the actions decide on (an archived thread is settled: nothing acts on it). */
async function stateOf(c: Ctx): Promise<ActionState> {
  const loaded = await c.load({ liveOnly: true });
  return { config: loaded.config, docs: loaded.docs, derived: loaded.derived };
}

/**
 * For actions that only look at the docs they name (order --after, report, doubt --re, answer): every live id
 * from one readdir per worker folder, and only the named docs read, so a write stays cheap however many docs
 * there are (the chaos and concurrency tests write hundreds while a daemon runs).
 */
function namedStateOf(c: Ctx, refs: readonly string[]): ActionState {
  // Nothing named (an order without --after): no folder to list.
  if (!refs.length) return { config: c.config, docs: [], derived: derive([], c.config), ids: [] };
  const workers = workerNames(c.config);
  const ids: string[] = [];
  const where = new Map<string, string>();
  for (const w of workers) {
    let names: string[] = [];
    try {
      names = readdirSync(path.join(c.ws.docsDir, w));
    } catch {
      continue;
    }
    for (const n of names) {
      if (n.startsWith('.') || !n.endsWith('.md')) continue;
      const id = n.slice(0, -3);
      ids.push(id);
      where.set(id, w);
    }
  }
  const docs: Doc[] = [];
  const now = new Date().toISOString();
  for (const ref of refs) {
    const r = resolveId(ids, ref);
    if (!r.ok || docs.some((d) => d.id === r.id)) continue;
    const abs = path.join(c.ws.docsDir, where.get(r.id)!, `${r.id}.md`);
    const read = readDocFile({ abs, relPath: rel(c.ws, abs), worker: where.get(r.id)!, id: r.id, archived: false }, workers, now);
    if (!read.doc) throw new ValidationError(read.problems);
    docs.push(read.doc);
  }
  return { config: c.config, docs, derived: derive(docs, c.config), ids };
}

const env = (): ActionEnv => ({ now: new Date(), random: cryptoRandom });

/** A refusal becomes the CLI's error: who-may-do-what exits 1 (DESIGN), bad input 2, a missing doc 1. */
function planOrThrow(c: Ctx, d: Decision, ids: readonly string[] = []): Plan {
  if (d.ok) return d.plan;
  const r = d.refusal;
  if (r.kind === 'forbidden') throw new Forbidden(r.message, r.rule);
  if (r.kind === 'not_found') {
    // Only live docs were read: say so when the id is that of an archived doc.
    const archived = ids.find((id) => isValidId(id) && locateDoc(c.ws, id, workerNames(c.config))?.archived);
    if (archived) throw new UsageError(`${archived} is archived: it was settled long ago`);
    throw new NotFoundError(r.message);
  }
  throw new UsageError(r.message);
}

async function apply(c: Ctx, plan: Plan): Promise<Applied> {
  return applyPlan(c.ws, c.git, plan);
}

function printWritten(c: Ctx, a: Applied, extra: Record<string, unknown> = {}) {
  const w = a.written[0];
  if (c.json) c.io.out(JSON.stringify({ id: w.id, path: w.path, commit: a.commit, ...extra }));
  else c.io.out(w.id);
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
      const me = c.identity;
      const after = opts.after as string[];
      const plan = planOrThrow(c, planOrder(namedStateOf(c, after), me, { action: 'order', to: worker, title: t, priority, after, tags: opts.tag, body }, env()), after);
      printWritten(c, await apply(c, plan));
    });

  const statusChange = (name: 'start' | 'cancel') =>
    program
      .command(name)
      .description(name === 'start' ? 'mark an order in progress (committed)' : 'cancel an order (committed)')
      .argument('<order>', 'order id (or its unique tail, e.g. k3f9)')
      .option('--force', name === 'start' ? 'start even if the order is waiting on others' : 'cancel even if it is not open')
      .addHelpText('after', `\nExample:\n  $ orchestra --as worker-core ${name} 20261124-214000-order-optimize-propagation-k3f9`)
      .action(async (id: string, opts, cmd: Command) => {
        const c = ctx(cmd);
        const me = c.identity;
        const state = await stateOf(c);
        const req = { action: name, order: id, force: !!opts.force } as const;
        const plan = planOrThrow(c, name === 'start' ? planStart(state, me, { ...req, action: 'start' }) : planCancel(state, me, { ...req, action: 'cancel' }), [id]);
        const applied = await apply(c, plan);
        if (c.json) c.io.out(JSON.stringify({ id: applied.doc, status: name === 'start' ? 'in_progress' : 'cancelled', commit: applied.commit }));
        else c.io.out(applied.doc);
      });
  statusChange('start');
  statusChange('cancel');

  bodyOptions(
    program
      .command('report')
      .description('report on an order: writes the report, updates the order, commits both')
      .argument('<order>', 'the order reported on (or its unique tail)')
      .option('--partial', 'part of the work is done; the order stays in progress')
      .option('--blocked', 'cannot go on; the daemon escalates to the lead')
      .option('--title <title>', 'report title (default: from the order)'),
  )
    .addHelpText('after', '\nExample:\n  $ orchestra --as worker-core report 20261124-214000-order-optimize-propagation-k3f9 --body "p99 now 3.1 ms; tests in test/prop.test.ts"')
    .action(async (id: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      if (opts.partial && opts.blocked) throw new UsageError('give --partial or --blocked, not both');
      const me = c.identity;
      const outcome = opts.blocked ? 'blocked' : opts.partial ? 'partial' : 'completed';
      const title = opts.title ? checkTitle(opts.title) : undefined;
      const body = readBody(opts);
      const plan = planOrThrow(c, planReport(namedStateOf(c, [id]), me, { action: 'report', order: id, outcome, title, body }, env()), [id]);
      const applied = await apply(c, plan);
      printWritten(c, applied, { order: applied.written[0].doc.re, outcome });
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
      const t = checkTitle(title);
      const body = readBody(opts);
      const re = opts.re as string | undefined;
      const plan = planOrThrow(c, planDoubt(re ? namedStateOf(c, [re]) : await stateOf(c), me, { action: 'doubt', worker, title: t, body, re, priority: parsePriority(opts.priority) }, env()), re ? [re] : []);
      printWritten(c, await apply(c, plan));
    });

  bodyOptions(
    program
      .command('answer')
      .description('answer a doubt or an escalation')
      .argument('<doc>', 'the doubt or escalation answered (or its unique tail)')
      .option('--title <title>', 'answer title (default: "Re: <title>")'),
  )
    .addHelpText('after', '\nExample:\n  $ orchestra answer 20261124-215000-doubt-which-test-framework-x1y2 --body "vitest, like the rest of the project"')
    .action(async (id: string, opts, cmd: Command) => {
      const c = ctx(cmd);
      const me = c.identity;
      const body = readBody(opts) ?? '';
      const title = opts.title ? checkTitle(opts.title) : undefined;
      const plan = planOrThrow(c, planAnswer(namedStateOf(c, [id]), me, { action: 'answer', target: id, title, body }, env()), [id]);
      printWritten(c, await apply(c, plan));
    });
};
