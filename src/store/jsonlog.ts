/**
 * JSON-lines logs under `.orchestra/state/logs/` (the daemon's events, the brain's calls, `up`'s combined log):
 * the only user of pino. Lines are written synchronously (a crash loses at most the line being written) through
 * our own destination rather than pino's file writer, whose errors (a full disk, a file made by another user)
 * arrive as an unhandled 'error' event and end the process. Here a failed write drops that line, is said once
 * through `onError`, and the next line that gets through says so again if a later write fails.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { StateWriteError } from './atomic.js';

export type JsonLogLevel = 'info' | 'warn' | 'error';

export interface JsonLog {
  /** Writes one line: `fields`, then `msg` when given. Never throws. */
  write(level: JsonLogLevel, fields: Record<string, unknown>, msg?: string): void;
  close(): void;
}

export interface JsonLogOptions {
  /** The line's `at` field; absent, the line carries its own `at` (or none). */
  now?: () => Date;
  /** Applied to each serialised line (redaction of secrets). */
  transform?: (line: string) => string;
  /** Told once per run of failures: what could not be written and why. */
  onError?: (e: StateWriteError) => void;
}

/** Appends whole lines to `file`; opened on first use, reopened after a failure (the folder may come back). */
class LineFile {
  private fd: number | undefined;
  private failing = false;
  /** A failed write may have left part of a line: start the next one on a fresh line. */
  private torn = false;

  constructor(
    private readonly file: string,
    private readonly transform: ((line: string) => string) | undefined,
    private readonly onError: ((e: StateWriteError) => void) | undefined,
  ) {}

  write(line: string): void {
    const text = `${this.torn ? '\n' : ''}${this.transform ? this.transform(line) : line}`;
    try {
      if (this.fd === undefined) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        this.fd = openSync(this.file, 'a', 0o644);
      }
      const buf = Buffer.from(text);
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off);
      this.torn = false;
      this.failing = false;
    } catch (e) {
      this.torn = this.fd !== undefined;
      this.closeFd();
      if (this.failing) return;
      this.failing = true;
      try {
        this.onError?.(new StateWriteError(this.file, e));
      } catch {
        /* the reporter's own output is gone too: nothing more to do */
      }
    }
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = undefined;
  }

  close(): void {
    this.closeFd();
  }
}

export function openJsonLog(file: string, opts: JsonLogOptions = {}): JsonLog {
  const dest = new LineFile(file, opts.transform, opts.onError);
  const now = opts.now;
  const logger: Logger = pino(
    {
      base: undefined,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: now ? () => `,"at":"${now().toISOString()}"` : false,
      messageKey: 'msg',
    },
    dest,
  );
  return {
    write(level, fields, msg) {
      try {
        if (msg === undefined) logger[level](fields);
        else logger[level](fields, msg);
      } catch {
        /* serialisation of a strange value: a log line is never worth the process */
      }
    },
    close: () => dest.close(),
  };
}
