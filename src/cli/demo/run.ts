/**
 * `orchestra demo`: a fresh workspace, the real daemon and dashboard in this process, and the simulated team of
 * `script.ts`; then the conflicts, metrics, timeline and the dashboard's address.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pc from 'picocolors';
import { describeConflict, type Conflict } from '../../core/conflicts.js';
import type { Doc } from '../../core/doc.js';
import { OrchestraError, UsageError } from '../../errors.js';
import { Git, docsGit } from '../../store/git.js';
import { metricsFor, refreshHealth } from '../../store/health.js';
import type { Workspace } from '../../store/workspace.js';
import { initWorkspace } from '../commands/init.js';
import { metricsText } from '../commands/metrics.js';
import { startDaemon } from '../../daemon/daemon.js';
import { startDashboard } from '../../dashboard/server.js';
import { DEMO_WORKERS, STARTER_FILES, demoConfigText } from './project.js';
import { play, type Played, type Stage } from './script.js';
import { Lead, SimWorker, snapshot, type Team } from './team.js';

export interface DemoOptions {
  /** Where to build the workspace; a new temporary folder when absent. */
  dir?: string;
  /** Pace of the account: pauses are divided by it (0 or less: no pauses). */
  speed?: number;
  /** Keep running (daemon and dashboard) until `signal` aborts. */
  keep?: boolean;
  port?: number;
  host?: string;
  out: (line: string) => void;
  /** Aborted by Ctrl-C when `keep` is set. */
  signal?: AbortSignal;
}

