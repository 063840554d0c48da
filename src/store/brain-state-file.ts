/** Small JSON state files under `.orchestra/state/`: read leniently, written atomically (temp file + rename). */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';

/** The parsed file, or undefined when it is missing or torn (a torn file counts as a fresh start). */
export function readJsonState<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeJsonState(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value)}\n`);
}
