/** What `startDaemon` takes (and what its periodic-scan hook gets); daemon.ts re-exports both. */
import type { BrainKind, Config } from '../core/config.js';
import type { Doc } from '../core/doc.js';
import type { Limits } from '../core/plan.js';
import type { Derived } from '../core/state.js';
import type { Git } from '../store/git.js';
import type { LiveDocs } from '../store/live-docs.js';
import type { Workspace } from '../store/workspace.js';

/** What the periodic-scan hook gets (health checks: conflicts, stalled workers...). */
export interface PeriodicScan {
  ws: Workspace;
  config: Config;
  git: Git;
  /** Live docs, oldest first. */
  docs: readonly Doc[];
  derived: Derived;
  now: Date;
  /** Writes a line to the daemon's log. */
  log: (message: string) => void;
}

export interface DaemonOptions {
  brain?: BrainKind;
  /** Handle what is new, then stop (for cron or CI). */
  once?: boolean;
  /** On the first start in a workspace, handle existing docs instead of adopting them as handled. */
  catchUp?: boolean;
  /** Review mode whatever orchestra.yaml says: reactions go to the proposals branch (`daemon --review`). */
  review?: boolean;
  /** Where readable lines go (default: stderr). */
  log?: (line: string) => void;
  now?: () => Date;
  /** Full re-scan period (default 60 s). */
  rescanMs?: number;
  /** How long an invalid file must stay unchanged before it is reported (half-written files; default 300 ms). */
  settleMs?: number;
  /** Loop guards. */
  limits?: Partial<Limits>;
  /** Called on every periodic scan, after the re-scan, the archive run and the health scan. Errors are logged, never fatal. */
  onPeriodicScan?: (scan: PeriodicScan) => void | Promise<void>;
  /** Already-loaded config and git (callers that have them). */
  config?: Config;
  git?: Git;
  /** A live doc model shared with other readers (`orchestra up`); the caller closes it. Else the daemon opens its own. */
  live?: LiveDocs;
}
