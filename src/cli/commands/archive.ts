import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { archiveSettled } from '../../store/archive.js';
import type { Register } from '../context.js';
import { safeLine } from '../terminal.js';

export const registerArchiveCommand: Register = (program, ctx) => {
  program
    .command('archive')
    .description('move settled threads older than archive_after to .orchestra/archive/ (git mv, one commit)')
    .option('--dry-run', 'only list what would move')
    .addHelpText('after', '\nA thread is settled when its order is completed or cancelled, its doubts answered and its escalations resolved.\n\nExample:\n  $ orchestra archive --dry-run')
    .action(async (opts, cmd: Command) => {
      const c = ctx(cmd);
      const r = await archiveSettled(c.ws, c.git, c.config, { now: new Date(), dryRun: !!opts.dryRun, actor: c.identity });
      if (c.json) {
        c.io.out(JSON.stringify({ dryRun: !!opts.dryRun, threads: r.threads, moved: r.moves, commit: r.commit ?? null }));
        return;
      }
      if (!r.moves.length) {
        c.io.err(`nothing to archive: no settled thread older than ${formatDuration(c.config.archiveAfterMs)}`);
        return;
      }
      for (const m of r.moves) c.io.out(safeLine(`${m.from} -> ${m.to}`));
      c.io.err(`${opts.dryRun ? 'would move' : 'moved'} ${r.moves.length} doc${r.moves.length === 1 ? '' : 's'} of ${r.threads} thread${r.threads === 1 ? '' : 's'}${r.commit ? ` (commit ${r.commit})` : ''}`);
    });
};
