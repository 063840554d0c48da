/**
 * Saying a recurring failure once. A long-running process that cannot write a state file (a full disk, a file
 * owned by another user) would otherwise repeat the same line on every event; this says it when it starts, and
 * again only after the failure went away and came back.
 */
export class FailureNotices {
  private readonly failing = new Set<string>();

  constructor(private readonly say: (line: string) => void) {}

  /** Records a failure of `what`; says `line` only if `what` was not already failing. */
  failed(what: string, line: string): void {
    if (this.failing.has(what)) return;
    this.failing.add(what);
    this.say(line);
  }

  /** `what` works again; `line`, if given, is said only when it had been failing. */
  recovered(what: string, line?: string): void {
    if (this.failing.delete(what) && line) this.say(line);
  }
}
