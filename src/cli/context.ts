import type { Command } from 'commander';
import { createRequire } from 'node:module';
import path from 'node:path';
import { plainTextProblem } from '../core/doc.js';
import { findWorker, workerNames, type Config } from '../core/workers.js';
import { UsageError } from '../errors.js';
import { loadConfigCached } from '../store/config-cache.js';
import type { Git } from '../store/git.js';
import type { Loaded } from '../store/load.js';
import { locateWorkspace, type Workspace } from '../store/workspace.js';
import { autoAttach } from '../store/orchestration.js';
import { MAX_DOC_BYTES } from '../store/frontmatter.js';
import { readBounded } from '../store/bounded-read.js';
import { recordHeartbeat } from '../store/receipts.js';

// Heavier modules are loaded on first use, so a command pays only for what it touches.
const require = createRequire(import.meta.url);

/** How a command file adds itself to the program (kept here, not in program.ts, so command files do not import the module that loads them). */
export type Register = (program: Command, ctx: (cmd: Command) => Ctx) => void;

export interface GlobalOptions {
  C?: string;
  as?: string;
  json?: boolean;
  debug?: boolean;
  color?: boolean;
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** What a command needs from the outside world, resolved lazily so cheap commands stay cheap. */
export class Ctx {
  private cmd: Command;
  readonly io: Io;
  private _ws?: Workspace;
  private _config?: Config;
  private _git?: Git;
  private beat = false;

  constructor(cmd: Command, io: Io) {
    this.cmd = cmd;
    this.io = io;
  }

  get globals(): GlobalOptions {
    return this.cmd.optsWithGlobals() as GlobalOptions;
  }

  get json(): boolean {
    return !!this.globals.json;
  }

  get cwd(): string {
    return path.resolve(this.globals.C ?? process.cwd());
  }

  get ws(): Workspace {
    // A clone whose orchestra.yaml is in branch mode gets its `.orchestra/` on the first command, saying so.
    this._ws ??= autoAttach(locateWorkspace(this.cwd), (line) => this.io.err(line));
    return this._ws;
  }

  get config(): Config {
    this._config ??= loadConfigCached(this.ws);
    return this._config;
  }

  get git(): Git {
    const { docsGit } = require('../store/git.js') as typeof import('../store/git.js');
    if (!this._git) {
      this._git = docsGit(this.ws);
      this._git.notice = (line) => this.io.err(line);
    }
    return this._git;
  }

  async load(opts: { liveOnly?: boolean } = {}): Promise<Loaded> {
    const { loadWorkspace } = await import('../store/load.js');
    const loaded = await loadWorkspace(this.ws, { config: this.config, git: this.git, liveOnly: opts.liveOnly });
    if (loaded.problems.length && !this.json) {
      const files = new Set(loaded.problems.map((p) => p.file)).size;
      this.io.err(`warning: ${files} invalid doc${files === 1 ? '' : 's'} ignored (run \`orchestra validate\` to see why)`);
    }
    return loaded;
  }

  /** `--as`, else $ORCHESTRA_AS, else lead; must be lead, daemon or a declared worker. */
  get identity(): string {
    const id = (this.globals.as ?? process.env.ORCHESTRA_AS ?? 'lead').trim();
    if (id !== 'lead' && id !== 'daemon' && !findWorker(this.config, id)) {
      throw new UsageError(`unknown identity "${id}" (from ${this.globals.as ? '--as' : '$ORCHESTRA_AS'}): use lead, daemon or one of ${[...workerNames(this.config)].join(', ')}`);
    }
    // Every call by a worker is a heartbeat (DESIGN.md, "Receipts and liveness"), once per command.
    if (!this.beat && id !== 'lead' && id !== 'daemon') {
      this.beat = true;
      try {
        recordHeartbeat(this.ws, id);
      } catch {
        // Best effort: a read-only .orchestra/state must not fail the command; liveness just sees less.
      }
    }
    return id;
  }

  requireWorker(name: string, what = 'worker'): string {
    if (!findWorker(this.config, name)) {
      const known = [...workerNames(this.config)];
      throw new UsageError(`unknown ${what} "${name}": declared workers are ${known.join(', ')} (add one with \`orchestra worker add ${name}\`)`);
    }
    return name;
  }
}

/** Body text from `--body` or `--file` (`-` reads stdin). */
export function readBody(opts: { body?: string; file?: string }): string | undefined {
  if (opts.body !== undefined && opts.file !== undefined) throw new UsageError('give either --body or --file, not both');
  if (opts.body !== undefined) return opts.body;
  if (opts.file === undefined) return undefined;
  let read;
  try {
    // Read with the limit: `--file /dev/zero` or an endless pipe stops one byte past it.
    read = readBounded(opts.file === '-' ? 0 : opts.file, MAX_DOC_BYTES);
  } catch (e) {
    throw new UsageError(`cannot read --file ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const text = read.bytes.toString('utf8');
  if (read.over) throw new UsageError(`--file ${opts.file} is over the 1 MB limit for a doc: link to large content instead`);
  if (text.includes('\0')) throw new UsageError(`--file ${opts.file} contains binary data: a doc body must be text`);
  return text;
}

export function checkTitle(title: string): string {
  const t = title.trim();
  if (!t) throw new UsageError('the title is empty: give a short one-line title');
  if (/[\r\n]/.test(t)) throw new UsageError('the title must be a single line: put details in --body');
  if (t.length > 200) throw new UsageError(`the title is ${t.length} characters, over 200: put details in --body`);
  const plain = plainTextProblem(t);
  if (plain) throw new UsageError(`the title ${plain}`);
  return t;
}