export interface DemoResult {
  root: string;
  kept: boolean;
  played: Played;
  url: string;
  metrics: ReturnType<typeof metricsFor>;
  conflicts: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new OrchestraError(`demo: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(25);
  }
}

/** The folder to build in: a new temporary one, or `dir` when it does not exist yet (or is empty). */
function prepareDir(dir: string | undefined): { root: string; temporary: boolean } {
  if (!dir) return { root: realpathSync(mkdtempSync(path.join(os.tmpdir(), 'orchestra-demo-'))), temporary: true };
  const abs = path.resolve(dir);
  if (existsSync(abs)) {
    const entries = readdirSync(abs);
    if (entries.length) {
      throw new UsageError(
        `${abs} already exists${entries.includes('orchestra.yaml') ? ' and holds a workspace (from an earlier demo?)' : ' and is not empty'}: the demo builds a fresh one; pick another --dir, or remove it first`,
      );
    }
  }
  mkdirSync(abs, { recursive: true });
  return { root: realpathSync(abs), temporary: false };
}

async function makeRepo(root: string): Promise<Workspace> {
  const git = new Git(root);
  await git.raw(['init', '-q', '-b', 'main']);
  // Its own identity: the demo must run the same on any machine, configured or not.
  for (const [k, v] of [
    ['user.name', 'lucas (lead)'],
    ['user.email', 'lead@orchestra.invalid'],
    ['commit.gpgsign', 'false'],
  ]) {
    await git.raw(['config', k, v]);
  }
  for (const [rel, text] of Object.entries(STARTER_FILES)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  await git.raw(['add', '--', ...Object.keys(STARTER_FILES)]);
  await git.raw(['commit', '-q', '--no-verify', '-m', 'ianae: starting point']);
  const r = await initWorkspace(root, { workers: DEMO_WORKERS, configText: demoConfigText() });
  return r.ws;
}

const ACTOR_WIDTH = 13;

function actorColour(actor: string): (s: string) => string {
  if (actor === 'daemon') return pc.magenta;
  if (actor === 'lead') return pc.yellow;
  if (actor === 'conflicts') return pc.red;
  return pc.cyan;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const out = opts.out;
  const speed = opts.speed ?? 1;
  const { root, temporary } = prepareDir(opts.dir);
  const kept = !temporary || !!opts.keep;
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  try {
    const ws = await makeRepo(root);
    const git = docsGit(ws);
    const team: Team = { ws, git };
    const lead = new Lead(team);
    const byName = Object.fromEntries(DEMO_WORKERS.map((w) => [w.name, new SimWorker(team, w.name, w.branch!)]));
    for (const w of Object.values(byName)) await w.checkout();

    const daemonLines: string[] = [];
    daemon = await startDaemon(ws, { log: (line: string) => daemonLines.push(line) });
    await daemon.ready;
    dashboard = await startDashboard(ws, { port: opts.port ?? 0, host: opts.host, log: () => {} });

    out(pc.bold('orchestra demo: a simulated team on a fresh workspace, offline (rules brain)'));
    out(`  workspace  ${ws.root}${temporary ? pc.dim(opts.keep ? '  (temporary, kept: --keep)' : '  (temporary: removed at the end; --dir D keeps it)') : ''}`);
    out(`  workers    ${DEMO_WORKERS.map((w) => `${w.name}${w.dependsOn.length ? ` (after ${w.dependsOn.join(', ')})` : ''}`).join(', ')}`);
    out(`  daemon     running in this process; dashboard at ${dashboard.url}`);

    const stage: Stage = {
      lead,
      workers: { core: byName['worker-core'], infra: byName['worker-infra'], nlp: byName['worker-nlp'], ui: byName['worker-ui'] },
      say: (actor, text) => out(`${actorColour(actor)(actor.padEnd(ACTOR_WIDTH))} ${text}`),
      section: (title) => out(`\n${pc.bold(`── ${title} `)}${pc.dim('─'.repeat(Math.max(3, 74 - title.length)))}`),
      pause: (units = 1) => (speed > 0 ? sleep((500 * units) / speed) : Promise.resolve()),
      nextSecond: () => sleep(1000 - (Date.now() % 1000) + 20),
      reaction: async (trigger) => {
        const line = await waitFor(`the daemon to handle ${trigger}`, () => daemonLines.find((l) => l.includes(trigger)));
        const said = /\): (.*?)(?: -> .*)? \[\d+ ms\]$/.exec(line)?.[1] ?? line.replace(/^\d\d:\d\d:\d\d /, '');
        const loaded = await snapshot(team);
        const docs: Doc[] = loaded.docs.filter((d) => d.re === trigger && d.from === 'daemon');
        return { docs, said };
      },
      conflicts: async () => (await refreshHealth(await snapshot(team), new Date())).conflicts,
      describeConflict: (c: Conflict) => {
        // One mention per commit: the same commit is seen both on the branch and by its trailer.
        const side = (w: string) => {
          const refs = [...new Map(c.changes.filter((x) => x.worker === w).map((x) => [x.ref, x])).values()];
          return `${w} (${refs.map((x) => (x.where === 'worktree' ? `uncommitted in ${x.ref}` : `commit ${x.ref.slice(0, 7)}${x.branch ? ` on ${x.branch}` : ''}`)).join(', ')})`;
        };
        return c.kind === 'overlap' ? `${c.file}: changed by ${side(c.workers[0])} and ${side(c.workers[1])}` : describeConflict(c);
      },
    };
    const played = await play(stage);

    // The same views as `orchestra conflicts`, `orchestra metrics` and `orchestra log`.
    const loaded = await snapshot(team);
    const now = new Date();
    const health = await refreshHealth(loaded, now);
    const metrics = metricsFor(loaded, { since: new Date(now.getTime() - loaded.config.metricsWindowMs), now });
    out('');
    for (const l of metricsText(metrics)) out(l);
    out(pc.bold('\nTimeline (git log of .orchestra, oldest first)'));
    const timeline = (await git.timeline()).reverse();
    for (const e of timeline) {
      // start and cancel commits name the order by id (the commit-message contract): show its title instead.
      const title = e.title === e.doc ? (loaded.derived.byId.get(e.doc)?.title ?? e.title) : e.title;
      out(`  ${e.at.slice(11, 19)}  ${actorColour(e.actor)(e.actor.padEnd(ACTOR_WIDTH))} ${e.type.padEnd(10)} ${e.worker.padEnd(13)} ${title.length > 40 ? `${title.slice(0, 39)}…` : title}`);
    }

    out('');
    out(`${pc.bold('Dashboard')}  ${dashboard.url}${opts.keep ? '' : pc.dim('  (stops now; `orchestra demo --keep` leaves it running)')}`);
    if (kept) {
      const c = `orchestra -C ${ws.root}`;
      out(`${pc.bold('Explore')}    ${c} status · ${c} log · ${c} conflicts · ${c} watch worker-nlp --once`);
    }
    const url = dashboard.url;
    if (opts.keep) {
      out(pc.dim('Running until Ctrl-C (the daemon and the dashboard stay up).'));
      await new Promise<void>((resolve) => {
        if (!opts.signal || opts.signal.aborted) return resolve();
        opts.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return { root: ws.root, kept, played, url, metrics, conflicts: health.conflicts.length };
  } finally {
    await daemon?.stop().catch(() => undefined);
    await dashboard?.close().catch(() => undefined);
    if (!kept) rmSync(root, { recursive: true, force: true });
  }
}
