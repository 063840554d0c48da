/**
 * The one way state files are written (cursor, alerts, budget, breaker, locks...): a temp file next to the target,
 * then a rename (replace) or a hard link (create, never overwrite), so no reader ever sees a half-written file.
 * Failures come out as `StateWriteError`: one line naming the file and the cause, so a long-running caller can
 * say it once and carry on.
 */
import { appendFileSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { OrchestraError } from '../errors.js';

const CAUSES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied (is it owned by another user?)',
  EPERM: 'operation not permitted (is it owned by another user?)',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a file stands where a folder should be',
  EISDIR: 'a folder stands where the file should be',
};

/** A state file could not be written; `code` is the system's (ENOSPC, EACCES...). */
export class StateWriteError extends OrchestraError {
  readonly file: string;
  readonly code: string | undefined;
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const why = (code && CAUSES[code]) ?? (cause instanceof Error ? cause.message.split('\n')[0] : String(cause));
    super(`could not write ${file}: ${why}${code ? ` (${code})` : ''}`);
    this.file = file;
    this.code = code;
  }
}

/** The error's system code (ENOSPC...), if it has one. */
export const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code ?? (e instanceof StateWriteError ? e.code : undefined);

/**
 * A temp name no other writer uses: the pid and 32 random bits, against pids shared across containers. The bits
 * only need to differ, not to be secret, so they come from Math.random: node:crypto would cost every short
 * command that writes state (the hooks' heartbeat) more than the write.
 */
function tempFor(file: string): string {
  return `${file}.${process.pid}.${Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0')}.tmp`;
}

function dropTemp(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch {
    /* never made, or already gone */
  }
}

/** Writes `data` to a fresh temp file next to `file`, fsynced when asked. */
function writeTemp(file: string, data: string | Iterable<string>, fsync: boolean): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempFor(file);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else {
      // Large contents (the cursor) go out in chunks instead of one giant string.
      let chunk = '';
      for (const part of data) {
        chunk += part;
        if (chunk.length > 65_536) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
      writeSync(fd, chunk);
    }
    if (fsync) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    dropTemp(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Replaces `file` with `data` atomically (temp + rename). Throws `StateWriteError`. */
export function writeFileAtomic(file: string, data: string | Iterable<string>, opts: { fsync?: boolean } = {}): void {
  let tmp: string | undefined;
  try {
    tmp = writeTemp(file, data, !!opts.fsync);
    renameSync(tmp, file);
  } catch (e) {
    if (tmp) dropTemp(tmp);
    throw new StateWriteError(file, e);
  }
}

/**
 * Creates `file` complete with `data` (temp + hard link), never replacing one that exists: false when it does.
 * Throws `StateWriteError` for anything else.
 */
export function createFileExclusive(file: string, data: string): boolean {
  let tmp: string | undefined;
  try {
    tmp = writeTemp(file, data, false);
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateWriteError(file, e);
  } finally {
    if (tmp) dropTemp(tmp);
  }
}

/** Appends text (whole lines) to `file`, making its folder. Throws `StateWriteError`. */
export function appendState(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, text);
  } catch (e) {
    throw new StateWriteError(file, e);
  }
}
