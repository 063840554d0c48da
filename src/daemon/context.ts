/**
 * What the daemon's parts (ledger, invalid-doc settling, periodic work, decisions) share with it. The daemon
 * passes itself: each field is read when used, since the config is reloaded and `stopping` set while they run.
 */
import type { Config } from '../core/config.js';
import type { Git } from '../store/git.js';
import type { LiveDocs } from '../store/live-docs.js';
import type { Workspace } from '../store/workspace.js';
import type { BestEffortState } from './best-effort.js';
import type { DaemonEvent } from './log.js';

export interface DaemonContext {
  readonly ws: Workspace;
  readonly git: Git;
  readonly live: LiveDocs;
  readonly now: () => Date;
  /** Alerts and cursor writes are best effort: each failing one is said once, and the daemon goes on. */
  readonly state: BestEffortState;
  readonly config: Config;
  readonly stopping: boolean;
  /** Trigger ids waiting to be handled. */
  readonly queue: ReadonlySet<string>;
  emit(e: DaemonEvent): void;
  /** Pumps the queue, then resolves the idle waiters if nothing is left (after anything that may queue or settle). */
  wake(): void;
}
