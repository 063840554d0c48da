import { UsageError } from '../errors.js';

/**
 * A commander argument parser for a numeric option: refuses anything else with one line naming the option,
 * what it takes, and the hint.
 */
export function numberOption(flag: string, opts: { min?: number; max?: number; integer?: boolean; hint?: string } = {}): (v: string) => number {
  const min = opts.min ?? 0;
  const kind = opts.integer ? 'whole number' : 'number';
  const what =
    opts.max !== undefined ? `a ${kind} from ${min} to ${opts.max}` : opts.integer && min === 1 ? 'a positive whole number' : `a ${kind} ≥ ${min}`;
  return (v: string) => {
    const n = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(n) && (!opts.integer || Number.isInteger(n)) && n >= min && (opts.max === undefined || n <= opts.max);
    if (!ok) throw new UsageError(`${flag} "${v}" is not ${what}${opts.hint ? ` (${opts.hint})` : ''}`);
    return n;
  };
}

/** `--port`: 0 picks a free one. */
export const portOption = numberOption('--port', { integer: true, min: 0, max: 65535, hint: '0 picks a free one' });
