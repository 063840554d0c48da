/**
 * The merge rule for two clones that changed the same order at once (README, "Sync across machines"): an order's
 * status only moves forward, and a settled order stays settled. When the two sides of a conflicted doc differ in
 * nothing but their `status:` line, the side whose status ranks higher wins whole; anything else is not ours to
 * decide (the caller aborts and says so). Pure: text in, text out.
 */

/** pending → in_progress → blocked → cancelled → completed: later wins (work done beats its cancellation). */
const RANK: Record<string, number> = { pending: 0, in_progress: 1, blocked: 2, cancelled: 3, completed: 4 };

interface Split {
  /** The text with its frontmatter `status:` line taken out (what the two sides must agree on). */
  rest: string;
  status: string | undefined;
}

function split(text: string): Split | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines[0]?.replace(/^\ufeff/, '').trimEnd() !== '---') return undefined;
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---');
  if (close <= 0) return undefined;
  let status: string | undefined;
  const kept: string[] = [];
  lines.forEach((l, i) => {
    const m = i > 0 && i < close ? /^status\s*:\s*["']?([a-z_]+)["']?\s*(#.*)?$/.exec(l) : null;
    if (m) status = m[1];
    else kept.push(l);
  });
  return { rest: kept.join('\n'), status };
}

/**
 * The resolved text of a doc both sides changed, or `undefined` when the rule does not apply (bodies or other
 * keys differ, a side has no known status). `upstream` is the version already on the remote, `local` this
 * clone's; on equal rank the remote's stays (it arrived first).
 */
export function mergeStatusConflict(upstream: string, local: string): string | undefined {
  const a = split(upstream);
  const b = split(local);
  if (!a || !b || a.rest !== b.rest || a.status === undefined || b.status === undefined) return undefined;
  const ra = RANK[a.status];
  const rb = RANK[b.status];
  if (ra === undefined || rb === undefined) return undefined;
  return rb > ra ? local : upstream;
}

/** Which of two statuses the rule keeps (for messages and tests). */
export function winningStatus(a: string, b: string): string {
  return (RANK[b] ?? -1) > (RANK[a] ?? -1) ? b : a;
}
