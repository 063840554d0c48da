import { faqMatch } from '../../core/faq.js';
import type { Brain, BrainDecision, BrainRequest } from '../brain.js';

/**
 * The offline brain. Next orders: none, because the ready queue already holds the plan the lead wrote.
 * Doubts: answered from `faq` when one matches, else escalated to the lead.
 */
export class RulesBrain implements Brain {
  readonly name = 'rules' as const;

  async decide(req: BrainRequest): Promise<BrainDecision> {
    if (req.kind === 'next-orders') return { action: 'create_orders', orders: [] };
    const hit = faqMatch(req.trigger, req.snapshot.config);
    if (hit) return { action: 'answer_doubt', body: hit.answer, source: `faq: ${hit.match}` };
    return { action: 'escalate', reason: 'no faq entry matches this doubt: the lead must answer it' };
  }
}
