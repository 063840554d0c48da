/**
 * Telling a lock's holder from whatever process has its pid now. Pids are reused (a daemon killed by a reboot
 * leaves a lock whose pid may belong to any process later), so a lock records its holder's start time, read
 * from `/proc/<pid>/stat`; where /proc is missing (macOS) only "is the pid alive" can be asked.
 */
import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), when /proc has it. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** The process's command line, arguments joined by spaces, when /proc has it. */
export function processCommand(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export type Holder = 'alive' | 'gone' | 'reused';

/**
 * Is the process that wrote a lock still the one running under its pid? `start` is what the lock recorded;
 * a lock from before start times were recorded is checked by its command line (a node or orchestra process).
 */
export function holderState(pid: number, start: string | undefined): Holder {
  if (!isAlive(pid)) return 'gone';
  const now = processStart(pid);
  if (now === undefined) return 'alive';
  if (start !== undefined) return now === start ? 'alive' : 'reused';
  const cmd = processCommand(pid);
  return cmd === undefined || /node|orchestra/i.test(cmd) ? 'alive' : 'reused';
}
