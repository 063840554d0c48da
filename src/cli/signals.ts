/**
 * The one signal handler of the long-running commands (daemon, up, dashboard, watch, demo --keep). The first
 * SIGINT or SIGTERM asks for a graceful stop (finish the reaction in hand, close watchers and sockets); a second
 * one, while that stop is under way, ends the process at once, for a stop that hangs (a git hook, a dead NFS).
 */

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const NUMBER: Record<(typeof SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15 };

export interface StopSignals {
  /** Resolves with the first signal received. */
  received: Promise<NodeJS.Signals>;
  /** Removes the handlers (when the command ends on its own). */
  dispose(): void;
}

/**
 * Installs the handlers. `stop` runs once, on the first signal; `say` hears one line on each signal (to stderr,
 * so JSON on stdout stays clean).
 */
export function handleStopSignals(stop: (signal: NodeJS.Signals) => unknown, say?: (line: string) => void): StopSignals {
  let first: NodeJS.Signals | undefined;
  let resolve!: (s: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const on = (signal: NodeJS.Signals) => {
    if (first) {
      say?.(`${signal} again: exiting now, without waiting for the stop to finish`);
      process.exit(128 + NUMBER[signal as (typeof SIGNALS)[number]]);
    }
    first = signal;
    say?.(`${signal}: stopping (send it again to exit at once)`);
    resolve(signal);
    try {
      const r = stop(signal);
      if (r instanceof Promise) r.catch(() => undefined);
    } catch {
      /* the command's own error path reports a failed stop */
    }
  };
  for (const s of SIGNALS) process.on(s, on);
  return {
    received,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, on);
    },
  };
}
