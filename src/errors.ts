/** The whole error vocabulary. Commands throw these; one catch in cli/main.ts turns them into exit codes. */

export const EXIT = { ok: 0, runtime: 1, usage: 2, validation: 3, timeout: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface Problem {
  /** Workspace-relative file the problem is in. */
  file: string;
  /** Key path inside the file (`workers[1].depends_on`), or `-` for the whole file. */
  field: string;
  /** What is wrong and how to fix it. */
  message: string;
}

export function formatProblem(p: Problem): string {
  return p.field && p.field !== '-' ? `${p.file}: ${p.field}: ${p.message}` : `${p.file}: ${p.message}`;
}

export class OrchestraError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.runtime) {
    super(message);
    this.name = 'OrchestraError';
    this.exitCode = exitCode;
  }
}

/** Bad arguments: unknown worker, malformed id, missing option. Exit 2. */
export class UsageError extends OrchestraError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/**
 * A well-formed request the workspace's state does not allow now (a worker with open orders, an uncommitted
 * orchestra.yaml): the same command may succeed later, so it is not a usage error. Exit 1. The message names the rule.
 */
export class Refusal extends OrchestraError {
  constructor(message: string) {
    super(message, EXIT.runtime);
    this.name = 'Refusal';
  }
}

/** Invalid config or docs. Exit 3; carries every problem found. */
export class ValidationError extends OrchestraError {
  readonly problems: Problem[];
  constructor(problems: Problem[], summary?: string) {
    super(summary ?? problems.map(formatProblem).join('\n'), EXIT.validation);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Something we looked for does not exist (a doc id, the workspace). Exit 1. */
export class NotFoundError extends OrchestraError {
  constructor(message: string) {
    super(message, EXIT.runtime);
    this.name = 'NotFoundError';
  }
}

/** git failed in a way we could not recover from. Exit 1. */
export class GitFailure extends OrchestraError {
  constructor(message: string) {
    super(message, EXIT.runtime);
    this.name = 'GitFailure';
  }
}

/** An actor asked for something the rules of "who may do what" do not allow (DESIGN.md). Exit 1, HTTP 403. */
export class Forbidden extends OrchestraError {
  /** The rule that refused it, e.g. `answers-from-lead`. */
  readonly rule: string;
  constructor(message: string, rule: string) {
    super(message, EXIT.runtime);
    this.name = 'Forbidden';
    this.rule = rule;
  }
}

/** `wait` saw nothing arrive before its timeout. Exit 4. */
export class TimeoutError extends OrchestraError {
  constructor(message: string) {
    super(message, EXIT.timeout);
    this.name = 'TimeoutError';
  }
}
