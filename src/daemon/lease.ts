/**
 * Exactly one reacting daemon across all clones: a lease kept on the remote as a ref (`refs/orchestra/lease/<branch>`),
 * a parentless commit whose trailers name the holder (host/pid/random) and its expiry. The holder renews it every
 * third of the lease by compare-and-swap push (`--force-with-lease=<ref>:<the sha it holds>`), so two daemons can
 * never both think they renewed it. A follower watches the ref (`ls-remote`); when the sha has not moved for a whole
 * lease by the follower's own clock (no clock is compared across machines), it takes the lease over by the same
 * compare-and-swap. The holder stops reacting a fifth of a lease before anyone could take over.
 *
 * Takeover time after the holder dies: at most 1⅔ leases plus one sync round. The follower may see the holder's
 * last renewal up to one check period (a third of a lease) after it was pushed, counts a whole lease from then, and
 * notices at its next check (another third at most). Default lease 30 s (`ORCHESTRA_SYNC_LEASE_MS` sets it, for
 * tests and fast networks).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Git } from '../store/git.js';
import { firstLine } from '../store/sync/round.js';
import type { SyncTarget } from '../store/sync/target.js';

export function leaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.ORCHESTRA_SYNC_LEASE_MS);
  return Number.isFinite(v) && v >= 300 ? v : 30_000;
}

export function leaseRef(target: Pick<SyncTarget, 'branch'>): string {
  return `refs/orchestra/lease/${target.branch}`;
}

export type LeaseChange =
  | { kind: 'acquired'; takeover: boolean; previous?: string }
  | { kind: 'renewed' }
  | { kind: 'lost'; why: string }
  | { kind: 'following'; holder: string }
  | { kind: 'unreachable'; why: string }
  | { kind: 'same' };

/** The `git` identity of lease commits (they are never on a branch; only their trailers are read). */
/** The holder named by a lease handed back on a clean stop: a follower takes it at once. */
const RELEASED = '(released)';

const IDENT = ['-c', 'user.name=orchestra', '-c', 'user.email=orchestra@localhost'];

export class Lease {
  readonly id: string;
  readonly ms: number;
  private mine = '';
  /** performance-clock time until which this daemon may react. */
  private validUntil = 0;
  private seen = { sha: '', since: 0 };
  private emptyTree: string | undefined;

  constructor(
    private readonly git: Git,
    private readonly target: SyncTarget,
    opts: { ms?: number; clock?: () => number } = {},
  ) {
    this.ms = opts.ms ?? leaseMs();
    this.clock = opts.clock ?? (() => performance.now());
    this.id = `${hostname().replace(/[^\x21-\x7e]/g, '?').slice(0, 60)}/${process.pid}/${randomBytes(4).toString('hex')}`;
  }

  private readonly clock: () => number;

  /** Whether this daemon holds a lease no one else can have taken over yet. */
  get holding(): boolean {
    return this.mine !== '' && this.clock() < this.validUntil;
  }

  private async remoteSha(): Promise<string> {
    const ref = leaseRef(this.target);
    const out = await this.git.exec(['ls-remote', '--end-of-options', this.target.remote, ref]);
    return out.split('\n').find((l) => l.endsWith(`\t${ref}`))?.split('\t')[0] ?? '';
  }

  /** Who holds the lease at `sha` (its Orchestra-Lease-Holder trailer), fetched only when the sha changed. */
  private async holderOf(sha: string): Promise<string> {
    try {
      await this.git.exec(['fetch', '--quiet', '--no-tags', '--end-of-options', this.target.remote, `+${leaseRef(this.target)}:refs/orchestra/seen-lease/${this.target.branch}`]);
      const body = await this.git.exec(['log', '-1', '--format=%B', '--end-of-options', sha]);
      return /^Orchestra-Lease-Holder: (.+)$/m.exec(body)?.[1]?.trim() ?? 'another daemon';
    } catch {
      return 'another daemon';
    }
  }

  private async newCommit(released = false): Promise<string> {
    this.emptyTree ??= (await this.git.exec(['hash-object', '-w', '-t', 'tree', '/dev/null'])).trim();
    const expires = new Date(Date.now() + (released ? 0 : this.ms)).toISOString();
    const msg = `orchestra: lease ${this.target.branch}\n\nOrchestra-Lease-Holder: ${released ? RELEASED : this.id}\nOrchestra-Lease-Expires: ${expires}\n`;
    return (await this.git.exec([...IDENT, 'commit-tree', `-m${msg}`, '--end-of-options', this.emptyTree])).trim();
  }

  /** Compare-and-swap: the ref moves to a new lease commit only if it still is `expected` ('' = absent). */
  private async swap(expected: string): Promise<boolean> {
    const ref = leaseRef(this.target);
    const next = await this.newCommit();
    const started = this.clock();
    try {
      await this.git.exec(['push', '--quiet', `--force-with-lease=${ref}:${expected}`, '--end-of-options', this.target.remote, `${next}:${ref}`]);
    } catch {
      return false;
    }
    this.mine = next;
    // Valid from before the push began: any follower's count starts later than that.
    this.validUntil = started + this.ms * 0.8;
    this.seen = { sha: next, since: this.clock() };
    return true;
  }

  /** One check (every third of a lease): renew, take over, or follow. */
  async tick(): Promise<LeaseChange> {
    const t = this.clock();
    let current: string;
    try {
      current = await this.remoteSha();
    } catch (e) {
      const why = `cannot reach ${this.target.remote} for the lease: ${firstLine(e)}`;
      if (this.mine && t >= this.validUntil) {
        this.mine = '';
        return { kind: 'lost', why };
      }
      return { kind: 'unreachable', why };
    }
    if (this.mine) {
      if (current === this.mine && (await this.swap(current))) return { kind: 'renewed' };
      this.mine = '';
      return { kind: 'lost', why: current ? `${await this.holderOf(current)} holds it now` : 'the lease was removed' };
    }
    if (!current) {
      return (await this.swap('')) ? { kind: 'acquired', takeover: false } : { kind: 'same' };
    }
    if (current !== this.seen.sha) {
      this.seen = { sha: current, since: t };
      const holder = await this.holderOf(current);
      if (holder !== RELEASED) return { kind: 'following', holder };
      return (await this.swap(current)) ? { kind: 'acquired', takeover: true, previous: 'a daemon that stopped' } : { kind: 'same' };
    }
    if (t - this.seen.since >= this.ms) {
      const previous = await this.holderOf(current);
      return (await this.swap(current)) ? { kind: 'acquired', takeover: true, previous } : { kind: 'same' };
    }
    return { kind: 'same' };
  }

  /**
   * A clean stop hands the lease back at once (compare-and-swap to a commit naming no holder), so a follower need
   * not wait it out. The ref stays: its existence tells the next daemon that triggers here were reacted to before.
   */
  async release(): Promise<void> {
    if (!this.mine) return;
    const ref = leaseRef(this.target);
    const mine = this.mine;
    this.mine = '';
    const next = await this.newCommit(true).catch(() => '');
    if (next) await this.git.exec(['push', '--quiet', `--force-with-lease=${ref}:${mine}`, '--end-of-options', this.target.remote, `${next}:${ref}`]).catch(() => undefined);
  }

  /**
   * Whether a daemon ever held the lease on this remote: then the docs here were another daemon's to react to, and
   * this one, taking over, must handle what has no reaction yet rather than adopt it. Unknown (unreachable): yes.
   */
  async existedBefore(): Promise<boolean> {
    try {
      return (await this.remoteSha()) !== '';
    } catch {
      return true;
    }
  }
}
