import type { Command } from 'commander';
import { OrchestraError } from '../../errors.js';
import { pollOnce, startFollower } from '../../store/sync/follow.js';
import { readSyncState } from '../../store/sync/state.js';
import { aheadBehind, type SyncResult } from '../../store/sync/round.js';
import { syncTargetOf, targetGit } from '../../store/sync/target.js';
import type { Register } from '../context.js';
import { handleStopSignals } from '../signals.js';
import { safeLine } from '../terminal.js';

function said(r: SyncResult): string {
  const parts = [`pulled ${r.pulled} commit${r.pulled === 1 ? '' : 's'}`, r.pushed ? 'pushed' : 'nothing to push'];
  if (r.dropped?.length) parts.push(`dropped ${r.dropped.length} reaction${r.dropped.length === 1 ? '' : 's'} another daemon had made already (${r.dropped.join(', ')})`);
  if (r.proposals) parts.push(`proposals ${[r.proposals.pulled && 'pulled', r.proposals.pushed && 'pushed'].filter(Boolean).join(' and ')}`);
  if (r.resolved?.length) parts.push(`merge rule settled ${r.resolved.length} doc${r.resolved.length === 1 ? '' : 's'} (${r.resolved.join(', ')})`);
  return parts.join(', ');
}

export const registerSyncCommand: Register = (program, ctx) => {
  program
    .command('sync')
    .description('one sync round with the remote now (fetch, rebase, push of the orchestration branch, and of review mode\'s proposals branch); --watch keeps this clone current')
    .option('--watch', 'keep this clone current until Ctrl-C: poll the remote cheaply, pull when it moved, push what is new here')
    .addHelpText(
      'after',
      `
Needs sync: in orchestra.yaml. With sync: set, every write also pushes at once, and watch, wait and the
dashboard keep the clone current by themselves. Exit codes: 0 in sync, 1 the remote could not be reached or
the round could not finish (the reason is printed; nothing is lost, the next round tries again).

Example:
  $ orchestra sync
  $ orchestra sync --watch`,
    )
    .action(async (opts: { watch?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      const target = syncTargetOf(c.ws, c.config);
      if (!target) throw new OrchestraError('sync is not set in orchestra.yaml: add `sync:` with `remote:` (and `branch:` in inline mode) to share this workspace through a git remote');
      const git = targetGit(c.ws, target, c.git);
      if (!opts.watch) {
        const r = (await pollOnce(c.ws, git, target, { force: true, proposals: true }))!;
        const ab = await aheadBehind(git, target);
        const state = readSyncState(c.ws);
        if (c.json) {
          c.io.out(JSON.stringify({ remote: target.remote, branch: target.branch, pulled: r.pulled, pushed: r.pushed, resolved: r.resolved ?? [], dropped: r.dropped ?? [], proposals: r.proposals ?? null, ahead: ab?.ahead ?? null, behind: ab?.behind ?? null, lastSyncAt: state.lastSyncAt ?? null, warning: r.warning ?? null }));
        } else c.io.out(`sync ${safeLine(target.remote)}/${safeLine(target.branch)}: ${said(r)}${ab ? ` · ahead ${ab.ahead}, behind ${ab.behind}` : ''}`);
        if (r.warning) throw new OrchestraError(`sync: ${safeLine(r.warning)}`);
        return;
      }
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const signals = handleStopSignals(() => stop(), (l) => c.io.err(l));
      const follower = startFollower(c.ws, c.config, git, {
        onWarning: (m) => c.io.err(`warning: ${safeLine(m)}`),
        onRound: (r) => c.io.out(c.json ? JSON.stringify({ at: new Date().toISOString(), pulled: r.pulled, pushed: r.pushed, resolved: r.resolved ?? [] }) : `${new Date().toISOString().slice(11, 19)} ${said(r)}`),
      })!;
      if (!c.json) c.io.err(`keeping this clone current with ${safeLine(target.remote)}/${safeLine(target.branch)} (Ctrl-C to leave)`);
      try {
        await stopped;
      } finally {
        signals.dispose();
        await follower.stop();
      }
    });
};
