/**
 * orchestra.yaml as the live doc model follows it: re-read when its stat changes (one stat per batch of events,
 * so a doc is never judged by an old worker list), an invalid edit kept out (the previous config stays) and
 * reported once per distinct problem.
 */
import { statSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { ValidationError } from '../errors.js';
import { readConfig } from './config-file.js';
import type { Workspace } from './workspace.js';

export type ConfigCheck = { kind: 'same' } | { kind: 'loaded'; config: Config } | { kind: 'invalid'; message: string };

function signature(file: string): string {
  try {
    const st = statSync(file);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return 'missing';
  }
}

export class ConfigFollower {
  private readonly ws: Workspace;
  /** The caller loaded the config it passes from the file as it is now. */
  private sig: string;
  private problem: string | undefined;

  constructor(ws: Workspace) {
    this.ws = ws;
    this.sig = signature(ws.configPath);
  }

  check(): ConfigCheck {
    const sig = signature(this.ws.configPath);
    if (sig === this.sig) return { kind: 'same' };
    this.sig = sig;
    const r = readConfig(this.ws);
    if (r.ok) {
      this.problem = undefined;
      return { kind: 'loaded', config: r.config };
    }
    const message = new ValidationError(r.problems).message;
    if (message === this.problem) return { kind: 'same' };
    this.problem = message;
    return { kind: 'invalid', message };
  }
}
