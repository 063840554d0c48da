/**
 * The brain decides; the daemon acts. A brain returns data (orders to propose, an answer, or a reason to
 * escalate), never paths, ids, authors or commands: the daemon's own code turns a decision into docs.
 */
import type { BrainKind, Config } from '../core/config.js';
import type { Doc, Priority } from '../core/doc.js';
import type { Derived } from '../core/state.js';

export interface Snapshot {
  config: Config;
  /** Every live doc, oldest first. */
  docs: readonly Doc[];
  derived: Derived;
  now: Date;
}

export interface BrainRequest {
  /** `next-orders` after a completed or partial report; `answer-doubt` for a doubt. */
  kind: 'next-orders' | 'answer-doubt';
  /** The report or doubt being handled. */
  trigger: Doc;
  snapshot: Snapshot;
  /** The worker's standing prompt (text of its prompt file), when it has one. */
  prompt?: string;
}

export interface ProposedOrder {
  worker: string;
  title: string;
  body: string;
  priority: Priority;
  /** Ids of existing orders this one must wait for. */
  after?: string[];
}

export type BrainDecision =
  | { action: 'create_orders'; orders: ProposedOrder[]; note?: string }
  | { action: 'answer_doubt'; title?: string; body: string; source?: string }
  | { action: 'escalate'; reason: string };

export interface Brain {
  readonly name: BrainKind;
  decide(req: BrainRequest): Promise<BrainDecision>;
  /** Status for `orchestra status` / metrics (calls today, budget, breaker...). */
  describe?(): Record<string, unknown>;
  close?(): Promise<void>;
}
