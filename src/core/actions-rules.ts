/**
 * Who may do what (DESIGN.md), as pure checks. Each returns the refusal naming its rule, or undefined. The one set
 * of actions calls them for every caller alike: the CLI's `--as`, the HTTP API, the demo and MCP.
 */
import type { Doc } from './doc.js';
import { findWorker, type Config } from './workers.js';

export type RefusalKind = 'forbidden' | 'invalid' | 'not_found';

export interface Refusal {
  kind: RefusalKind;
  /** A stable name for the rule (tests and callers match on it; the message is for people). */
  rule: string;
  message: string;
}

export const refuse = (kind: RefusalKind, rule: string, message: string): Refusal => ({ kind, rule, message });

/** The rules, by name, with the sentence each refusal ends with. */
export const RULES = {
  'daemon-only': 'nobody but the daemon process writes as daemon',
  'known-actor': 'an actor is lead, daemon or a worker declared in orchestra.yaml',
  'orders-from-lead': 'only the lead orders other workers, or a worker with `orchestrate: true` in orchestra.yaml',
  'own-orders': 'a worker starts and reports only its own orders',
  'cancel-own': 'an order is cancelled by the lead, the worker it is for, or the worker who gave it',
  'own-thread': 'a worker asks only in its own thread',
  'answers-from-lead': 'only the lead answers doubts and escalations',
  'review-by-lead': "only the lead approves or rejects the daemon's proposals",
} as const;

export type RuleName = keyof typeof RULES;

const forbid = (rule: RuleName, what: string): Refusal => refuse('forbidden', rule, `${what}: ${RULES[rule]}`);

/** Every write starts here: the actor must be someone, and not the daemon (its own code writes as itself). */
export function checkActor(config: Config, actor: string): Refusal | undefined {
  if (actor === 'daemon') return forbid('daemon-only', 'daemon cannot write through this path');
  if (actor !== 'lead' && !findWorker(config, actor)) return forbid('known-actor', `unknown identity "${actor}"`);
  return undefined;
}

/** A worker ordering itself records its own plan; ordering another worker is directing, which needs the flag. */
export function mayOrder(config: Config, actor: string, to: string): Refusal | undefined {
  if (actor === 'lead' || actor === to) return undefined;
  if (findWorker(config, actor)?.orchestrate) return undefined;
  return forbid('orders-from-lead', `${actor} cannot order ${to}`);
}

export function mayStart(actor: string, order: Doc): Refusal | undefined {
  if (actor === order.to) return undefined;
  return refuse('forbidden', 'own-orders', `${actor} cannot start ${order.id}: it is ${order.to}'s order (${RULES['own-orders']})`);
}

export function mayReport(actor: string, order: Doc): Refusal | undefined {
  if (actor === order.to) return undefined;
  return refuse('forbidden', 'own-orders', `${actor} cannot report on ${order.id}: it is ${order.to}'s order (${RULES['own-orders']})`);
}

export function mayCancel(actor: string, order: Doc): Refusal | undefined {
  if (actor === 'lead' || actor === order.to || actor === order.from) return undefined;
  return forbid('cancel-own', `${actor} cannot cancel ${order.id}`);
}

export function mayAsk(actor: string, worker: string): Refusal | undefined {
  if (actor === worker) return undefined;
  return forbid('own-thread', `${actor} cannot ask in ${worker}'s thread`);
}

export function mayAnswer(actor: string, target: Doc): Refusal | undefined {
  if (actor === 'lead') return undefined;
  return forbid('answers-from-lead', `${actor} cannot answer ${target.id}`);
}

/** Review mode: what the daemon proposed reaches the workers only by the lead's hand. */
export function mayReview(actor: string, verb: 'approve' | 'reject'): Refusal | undefined {
  if (actor === 'lead') return undefined;
  return forbid('review-by-lead', `${actor} cannot ${verb} proposals`);
}
