/**
 * The three tools the model may call, and the only effects it can have: propose orders, answer a doubt, or
 * escalate to the lead. One zod schema per tool gives both the JSON Schema sent to the API and the check of
 * the reply, so the two cannot drift apart. The model never chooses paths, ids or authors: the schemas have
 * no such fields and are strict, so a reply carrying them fails validation.
 */
import { z } from 'zod';
import type { Config } from '../../core/config.js';
import { PRIORITIES, plainTextProblem, type Doc } from '../../core/doc.js';
import type { Derived } from '../../core/state.js';
import type { BrainDecision, BrainRequest } from '../brain.js';

export const TOOL_NAMES = ['create_order', 'answer_doubt', 'escalate'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** At most this many orders per decision: a runaway reply cannot flood a worker's queue. */
export const MAX_ORDERS = 5;
const MAX_BODY = 20_000;

const title = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((s) => !/[\r\n]/.test(s), 'must be a single line')
  .refine((s) => !plainTextProblem(s), 'must be plain text: no control characters')
  .describe('one line, at most 200 characters');

/** The static schemas: they depend on the config only (worker names), so they stay cacheable. */
export function toolSchemas(config: Config) {
  const workers = config.workers.map((w) => w.name) as [string, ...string[]];
  const order = z.strictObject({
    worker: z.enum(workers).describe('the worker who will carry the order out; one of the declared workers'),
    title,
    body: z.string().min(1).max(MAX_BODY).describe('the full specification in Markdown, ending with concrete done-criteria'),
    priority: z.enum(PRIORITIES).default('medium'),
    after: z
      .array(z.string())
      .max(10)
      .optional()
      .describe('ids of existing open orders that must be completed before this one can start'),
  });
  return {
    create_order: z.strictObject({
      orders: z
        .array(order)
        .max(MAX_ORDERS)
        .describe('the next orders, most important first; an empty list when no new order is needed'),
      note: z.string().max(2_000).optional().describe('one or two sentences for the lead on why'),
    }),
    answer_doubt: z.strictObject({
      title: title.optional(),
      body: z.string().min(1).max(MAX_BODY).describe('the answer, in Markdown, addressed to the worker who asked'),
    }),
    escalate: z.strictObject({
      reason: z.string().trim().min(1).max(2_000).describe('what the lead must decide, and why you cannot'),
    }),
  };
}

export type ToolSchemas = ReturnType<typeof toolSchemas>;

const DESCRIPTIONS: Record<ToolName, string> = {
  create_order:
    'Propose the next orders after a worker\'s report. Only for a report trigger. Orders go to declared workers only; ' +
    'orchestra chooses ids, files and authors itself.',
  answer_doubt: 'Answer the worker\'s doubt when the team\'s plan, prompts and thread settle it. Only for a doubt trigger.',
  escalate: 'Hand the decision to the human lead: when it needs a human judgement, or the data asks for anything beyond these tools.',
};

export interface ToolDefinition {
  name: ToolName;
  description: string;
  input_schema: { type: 'object'; [k: string]: unknown };
}

/** Tool definitions for the Messages API, generated from the same schemas that validate the reply. */
export function toolDefinitions(schemas: ToolSchemas): ToolDefinition[] {
  return TOOL_NAMES.map((name) => {
    const { $schema: _drop, ...schema } = z.toJSONSchema(schemas[name], { io: 'input' }) as Record<string, unknown>;
    return { name, description: DESCRIPTIONS[name], input_schema: { ...schema, type: 'object' } };
  });
}

/** Workers that depend, directly or through others, on `worker`. */
function dependents(config: Config, worker: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const w of config.workers) {
      if (out.has(w.name)) continue;
      if (w.dependsOn.some((d) => d === worker || out.has(d))) {
        out.add(w.name);
        grew = true;
      }
    }
  }
  return out;
}

export interface ToolContext {
  kind: BrainRequest['kind'];
  config: Config;
  docs: ReadonlyMap<string, Doc>;
  derived: Derived;
}

export type ToolResult = { ok: true; decision: BrainDecision } | { ok: false; error: string };

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

/**
 * Validates one tool call against its schema and the workspace: the tool fits the trigger, `after` names
 * existing open orders, and no order waits on a worker that itself depends on the order's worker (that would
 * turn `depends_on` around and deadlock both).
 */
export function validateToolCall(name: string, input: unknown, schemas: ToolSchemas, ctx: ToolContext): ToolResult {
  if (!(TOOL_NAMES as readonly string[]).includes(name)) return { ok: false, error: `unknown tool "${name}": call one of ${TOOL_NAMES.join(', ')}` };
  const tool = name as ToolName;
  if (tool === 'create_order' && ctx.kind !== 'next-orders') return { ok: false, error: 'create_order is only for a report; for a doubt call answer_doubt or escalate' };
  if (tool === 'answer_doubt' && ctx.kind !== 'answer-doubt') return { ok: false, error: 'answer_doubt is only for a doubt; for a report call create_order or escalate' };

  if (tool === 'escalate') {
    const r = schemas.escalate.safeParse(input);
    return r.success ? { ok: true, decision: { action: 'escalate', reason: r.data.reason } } : { ok: false, error: issuesText(r.error) };
  }
  if (tool === 'answer_doubt') {
    const r = schemas.answer_doubt.safeParse(input);
    return r.success
      ? { ok: true, decision: { action: 'answer_doubt', title: r.data.title, body: r.data.body, source: 'anthropic' } }
      : { ok: false, error: issuesText(r.error) };
  }
  const checked = schemas.create_order.superRefine((value, rc) => {
    value.orders.forEach((o, i) => {
      const deps = dependents(ctx.config, o.worker);
      (o.after ?? []).forEach((id, j) => {
        const path = ['orders', i, 'after', j];
        const doc = ctx.docs.get(id);
        if (!doc || doc.type !== 'order') {
          rc.addIssue({ code: 'custom', path, message: `"${id}" is not an existing order id` });
          return;
        }
        const state = ctx.derived.orders.get(id)?.state;
        if (state === 'cancelled') rc.addIssue({ code: 'custom', path, message: `order "${id}" is cancelled and will never complete` });
        else if (deps.has(doc.to)) {
          rc.addIssue({ code: 'custom', path, message: `${doc.to} depends on ${o.worker}, so ${o.worker}'s order cannot wait for ${doc.to}'s order "${id}"` });
        }
      });
    });
  });
  const r = checked.safeParse(input);
  if (!r.success) return { ok: false, error: issuesText(r.error) };
  return {
    ok: true,
    decision: {
      action: 'create_orders',
      orders: r.data.orders.map((o) => ({ worker: o.worker, title: o.title, body: o.body, priority: o.priority, ...(o.after?.length ? { after: o.after } : {}) })),
      ...(r.data.note ? { note: r.data.note } : {}),
    },
  };
}
