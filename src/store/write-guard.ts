/**
 * What keeps one write exactly once when something else happens at the same moment (issue 12 item 8):
 * - Ctrl-C in the middle: the signal waits until the doc is committed (or rolled back), so nothing is left on disk
 *   for the daemon to commit later, and the id is printed: a retry would otherwise duplicate the doc.
 * - someone's `git commit -a` takes the doc (or the edit) first: it is committed, which is what was asked; that is
 *   success.
 */
import type { Git } from './git.js';

const DEFERRED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Runs `fn` with termination signals held. A signal that arrives meanwhile is acted on when `fn` has settled: the
 * process exits with the signal's code once the command has printed what it did, unless another part of the
 * program (the daemon, the dashboard) handles that signal itself.
 */
export async function withSignalsHeld<T>(fn: () => Promise<T>): Promise<T> {
  let caught: NodeJS.Signals | undefined;
  const others = new Map(DEFERRED.map((s) => [s, process.listenerCount(s)]));
  const hold = (s: NodeJS.Signals) => {
    caught ??= s;
  };
  for (const s of DEFERRED) process.on(s, hold);
  try {
    return await fn();
  } finally {
    for (const s of DEFERRED) process.off(s, hold);
    if (caught && !others.get(caught)) {
      process.exitCode = SIGNAL_EXIT[caught];
      // A second Ctrl-C while the command prints its result stops it as usual.
      process.once(caught, () => process.exit(SIGNAL_EXIT[caught!]));
    }
  }
}

/**
 * The commit that took a whole write when another process's commit did (`git commit -a` between orchestra's add
 * and its commit): HEAD has every path, new docs and edited ones alike, and holds them as orchestra wrote them.
 * Undefined otherwise: for an edit-only write (start, cancel) "HEAD has the path" alone says nothing.
 */
export async function commitThatTook(git: Git, relPaths: readonly string[]): Promise<string | undefined> {
  if (!relPaths.length) return undefined;
  const inHead = await git.inHead(relPaths);
  if (relPaths.some((p) => !inHead.has(p))) return undefined;
  const asWritten = await git.exec(['diff', '--quiet', 'HEAD', '--', ...relPaths]).then(() => true, () => false);
  if (!asWritten) return undefined;
  const out = await git.exec(['log', '-1', '--format=%h', '--', ...relPaths]).catch(() => '');
  return out.trim() || undefined;
}
