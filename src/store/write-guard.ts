/**
 * What keeps one write exactly once when something else happens at the same moment (issue 12 item 8):
 * - Ctrl-C in the middle: the signal waits until the doc is committed (or rolled back), so nothing is left on disk
 *   for the daemon to commit later, and the id is printed: a retry would otherwise duplicate the doc.
 * - someone's `git commit -a` takes the doc first: the doc is committed, which is what was asked; that is success.
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

/** The commit that holds `relPath` when another process's commit took it (undefined when HEAD does not have it). */
export async function commitThatTook(git: Git, relPath: string): Promise<string | undefined> {
  if (!(await git.inHead([relPath])).has(relPath)) return undefined;
  const out = await git.raw(['log', '-1', '--format=%h', '--', relPath]).catch(() => '');
  return out.trim() || undefined;
}
