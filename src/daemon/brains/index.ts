import type { BrainKind, Config } from '../../core/config.js';
import { OrchestraError } from '../../errors.js';
import type { StateWriteError } from '../../store/atomic.js';
import type { Workspace } from '../../store/workspace.js';
import type { Brain } from '../brain.js';
import { RulesBrain } from './rules.js';

export interface BrainOptions {
  ws: Workspace;
  config: Config;
  /** Injected clock (tests move it across UTC days). */
  now?: () => Date;
  /** Hears once that the brain's log cannot be written. */
  onLogError?: (e: StateWriteError) => void;
}

/** Builds the brain named by `--brain` or `brain.kind`. */
export async function createBrain(kind: BrainKind, opts: BrainOptions): Promise<Brain> {
  if (kind === 'rules') return new RulesBrain();
  if (kind === 'claude-code') {
    // Headless Claude Code uses the user's own login (or whatever its environment says): no key is read here.
    const { ClaudeCodeBrain } = await import('./claude-code.js');
    return new ClaudeCodeBrain({ ws: opts.ws, config: opts.config, now: opts.now, onLogError: opts.onLogError });
  }
  // The key comes from ANTHROPIC_API_KEY and nowhere else; the SDK is loaded only when this brain is chosen.
  const apiKey = process.env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) throw new OrchestraError('ANTHROPIC_API_KEY is not set: export it to use the anthropic brain, or run the daemon with --brain rules');
  const { AnthropicBrain } = await import('./anthropic.js');
  return new AnthropicBrain({ ws: opts.ws, config: opts.config, apiKey, now: opts.now, onLogError: opts.onLogError });
}
