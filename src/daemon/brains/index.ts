import type { Config } from '../../core/config.js';
import { OrchestraError } from '../../errors.js';
import type { Workspace } from '../../store/workspace.js';
import type { Brain } from '../brain.js';
import { RulesBrain } from './rules.js';

export interface BrainOptions {
  ws: Workspace;
  config: Config;
  /** Injected clock (tests move it across UTC days). */
  now?: () => Date;
}

/** Builds the brain named by `--brain` or `brain.kind`. */
export async function createBrain(kind: 'rules' | 'anthropic', opts: BrainOptions): Promise<Brain> {
  if (kind === 'rules') return new RulesBrain();
  throw new OrchestraError('the anthropic brain is not available in this build yet: run the daemon with --brain rules');
}
