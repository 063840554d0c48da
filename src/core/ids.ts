/** Doc ids: the file name without `.md`, unique in the workspace. Pure: the clock and randomness come in. */
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id) && !id.includes('..');
}

export function slugify(title: string, max = 40): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = slug.slice(0, max).replace(/-+$/, '');
  return cut || 'untitled';
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform in [0, 1): `Math.random`, a crypto source, or a seeded one in tests. */
export type Random = () => number;

export function randomTail(random: Random, n = 4): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length) % ALPHABET.length];
  return s;
}

function stamp(now: Date): string {
  const iso = now.toISOString(); // 2026-11-24T21:40:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * `20261124-214000-order-optimize-propagation-k3f9`: sorts by time (UTC), and the random tail keeps ids from
 * different processes and machines apart. Callers still create the file exclusively and retry on a clash. The
 * writers pass a crypto-backed `random` and tests a fixed one; `Math.random` only for callers that need neither.
 */
export function generateId(type: string, title: string, now: Date, random: Random = Math.random): string {
  return `${stamp(now)}-${type}-${slugify(title)}-${randomTail(random)}`;
}

/** The same id with a fresh random tail: what a writer tries when the file name is taken. */
export function withFreshTail(id: string, random: Random): string {
  return GENERATED_RE.test(id) ? `${id.slice(0, -4)}${randomTail(random)}` : `${id}-${randomTail(random)}`;
}

const GENERATED_RE = /^\d{8}-\d{6}-[a-z]+-[a-z0-9-]*-[a-z0-9]{4}$/;

export type Resolved = { ok: true; id: string } | { ok: false; reason: 'unknown' | 'ambiguous' | 'invalid'; candidates: string[] };

/**
 * What a short id stands for: the id itself, else the one id it is a unique suffix (the random tail, `k3f9`) or
 * unique prefix of. Ambiguous input names its candidates, so the caller can print them.
 */
export function resolveId(ids: Iterable<string>, query: string): Resolved {
  const q = query.trim();
  if (!isValidId(q)) return { ok: false, reason: 'invalid', candidates: [] };
  const matches: string[] = [];
  for (const id of ids) {
    if (id === q) return { ok: true, id };
    if (id.endsWith(q) || id.startsWith(q)) matches.push(id);
  }
  if (matches.length === 1) return { ok: true, id: matches[0] };
  return { ok: false, reason: matches.length ? 'ambiguous' : 'unknown', candidates: matches.sort() };
}

/** One line for an ambiguous id: the first few candidates, then how many more. */
export function ambiguityMessage(query: string, candidates: readonly string[]): string {
  const shown = candidates.slice(0, 5).join(', ');
  const more = candidates.length > 5 ? ` and ${candidates.length - 5} more` : '';
  return `"${query}" matches ${candidates.length} docs (${shown}${more}): give more of the id`;
}

/**
 * The short form listings show: a generated id's random tail when no other id ends with it, else the whole id
 * (hand-written ids have no tail to cut to). `ids` are all ids the listing could be resolved against.
 */
export function shortIdOf(id: string, tails: ReadonlyMap<string, number>): string {
  if (!GENERATED_RE.test(id)) return id;
  const tail = id.slice(-4);
  return (tails.get(tail) ?? 0) <= 1 ? tail : id;
}

/** How many ids end with each 4-character tail, for `shortIdOf`. Hand-written ids count too: any may end so. */
export function tailCounts(ids: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) {
    if (id.length < 4) continue;
    const t = id.slice(-4);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}
