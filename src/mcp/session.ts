/**
 * The light part of an agent session: who it acts as, its heartbeat, its receipts, its inbox, and the live docs
 * read without git. The hooks (hook.ts) run at every turn end of an agent and load this module instead of
 * ops.ts, which brings in the shared actions, the write path and git; ops.ts re-exports what is here.
 */
import type { Doc } from '../core/doc.js';
import { derive, inboxOf, type Derived, type Inbox } from '../core/state.js';
import { findWorker, workerNames, type Config } from '../core/workers.js';
import { UsageError } from '../errors.js';
import { readDocs } from '../store/docs.js';
import { deliveriesOf, recordHeartbeat, recordShown, shownIds, type Receipt, type ShownHow } from '../store/receipts.js';
import type { Workspace } from '../store/workspace.js';

/** A workspace and the identity acting in it (fixed for the session's life): lead or a declared worker. */
export interface Identity {
  ws: Workspace;
  config: Config;
  identity: string;
}

/** `identity` checked against the config: lead or a declared worker, never daemon. Returns it trimmed. */
export function checkIdentity(config: Config, identity: string): string {
  const id = identity.trim();
  if (id === 'daemon') throw new UsageError('no agent can act as daemon: use --as lead or --as <worker>');
  if (id !== 'lead' && !findWorker(config, id)) {
    throw new UsageError(`unknown identity "${id}": use lead or one of ${[...workerNames(config)].join(', ')}`);
  }
  return id;
}

export const isWorker = (s: Identity) => s.identity !== 'lead';

/** Every call by a worker is a heartbeat. */
export function heartbeat(s: Identity): void {
  if (isWorker(s)) recordHeartbeat(s.ws, s.identity);
}

/** Records that `docs` were shown to the session's worker (`event: 'cancel'`: their cancellation). */
export function receipt(s: Identity, docs: readonly Doc[], how: ShownHow, extra: { session?: string; event?: 'doc' | 'cancel' } = {}): void {
  if (!isWorker(s) || !docs.length) return;
  recordShown(s.ws, s.identity, docs.map((d) => d.id), how, new Date(), { event: extra.event === 'cancel' ? 'cancel' : undefined, session: extra.session });
}

export interface WorkerInbox extends Inbox {
  /** Answers in the inbox not yet shown to the worker (no receipt, a push aside: the client may not take pushes). */
  unread: Doc[];
}

/** The inbox of `worker`; `receipts`: that worker's receipt lines, when the caller has read them already. */
export function inboxFor(s: Identity, loaded: { docs: readonly Doc[]; derived: Derived }, worker = s.identity, receipts?: readonly Receipt[]): WorkerInbox {
  const shown = receipts ? new Set(deliveriesOf(receipts, ['push']).keys()) : shownIds(s.ws, worker, ['push']);
  const inbox = inboxOf(worker, loaded.docs, loaded.derived, shown);
  return { ...inbox, unread: inbox.answers };
}

/**
 * The live docs (`docs/`, not the archive) and their derived state, as store/load.ts's `loadWorkspace` reads them
 * with `liveOnly`, but with git loaded only when a doc has no `created:` and its date must come from history.
 */
export async function readLive(s: Identity): Promise<{ docs: Doc[]; derived: Derived }> {
  const { docs } = await readDocs(s.ws, {
    workers: workerNames(s.config),
    firstCommitTimes: async () => {
      const { docsGit } = await import('../store/git.js');
      return docsGit(s.ws).firstCommitTimes();
    },
    liveOnly: true,
  });
  return { docs, derived: derive(docs, s.config) };
}
