/**
 * The daemon's state writes that must never stop it: alerts and the cursor. A full disk or a file owned by
 * another user is said once (until it works again) and the daemon goes on; nothing is lost by skipping them,
 * since a reaction on disk already marks its trigger handled and an alert's condition is seen again later.
 */
import { FailureNotices } from '../core/notices.js';
import { raiseAlert, resolveAlert, type Alert } from '../store/alerts.js';
import type { Workspace } from '../store/workspace.js';
import { errorLine } from './log.js';

const ALERTS_OFF = 'alerts are not recorded until it can be written (the daemon goes on)';

export class BestEffortState {
  readonly faults: FailureNotices;

  constructor(
    private readonly ws: Workspace,
    private readonly now: () => Date,
    warn: (message: string) => void,
  ) {
    this.faults = new FailureNotices(warn);
  }

  alert(a: Omit<Alert, 'id' | 'at'>): void {
    try {
      raiseAlert(this.ws, a, this.now());
      this.faults.recovered('alerts', 'alerts are recorded again');
    } catch (e) {
      this.faults.failed('alerts', `${errorLine(e)}; ${ALERTS_OFF}`);
    }
  }

  resolve(key: string): void {
    try {
      resolveAlert(this.ws, key, this.now());
    } catch (e) {
      this.faults.failed('alerts', `${errorLine(e)}; ${ALERTS_OFF}`);
    }
  }

  /** Writes the cursor; handled ids stay in memory when it fails. */
  cursor(write: () => void): void {
    try {
      write();
      this.faults.recovered('cursor');
    } catch (e) {
      this.faults.failed('cursor', `${errorLine(e)}; handled docs are remembered in memory (their reactions on disk keep a restart from doubling them)`);
    }
  }
}
