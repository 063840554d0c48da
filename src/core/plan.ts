/**
 * The daemon's decision table (DESIGN.md, "The daemon") as a pure planner. `planTrigger` says what a new doc
 * calls for; when it asks the brain, `reactionsFor` turns the brain's decision into the docs to write. Both take
 * every input as an argument (docs, derived state, config, clock, recent reaction counts): no I/O here, so the
 * table is tested without a daemon, a brain or a disk.
 */
import type { Config } from './config.js';
import type { Doc, DocType, Outcome, Priority } from './doc.js';
import { IDLE_TAG, OPEN_ORDER_STATES, type Derived } from './state.js';

/** A doc the daemon will write: the same shape `writeDoc` takes, always `from: daemon` and `re: <trigger>`. */
export interface ReactionDoc {
  type: DocType;
  title: string;
  from: 'daemon';
  to: string;
  worker: string;
  priority?: Priority;
  re: string;
  after?: string[];
  outcome?: Outcome;
  tags?: string[];
  body?: string;
}

/** Loop guards: past these, the daemon escalates to the lead instead of answering or ordering. */
export interface Limits {
  /** Docs one trigger may cause (a brain proposing more is escalated instead). */
  perTrigger: number;
  /** Answers and orders sent back to one worker per hour (what could feed a loop: escalations go to the lead). */
  perWorkerPerHour: number;
}

export const DEFAULT_LIMITS: Limits = { perTrigger: 5, perWorkerPerHour: 100 };

export interface PlanInput {
  trigger: Doc;
  /** Live docs, oldest first. */
  docs: readonly Doc[];
  derived: Derived;
  config: Config;
  now: Date;
  limits: Limits;
  /** Answers and orders the daemon sent to each worker in the last hour (including those planned in this batch). */
  recentToWorker: ReadonlyMap<string, number>;
}

export type Step =
  /** Nothing to write; the message is logged. */
  | { kind: 'log'; message: string }
  /** Ask the brain; its decision goes through `reactionsFor`. */
  | { kind: 'ask'; request: 'next-orders' | 'answer-doubt'; message: string }
  /** Escalate to the lead without asking the brain. `guard` when a loop guard tripped. */
  | { kind: 'escalate'; reason: string; guard?: string; reactions: ReactionDoc[] };

/** What the brain decided, as the planner needs it (structurally the Brain's `BrainDecision`). */
export type Decision =
  | { action: 'create_orders'; orders: { worker: string; title: string; body: string; priority: Priority; after?: string[] }[]; note?: string }
  | { action: 'answer_doubt'; title?: string; body: string; source?: string }
  | { action: 'escalate'; reason: string };

export interface Reaction {
  /** Docs to write (possibly none). */
  docs: ReactionDoc[];
  /** What was decided, one line for the log. */
  message: string;
  /** Set when a loop guard tripped: why. */
  guard?: string;
}

const HOUR = 3_600_000;

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 3)}...` : one;
}

function quote(doc: Doc): string {
  const body = doc.body.trim();
  const lines = body ? body.split('\n').slice(0, 20).map((l) => `> ${l}`) : ['> (no body)'];
  return `${doc.type} \`${doc.id}\` from ${doc.from}: "${doc.title}"\n\n${lines.join('\n')}`;
}

export function escalation(trigger: Doc, title: string, reason: string, priority: Priority = 'high', tags?: string[]): ReactionDoc {
  return {
    ...(tags ? { tags } : {}),
    type: 'escalation',
    title: clip(title, 200),
    from: 'daemon',
    to: 'lead',
    worker: trigger.worker,
    priority,
    re: trigger.id,
    body: `${reason}\n\n${quote(trigger)}\n\n${
      tags?.includes(IDLE_TAG)
        ? `The next order to ${trigger.worker} settles this notice.`
        : 'Answer with `orchestra answer <this id> --body "..."`, or write an order with `re:` set to this escalation.'
    }`,
  };
}

/** Open orders of a worker (pending, waiting, in progress, blocked). */
export function openOrdersOf(worker: string, docs: readonly Doc[], derived: Derived): Doc[] {
  return docs.filter((d) => d.type === 'order' && d.to === worker && OPEN_ORDER_STATES.has(derived.orders.get(d.id)?.state ?? 'pending'));
}

/**
 * Orders ready now that `order` is completed, which had to wait for it (scenario B): they name it in `after`, or
 * their worker depends on its worker and it was created before them.
 */
export function unblockedBy(order: string, docs: readonly Doc[], derived: Derived, config: Config): Doc[] {
  const done = derived.byId.get(order);
  if (!done || done.type !== 'order') return [];
  const deps = new Map(config.workers.map((w) => [w.name, w.dependsOn]));
  return docs.filter((d) => {
    if (d.type !== 'order' || d.id === order || derived.orders.get(d.id)?.state !== 'pending') return false;
    return d.after.includes(order) || ((deps.get(d.to) ?? []).includes(done.to) && done.created < d.created);
  });
}

/** Answers and orders the daemon sent to each worker since `now - 1h`, read from the docs themselves. */
export function recentReactions(docs: readonly Doc[], now: Date): Map<string, number> {
  const since = new Date(now.getTime() - HOUR).toISOString();
  const counts = new Map<string, number>();
  for (const d of docs) {
    if (d.from !== 'daemon' || (d.type !== 'answer' && d.type !== 'order') || d.created < since) continue;
    counts.set(d.to, (counts.get(d.to) ?? 0) + 1);
  }
  return counts;
}

