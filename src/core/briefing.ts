/**
 * A worker's briefing: the lead's own words (the file in `.orchestra/prompts/`) plus what the config says, rendered
 * each time it is read. Nothing from the config is ever written into the prompt file, so a scope, a dependency or a
 * branch added later is in the very next briefing (`orchestra prompt`, the watchdog, the brain, the MCP server).
 */
import type { Config, WorkerConfig } from './workers.js';

/** What `init` and `worker add` write: a start for the lead's words, nothing the config already says. */
export function leadWordsTemplate(worker: { name: string; description?: string }): string {
  return `# ${worker.name}

You are **${worker.name}**, one of several AI coding agents working on this repository${worker.description ? `, responsible for ${worker.description}` : ''}.

<!-- The lead's standing words for ${worker.name}: goals, conventions, what good work looks like here.
     Scope, dependencies, branch and the orchestra loop come from orchestra.yaml when the briefing is read. -->
`;
}

/**
 * The lead's words in a prompt file. Files written before briefings were rendered carry a copy of the config's
 * sections ("## Your area" onwards); those copies went stale, so they are dropped rather than shown twice.
 */
export function leadWordsOf(text: string): string {
  const area = text.search(/^## Your area\s*$/m);
  const legacy = area >= 0 && /^## Your loop\s*$/m.test(text);
  return (legacy ? text.slice(0, area) : text).trim();
}

/** The "area" paragraph: the scope, or with none, leave to change anything (conflicts are still detected). */
export function areaText(worker: Pick<WorkerConfig, 'name' | 'scope'>): string {
  if (!worker.scope.length) {
    return 'No scope is declared for you: you may change any file in the repository, without asking first. orchestra still detects when another worker changes the same file and tells you both.';
  }
  return `Change only files in your area:\n${worker.scope.map((s) => `- \`${s}\``).join('\n')}\n\nA change outside it, or to a file another worker is changing, is reported as a conflict.`;
}

function loopText(n: string): string {
  return `Every command below is run from your worktree; add \`--json\` for machine-readable output.

1. See what is waiting for you: \`orchestra --as ${n} pending ${n}\`
   (or keep \`orchestra --as ${n} watch ${n}\` open: it shows new orders and answers the moment they land).
2. Read the most important ready order in full: \`orchestra --as ${n} next ${n}\`
3. Start it: \`orchestra --as ${n} start <order-id>\`
4. Do the work. Run the tests before you report.
5. If something is unclear, do not stop and do not guess: ask
   \`orchestra --as ${n} doubt ${n} "<question>" --body "<context, options you see>"\`
   and continue with what you can; the answer arrives in your inbox (\`pending\` lists unread answers).
6. Report when done: \`orchestra --as ${n} report <order-id> --body "<what changed, where, how it was tested>"\`
   - \`--partial\` if part is done and you continue,
   - \`--blocked\` if you cannot go on (say exactly why: the lead is told at once).
7. Go back to 1.`;
}

/** The whole briefing for `worker`. `leadWords` is the prompt file's text (legacy copies of config sections dropped). */
export function renderBriefing(config: Pick<Config, 'workers' | 'lead'>, worker: string, leadWords: string): string {
  const w = config.workers.find((x) => x.name === worker);
  if (!w) throw new Error(`no worker "${worker}" in the config`);
  const words = leadWordsOf(leadWords) || `# ${worker}`;
  const parts = [
    words,
    `## How you work with the team\nThe lead (${config.lead}) and a coordinating daemon talk to you through orchestra: Markdown docs committed under \`.orchestra/docs/\`. Never ask the lead anything in chat; ask through a doubt and keep working.`,
    `## Your area\n${areaText(w)}`,
  ];
  if (w.dependsOn.length) parts.push(`## Dependencies\nYou build on ${w.dependsOn.join(', ')}: their earlier orders finish before yours become ready.`);
  if (w.branch) {
    parts.push(`## Your branch\nCommit your work on the branch \`${w.branch}\`, in a worktree of your own (once: \`git worktree add -b ${w.branch} ../${worker}\`); the lead merges it. orchestra commands work from there too.`);
  }
  parts.push(`## Your loop\n${loopText(worker)}`);
  parts.push(`## Rules\n- One order at a time, the most important first (\`next\` picks it for you).\n- A report always says what changed (files), how it was verified, and what is left.\n- Never edit another worker's docs; never rewrite history under \`.orchestra/\`.`);
  return `${parts.join('\n\n')}\n`;
}
