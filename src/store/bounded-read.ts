/**
 * Reading input that has a size limit without trusting it to be small: `--file /dev/zero`, a named pipe or a
 * huge file would otherwise be read whole (and abort the process) before any check. A regular file's size is
 * checked first; anything else is read in chunks and abandoned one byte past the limit.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface BoundedRead {
  bytes: Buffer;
  /** The input holds more than `maxBytes`: `bytes` is only its start. */
  over: boolean;
}

const CHUNK = 64 * 1024;

/** Blocks briefly: stdin can be a non-blocking pipe that has nothing yet (EAGAIN). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Reads at most `maxBytes` (+1, to know it is over) from a path or an open descriptor (0 for stdin). */
export function readBounded(source: string | number, maxBytes: number): BoundedRead {
  const fd = typeof source === 'number' ? source : openSync(source, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > maxBytes) return { bytes: Buffer.alloc(0), over: true };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(CHUNK, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          pause(10);
          continue;
        }
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) return { bytes: Buffer.concat(chunks).subarray(0, maxBytes), over: true };
    }
    return { bytes: Buffer.concat(chunks), over: false };
  } finally {
    if (typeof source !== 'number') closeSync(fd);
  }
}
