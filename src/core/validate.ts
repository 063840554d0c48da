import type { Problem } from '../errors.js';
import type { Doc } from './doc.js';

/** Checks between docs: references that lead nowhere or to the wrong kind of doc. Pure. */
export function crossCheck(docs: readonly Doc[]): Problem[] {
  const byId = new Map(docs.map((d) => [d.id, d]));
  const problems: Problem[] = [];
  for (const d of docs) {
    if (d.re) {
      const target = byId.get(d.re);
      if (!target) problems.push({ file: d.path, field: 're', message: `refers to "${d.re}", which is not a doc of this workspace: fix the id or remove it` });
      else if (d.type === 'report' && target.type !== 'order') problems.push({ file: d.path, field: 're', message: `a report must refer to an order, and "${d.re}" is a ${target.type}` });
      else if (d.type === 'answer' && target.type !== 'doubt' && target.type !== 'escalation') {
        problems.push({ file: d.path, field: 're', message: `an answer must refer to a doubt or escalation, and "${d.re}" is a ${target.type}` });
      }
    }
    d.after.forEach((a, i) => {
      const target = byId.get(a);
      if (!target) problems.push({ file: d.path, field: `after[${i}]`, message: `waits for "${a}", which is not a doc of this workspace: it would wait forever` });
      else if (target.type !== 'order') problems.push({ file: d.path, field: `after[${i}]`, message: `waits for "${a}", which is a ${target.type}, not an order` });
      else if (a === d.id) problems.push({ file: d.path, field: `after[${i}]`, message: 'an order cannot wait for itself' });
    });
  }
  return problems;
}
