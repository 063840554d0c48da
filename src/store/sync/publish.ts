/**
 * Every write pushes its commit at once when `sync:` is set (CLI, HTTP and MCP writes through write.ts, approve
 * and reject through review.ts, the daemon's reactions through its own loop). Best effort: the write is committed
 * whatever happens here; a failure is said once (until a push succeeds again) and the commit goes with the next
 * round.
 */
import type { Config } from '../../core/config.js';
import { loadConfigCached } from '../config-cache.js';
import type { Git } from '../git.js';
import { foreignCommits } from '../git/history.js';
import type { Workspace } from '../workspace.js';
import { proposalsToPush, syncProposals } from './proposals.js';
import { recordSync } from './state.js';
import { firstLine, pushHead, shown, syncOnce, upstreamRef } from './round.js';
import { syncTargetOf, targetGit } from './target.js';

/** `publishWrite` for writers that hold no config (write.ts): the cached config says whether sync is on. */
export async function publishAfterWrite(ws: Workspace, git: Git): Promise<void> {
  let config: Config;
  try {
    config = loadConfigCached(ws);
  } catch {
    return; // an invalid orchestra.yaml: the write's own checks said so already
  }
  if (config.sync) await publishWrite(ws, git, config);
}

/** Pushes this clone's new commits; a full round (fetch, rebase, push) only when the remote moved meanwhile. */
export async function publishWrite(ws: Workspace, git: Git, config: Config, notice: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  const target = syncTargetOf(ws, config);
  if (!target) return;
  const g = targetGit(ws, target, git);
  let warning: string | undefined;
  let unreachable = false;
  try {
    const upstream = upstreamRef(target);
    const known = await g.exec(['rev-parse', '--verify', '-q', '--end-of-options', upstream]).then(() => true, () => false);
    // Straight push when nothing of the person's own would go with it (orchestra never publishes their work).
    const own = known ? await foreignCommits(g, `${upstream}..HEAD`) : [];
    const branch = (await g.exec(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
    let pushed = false;
    if (known && !own.length && branch === target.branch) {
      try {
        await pushHead(g, target);
        pushed = true;
      } catch (e) {
        // Rejected: someone pushed first; the full round below fetches, rebases and pushes.
        if (!/\[rejected\]|non-fast-forward|fetch first|stale info/i.test(firstLine(e))) throw e;
      }
    }
    if (!pushed) {
      const r = await syncOnce(g, target, { attempts: 4, ws });
      warning = r.warning;
      unreachable = !!r.unreachable;
    }
    // Review mode: a proposal made, approved or rejected here goes too (after the docs an approval wrote).
    if (!unreachable && (await proposalsToPush(ws, g, target))) {
      const p = await syncProposals(ws, g, target, { attempts: 4 });
      warning ??= p.warning;
      unreachable ||= !!p.unreachable;
    }
  } catch (e) {
    warning = `push to ${shown(target.remote)} failed: ${firstLine(e)}`;
    unreachable = true;
  }
  if (!warning) {
    if (recordSync(ws, { ok: true, at: new Date() })) notice(`sync: ${shown(target.remote)} reached again; pushed`);
    return;
  }
  // Said once: the next writes stay quiet until a round or a push succeeds again.
  if (recordSync(ws, { ok: false, why: unreachable ? warning : `${warning} (local)` })) notice(`sync: ${warning}; the write is committed here and goes with the next sync round`);
}