/** The decision table: what a new doc calls for. */
export function planTrigger(input: PlanInput): Step {
  const { trigger: t, derived } = input;
  if (t.from === 'daemon') return { kind: 'log', message: `${t.type} from daemon: never reacts to itself` };
  switch (t.type) {
    case 'order': {
      const info = derived.orders.get(t.id);
      const waiting = info?.state === 'waiting' ? ` (waiting on ${info.waitingOn.join(', ')})` : '';
      return { kind: 'log', message: `order for ${t.to} from ${t.from}: "${clip(t.title, 80)}"${waiting}` };
    }
    case 'answer':
    case 'escalation':
      return { kind: 'log', message: `${t.type} from ${t.from} to ${t.to}: "${clip(t.title, 80)}"` };
    case 'report': {
      if (t.outcome === 'blocked') {
        return {
          kind: 'escalate',
          reason: `blocked report from ${t.from}`,
          reactions: [escalation(t, /^blocked\b/i.test(t.title) ? t.title : `Blocked: ${t.title}`, `${t.from} reports it cannot go on${t.re ? ` with order \`${t.re}\`` : ''}.`)],
        };
      }
      const guard = guardFor(input);
      if (guard) return guard;
      return { kind: 'ask', request: 'next-orders', message: `${t.outcome} report from ${t.from}: asking the brain for next orders` };
    }
    case 'doubt': {
      const guard = guardFor(input);
      if (guard) return guard;
      return { kind: 'ask', request: 'answer-doubt', message: `doubt from ${t.from}: asking the brain for an answer` };
    }
  }
}

function guardFor(input: PlanInput): Step | undefined {
  const worker = input.trigger.from;
  const recent = input.recentToWorker.get(worker) ?? 0;
  if (recent < input.limits.perWorkerPerHour) return undefined;
  const guard = `loop guard: the daemon already sent ${recent} answers or orders to ${worker} in the last hour (limit ${input.limits.perWorkerPerHour})`;
  return {
    kind: 'escalate',
    reason: guard,
    guard,
    reactions: [escalation(input.trigger, `Loop guard: ${input.trigger.title}`, `${guard}; the lead decides instead of the brain.`)],
  };
}

/** Turns the brain's decision on a trigger into the docs to write. */
export function reactionsFor(input: PlanInput, decision: Decision): Reaction {
  const { trigger: t, docs, derived, config, limits } = input;
  const workers = new Set(config.workers.map((w) => w.name));
  if (decision.action === 'escalate') {
    return { docs: [escalation(t, `Needs the lead: ${t.title}`, decision.reason)], message: `escalated: ${clip(decision.reason, 120)}` };
  }
  if (decision.action === 'answer_doubt') {
    if (t.type !== 'doubt') return { docs: [escalation(t, `Needs the lead: ${t.title}`, 'the brain answered a doc that is not a doubt')], message: 'escalated: brain answered a non-doubt' };
    const source = decision.source ? `\n\n_Answered by the daemon (${decision.source})._` : '';
    return {
      docs: [
        {
          type: 'answer',
          title: clip(decision.title ?? `Re: ${t.title}`, 200),
          from: 'daemon',
          to: t.from,
          worker: t.worker,
          priority: t.priority,
          re: t.id,
          body: `${decision.body.trim()}${source}`,
        },
      ],
      message: `answered${decision.source ? ` from ${decision.source}` : ''}`,
    };
  }
  // create_orders
  const orders = decision.orders;
  if (orders.length > limits.perTrigger) {
    const guard = `loop guard: the brain proposed ${orders.length} orders for one trigger (limit ${limits.perTrigger})`;
    return { docs: [escalation(t, `Loop guard: ${t.title}`, `${guard}; the lead decides instead.`)], message: guard, guard };
  }
  const unknown = orders.find((o) => !workers.has(o.worker));
  if (unknown) {
    return { docs: [escalation(t, `Needs the lead: ${t.title}`, `the brain proposed an order for unknown worker "${unknown.worker}"`)], message: `escalated: unknown worker ${unknown.worker}` };
  }
  if (orders.length) {
    return {
      docs: orders.map((o) => ({
        type: 'order' as const,
        title: clip(o.title, 200),
        from: 'daemon' as const,
        to: o.worker,
        worker: o.worker,
        priority: o.priority,
        re: t.id,
        after: (o.after ?? []).filter((a) => derived.byId.get(a)?.type === 'order'),
        body: o.body,
      })),
      message: `${orders.length} new order${orders.length === 1 ? '' : 's'} for ${[...new Set(orders.map((o) => o.worker))].join(', ')}`,
    };
  }
  // A report the lead filed on the worker's order (`from: lead`) still speaks for the worker's thread.
  const worker = t.from === 'lead' ? t.worker : t.from;
  const unblocked = t.re && t.outcome === 'completed' ? unblockedBy(t.re, docs, derived, config).map((d) => `${d.id} (${d.to})`) : [];
  const note = unblocked.length ? `; now ready: ${unblocked.join(', ')}` : '';
  const open = workers.has(worker) ? openOrdersOf(worker, docs, derived) : [];
  if (open.length || !workers.has(worker)) {
    return { docs: [], message: `no new orders; ${worker} has ${open.length} open order${open.length === 1 ? '' : 's'}${note}` };
  }
  // The lead closed the order itself: telling the lead the worker is idle would tell it what it just did.
  if (t.from === 'lead') return { docs: [], message: `no new orders; the lead closed ${worker}'s last order${note}` };
  return {
    docs: [escalation(t, `Worker idle: ${worker}`, `${worker} finished its work and has no open order left: give it the next order (no answer needed).`, 'medium', [IDLE_TAG])],
    message: `no new orders and ${worker} has none open: escalated "worker idle"${note}`,
  };
}
