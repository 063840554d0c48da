/**
 * Problems worth an alert, as pure functions of the docs, the derived state, what git says each worker touched
 * last, and the clock. The store records them (once per key) and resolves them when they go away.
 */
import type { Config } from './config.js';
import { describeConflict, type Conflict } from './conflicts.js';
import type { Doc } from './doc.js';
import { formatDuration } from './duration.js';
import { completionTimes, type Metrics } from './metrics.js';
import { asksLead, type Derived } from './state.js';

export type ProblemLevel = 'info' | 'warning' | 'critical';

export interface HealthProblem {
  kind: 'stalled' | 'unstarted' | 'escalation_unanswered' | 'doubts_piling' | 'low_autonomy' | 'conflict' | 'scope_violation' | 'undelivered';
  level: ProblemLevel;
  /** Dedup key: the same condition keeps the same key, so it is recorded once. */
  key: string;
  message: string;
  doc?: string;
  /** Workers it concerns (the watchdog shows it to them). */
  workers: string[];
  data?: Record<string, unknown>;
}

/** Kinds this module owns: an open alert of these kinds whose key is no longer a problem is resolved. */
export const HEALTH_KINDS: ReadonlySet<string> = new Set<HealthProblem['kind']>([
  'stalled',
  'unstarted',
  'escalation_unanswered',
  'doubts_piling',
  'low_autonomy',
  'conflict',
  'scope_violation',
  'undelivered',
]);

export const HEALTH_DEFAULTS = {
  /** A worker with this many unanswered doubts has doubts piling up. */
  doubtsPile: 3,
  /** The seed's signal to revisit the prompts. */
  autonomyFloorPct: 60,
  /** Autonomy over fewer orders than this is noise, not a signal. */
  autonomyMinOrders: 5,
  /** An escalation is re-raised at most twice after the first alert. */
  escalationRounds: 3,
};

const ESCALATION_LEVELS: ProblemLevel[] = ['info', 'warning', 'critical'];

export interface HealthInput {
  docs: readonly Doc[];
  derived: Derived;
  config: Pick<Config, 'workers' | 'staleAfterMs'>;
  now: Date;
  /** Latest git activity per worker (commits, uncommitted edits, order starts). */
  activity?: ReadonlyMap<string, string>;
  /** Metrics over the window, for the autonomy check. */
  metrics?: Pick<Metrics, 'autonomyPct' | 'ordersTotal' | 'days'>;
  conflicts?: readonly Conflict[];
}

function age(now: Date, iso: string): number {
  return now.getTime() - Date.parse(iso);
}

/** Every problem seen now. Stable keys, sorted by key. */
export function detectProblems(input: HealthInput): HealthProblem[] {
  const { docs, derived, config, now } = input;
  const stale = config.staleAfterMs;
  const staleText = formatDuration(stale);
  const out: HealthProblem[] = [];

  // Latest sign of life per worker: any doc it wrote, and whatever git saw it do.
  const lastSeen = new Map<string, string>(input.activity ?? []);
  // Instants, not strings: docs carry milliseconds, git's dates do not.
  for (const d of docs) {
    const cur = lastSeen.get(d.from);
    if (!cur || Date.parse(d.created) > Date.parse(cur)) lastSeen.set(d.from, d.created);
  }

  const completedAt = completionTimes(docs, derived);
  for (const d of docs) {
    if (d.type !== 'order') continue;
    const state = derived.orders.get(d.id)?.state;
    if (state === 'in_progress') {
      const seen = lastSeen.get(d.to);
      const last = seen && Date.parse(seen) > Date.parse(d.created) ? seen : d.created;
      if (age(now, last) >= stale) {
        out.push({
          kind: 'stalled',
          level: 'warning',
          key: `stalled:${d.to}:${d.id}`,
          message: `${d.to} has had "${d.title}" in progress with no activity for ${formatDuration(age(now, last))} (stale after ${staleText})`,
          doc: d.id,
          workers: [d.to],
        });
      }
    } else if (state === 'pending') {
      // Ready since it was written, or since the last order it waited for was completed.
      let readySince = d.created;
      for (const a of d.after) {
        const t = completedAt.get(a);
        if (t && Date.parse(t) > Date.parse(readySince)) readySince = t;
      }
      if (age(now, readySince) >= stale) {
        out.push({
          kind: 'unstarted',
          level: 'warning',
          key: `unstarted:${d.id}`,
          message: `"${d.title}" has been ready for ${d.to} for ${formatDuration(age(now, readySince))} and nobody started it`,
          doc: d.id,
          workers: [d.to],
        });
      }
    }
  }

  for (const d of docs) {
    if (!asksLead(d) || derived.isResolved(d)) continue;
    const rounds = Math.min(HEALTH_DEFAULTS.escalationRounds, Math.floor(age(now, d.created) / stale));
    if (rounds < 1) continue;
    out.push({
      kind: 'escalation_unanswered',
      level: ESCALATION_LEVELS[rounds - 1],
      key: `escalation_unanswered:${d.id}:${rounds}`,
      message: `escalation "${d.title}" unanswered for ${formatDuration(age(now, d.created))}${rounds > 1 ? ` (reminder ${rounds - 1} of ${HEALTH_DEFAULTS.escalationRounds - 1})` : ''}: orchestra answer ${d.id}`,
      doc: d.id,
      workers: d.worker && d.worker !== 'lead' ? [d.worker] : [],
    });
  }

  const openDoubts = new Map<string, Doc[]>();
  for (const d of docs) {
    if (d.type !== 'doubt' || derived.isAnswered(d)) continue;
    const list = openDoubts.get(d.from);
    if (list) list.push(d);
    else openDoubts.set(d.from, [d]);
  }
  for (const [worker, list] of openDoubts) {
    if (list.length < HEALTH_DEFAULTS.doubtsPile) continue;
    out.push({
      kind: 'doubts_piling',
      level: 'warning',
      key: `doubts_piling:${worker}`,
      message: `${worker} has ${list.length} unanswered doubts, the oldest from ${formatDuration(age(now, list[0].created))} ago: orchestra list --worker ${worker} --type doubt --state open`,
      doc: list[0].id,
      workers: [worker],
      data: { doubts: list.map((d) => d.id) },
    });
  }

  const m = input.metrics;
  if (m && m.autonomyPct !== null && m.ordersTotal >= HEALTH_DEFAULTS.autonomyMinOrders && m.autonomyPct < HEALTH_DEFAULTS.autonomyFloorPct) {
    out.push({
      kind: 'low_autonomy',
      level: 'warning',
      key: 'low_autonomy',
      message: `autonomy is ${m.autonomyPct} % over the last ${m.days} days (under ${HEALTH_DEFAULTS.autonomyFloorPct} %): revisit the workers' prompts and scopes`,
      workers: [],
      data: { autonomyPct: m.autonomyPct, ordersTotal: m.ordersTotal },
    });
  }

  for (const c of input.conflicts ?? []) {
    out.push({
      kind: c.kind === 'overlap' ? 'conflict' : 'scope_violation',
      level: 'warning',
      key: c.key,
      message: describeConflict(c),
      workers: c.kind === 'overlap' ? c.workers : [c.workers[0]],
      data: { file: c.file, workers: c.workers, kind: c.kind, changes: c.changes },
    });
  }

  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
