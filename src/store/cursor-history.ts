/**
 * The daemon's cursor rebuilt from git history, for a start with no `.orchestra/state/` (`git clean -xfd`, a fresh
 * clone of a team's repository). Only a workspace whose history holds none of the daemon's commits is a first start;
 * otherwise adopting every doc as handled would leave the doubts asked while it was down unanswered forever.
 */
import type { Doc } from '../core/doc.js';
import { ACTOR_TRAILER, type Git } from './git.js';

/** When the daemon last committed here (ISO), or undefined when it never did. */
export async function lastDaemonCommit(git: Git): Promise<string | undefined> {
  const out = await git.raw(['log', '-1', '--format=%cI', `--grep=^${ACTOR_TRAILER}: daemon$`, '--', '.orchestra']).catch(() => '');
  return out.trim() || undefined;
}

/**
 * The ids to count as handled. A doubt or blocked report always gets a reaction, so without one on disk it is not
 * handled, whenever it was written. Other docs may get none (an order, an answer, a report with work left): those
 * from before the daemon's last commit were seen by it; newer ones are handled now.
 */
export function handledFromHistory(docs: readonly Doc[], lastDaemon: string): Set<string> {
  const reacted = new Set<string>();
  for (const d of docs) if (d.from === 'daemon' && d.re) reacted.add(d.re);
  const before = Date.parse(lastDaemon);
  const handled = new Set<string>();
  for (const d of docs) {
    if (d.from === 'daemon' || reacted.has(d.id)) {
      handled.add(d.id);
      continue;
    }
    const alwaysReacted = d.type === 'doubt' || (d.type === 'report' && d.outcome === 'blocked');
    if (!alwaysReacted && Date.parse(d.created) <= before) handled.add(d.id);
  }
  return handled;
}
