import type { Command } from 'commander';
import pc from 'picocolors';
import { UsageError } from '../../errors.js';
import { approveProposals, rejectProposal, type Reviewed } from '../../store/review.js';
import type { Ctx, Register } from '../context.js';
import { readBody } from '../context.js';
import { safeLine } from '../terminal.js';

/** Every doc id on disk (docs and archive): what a proposal id that is not waiting may have become. */
async function docIds(c: Ctx): Promise<string[]> {
  return (await c.load()).docs.map((d) => d.id);
}

function short(commit: string): string {
  return commit.slice(0, 7);
}

function print(c: Ctx, r: Reviewed, verb: 'approved' | 'rejected', branch = 'the docs'): void {
  if (c.json) {
    c.io.out(JSON.stringify({ commit: r.commit || null, [verb]: r.proposals.map((p) => p.id) }));
    return;
  }
  for (const p of r.proposals) c.io.out(p.id);
  const what = r.proposals.length === 1 ? safeLine(r.proposals[0].doc?.title ?? r.proposals[0].id) : `${r.proposals.length} proposals`;
  c.io.err(pc.dim(`${verb} ${what}${r.commit ? ` (commit ${short(r.commit)} on ${branch})` : ''}`));
}

export const registerReviewCommands: Register = (program, ctx) => {
  program
    .command('approve')
    .description("review mode: deliver the daemon's proposals (one, or all) to the workers")
    .argument('[id]', 'the proposal: its id, or its unique tail (k3f9) or prefix')
    .option('--all', 'approve every proposal waiting')
    .addHelpText(
      'after',
      `
The proposed docs are written into .orchestra/docs and committed there as the daemon's docs, with the trailer
Orchestra-Approved-By: lead; they leave the proposals branch. Only the lead approves. Prints each
approved id. See what waits with \`orchestra list --proposals\`.

Example:
  $ orchestra approve k3f9
  $ orchestra approve --all`,
    )
    .action(async (id: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      const c = ctx(cmd);
      if (id && opts.all) throw new UsageError('give a proposal id or --all, not both');
      if (!id && !opts.all) throw new UsageError('give a proposal id or --all (see what waits with `orchestra list --proposals`)');
      const r = await approveProposals(c.ws, c.git, c.config, c.identity, opts.all ? 'all' : id!, () => docIds(c));
      print(c, r, 'approved');
    });

  program
    .command('reject')
    .description("review mode: refuse one of the daemon's proposals, recording why in the timeline")
    .argument('<id>', 'the proposal: its id, or its unique tail (k3f9) or prefix')
    .requiredOption('--why <text>', 'why it is refused (kept in the commit that records the rejection)')
    .addHelpText(
      'after',
      `
The proposal leaves the proposals branch and never reaches the worker; the rejection is a commit
that changes no file (\`orchestra: reject <worker>: <title>\`), shown by \`orchestra log\`. The trigger stays
handled: the daemon does not propose for it again. Only the lead rejects.

Example:
  $ orchestra reject k3f9 --why "Too broad: split it per module"`,
    )
    .action(async (id: string, opts: { why: string }, cmd: Command) => {
      const c = ctx(cmd);
      const why = readBody({ body: opts.why }) ?? '';
      const r = await rejectProposal(c.ws, c.git, c.config, c.identity, id, why, () => docIds(c));
      print(c, r, 'rejected');
    });
};
