/**
 * Invalid docs: a file that does not parse may be half-written, so it is reported only once it has stayed
 * unchanged for `settleMs`. Then it raises an `invalid_doc` alert, one per file content, resolved when the file
 * is fixed or removed (also while no daemon ran).
 */
import path from 'node:path';
import { formatProblem } from '../errors.js';
import { openAlerts } from '../store/alerts.js';
import type { Change, LiveEntry } from '../store/live-docs.js';
import type { DaemonContext } from './context.js';

function invalidKey(relPath: string, hash: string): string {
  return `invalid_doc:${relPath}:${hash.slice(0, 16)}`;
}

export class InvalidDocs {
  private readonly settling = new Map<string, NodeJS.Timeout>();
  /** The open alert's key per invalid file. */
  private readonly alerts = new Map<string, string>();

  /** `consider` is the daemon's: a file still invalid once settled goes through it again. */
  constructor(
    private readonly ctx: DaemonContext,
    private readonly settleMs: number,
    private readonly consider: (c: Change) => void,
  ) {}

  /** Invalid files reported (each with an open alert). */
  get size(): number {
    return this.alerts.size;
  }

  /** Files waiting to settle. */
  get settlingCount(): number {
    return this.settling.size;
  }

  /** Invalid-doc alerts of files that were fixed or removed while no daemon ran. */
  resolveStale(): void {
    const current = new Set(this.ctx.live.invalid().map((e) => invalidKey(e.rel, e.hash)));
    for (const a of openAlerts(this.ctx.ws)) {
      if (a.kind === 'invalid_doc' && a.key?.startsWith('invalid_doc:') && !current.has(a.key)) this.ctx.state.resolve(a.key);
    }
  }

  /** A file read as invalid: reported once it has settled, unless this content was reported already. */
  invalid(entry: LiveEntry): void {
    const relPath = entry.rel;
    const previous = this.alerts.get(relPath);
    const key = invalidKey(relPath, entry.hash);
    if (previous === key) return;
    const age = this.ctx.now().getTime() - entry.mtimeMs;
    const settle = this.settleMs;
    if (age < settle && !this.settling.has(relPath)) {
      // Maybe half-written: look again once it has been still for a moment.
      const abs = path.join(this.ctx.ws.root, relPath);
      this.settling.set(
        relPath,
        setTimeout(() => {
          this.settling.delete(relPath);
          if (this.ctx.stopping) return;
          // A change is heard through the subscription; unchanged since: still invalid, and now old enough to report.
          const again = this.ctx.live.refresh(abs);
          const entry = this.ctx.live.entry(relPath);
          if (again.kind === 'same' && entry?.problems) this.consider({ kind: 'invalid', entry });
          this.ctx.wake();
        }, settle - Math.max(0, age) + 20),
      );
      return;
    }
    if (this.settling.has(relPath)) return;
    if (previous) this.ctx.state.resolve(previous);
    this.alerts.set(relPath, key);
    const problems = (entry.problems ?? []).map((p) => (p.field && p.field !== '-' ? `${p.field}: ${p.message}` : p.message)).join('; ');
    this.ctx.emit({ kind: 'invalid', file: relPath, problems });
    this.ctx.state.alert({
      level: 'warning',
      kind: 'invalid_doc',
      message: (entry.problems ?? []).map(formatProblem).join('; '),
      doc: path.basename(relPath, '.md'),
      key,
      data: { file: relPath },
    });
  }

  /** A file that was reported invalid is valid now, or gone: its alert is resolved. */
  cleared(relPath: string): void {
    const previous = this.alerts.get(relPath);
    if (!previous) return;
    this.ctx.state.resolve(previous);
    this.alerts.delete(relPath);
  }

  stop(): void {
    for (const t of this.settling.values()) clearTimeout(t);
    this.settling.clear();
  }
}
