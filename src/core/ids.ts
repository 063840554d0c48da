import { randomBytes } from 'node:crypto';

/** Doc ids: the file name without `.md`, unique in the workspace. */
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

function suffix(n = 4): string {
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return s;
}

function stamp(now: Date): string {
  const iso = now.toISOString(); // 2026-11-24T21:40:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * `20261124-214000-order-optimize-propagation-k3f9`: sorts by time (UTC), and the random tail keeps ids from
 * different processes and machines apart. Callers still create the file exclusively and retry on a clash.
 */
export function generateId(type: string, title: string, now: Date): string {
  return `${stamp(now)}-${type}-${slugify(title)}-${suffix()}`;
}
