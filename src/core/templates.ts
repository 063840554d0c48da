/** Text that `init` and `worker add` write. Pure: callers decide where it goes. */

export interface WorkerSeed {
  name: string;
  scope: string[];
  dependsOn: string[];
  description: string;
  /** The branch this worker commits on, when it works in its own worktree. */
  branch?: string;
}

/** The seed's team: core and infra independent, nlp after core, ui after core and infra. */
export const SEED_WORKERS: WorkerSeed[] = [
  { name: 'worker-core', scope: ['src/core/**'], dependsOn: [], description: 'the core engine' },
  { name: 'worker-infra', scope: ['tests/**', 'test/**', '.github/**', 'infra/**'], dependsOn: [], description: 'tests, CI and infrastructure' },
  { name: 'worker-nlp', scope: ['src/nlp/**'], dependsOn: ['worker-core'], description: 'natural-language processing on top of the core' },
  { name: 'worker-ui', scope: ['src/ui/**'], dependsOn: ['worker-core', 'worker-infra'], description: 'the user interface and dashboard' },
];

export const SCHEMA_PATH = '.orchestra/orchestra.schema.json';

export function yamlList(items: string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
}

export function configTemplate(workers: WorkerSeed[], lead = 'lead'): string {
  const blocks = workers
    .map(
      (w, i) => `  - name: ${w.name}${w.description ? `            # ${w.description}` : ''}
    scope: ${yamlList(w.scope)}
    prompt: .orchestra/prompts/${w.name}.md
    priority: ${i + 1}
    depends_on: ${yamlList(w.dependsOn)}${w.branch ? `\n    branch: ${w.branch}` : ''}`,
    )
    .join('\n');
  return `# yaml-language-server: $schema=${SCHEMA_PATH}
# orchestra: who works on this repository and how they are coordinated.
# Check it with \`orchestra validate\`; add workers with \`orchestra worker add <name>\`.
version: 1
${`lead: ${lead}`.padEnd(34)} # display name of the lead (the identity stays \`lead\`)

workers:
${blocks}

brain:
  kind: rules                      # rules (offline) | anthropic (needs ANTHROPIC_API_KEY)
  model: claude-sonnet-4-6
  max_tokens: 4096
  max_daily_calls: 100             # hard budget per UTC day; alert at 80 %
  retries: 3
  breaker: { failures: 3, cooldown: 60s }

# The rules brain answers doubts whose title or body matches (case-insensitive regular expression).
faq:
  - match: "test framework|framework.*test|pytest|vitest|jest"
    answer: "Use the test framework the project already uses (look at its test folder and package manifest); do not add a second one."

archive_after: 14d                 # settled threads older than this move to .orchestra/archive/
stale_after: 4h                    # an order in progress with no activity for this long raises an alert
`;
}

export function promptTemplate(worker: WorkerSeed | { name: string; scope: string[]; dependsOn: string[]; description?: string; branch?: string }): string {
  const n = worker.name;
  return `# ${n}

You are **${n}**, one of several AI coding agents working on this repository${worker.description ? `, responsible for ${worker.description}` : ''}.
The lead and a coordinating daemon talk to you through orchestra: Markdown docs committed under
\`.orchestra/docs/\`. Never ask the lead anything in chat; ask through a doubt and keep working.

## Your area
${worker.scope.length ? worker.scope.map((s) => `- \`${s}\``).join('\n') : '- (no scope declared: ask the lead before touching shared files)'}
${worker.dependsOn.length ? `\nYou build on ${worker.dependsOn.join(', ')}: their earlier orders finish before yours become ready.\n` : ''}
Change only files in your area. A change outside it, or to a file another worker is changing, is reported as
a conflict.${worker.branch ? `\n\nCommit your work on the branch \`${worker.branch}\`, in a worktree of your own (once:
\`git worktree add -b ${worker.branch} ../${n}\`); the lead merges it. orchestra commands work from there too.` : ''}

## Your loop
Every command below is run from your worktree; add \`--json\` for machine-readable output.

1. See what is waiting for you: \`orchestra --as ${n} pending ${n}\`
   (or keep \`orchestra watch ${n}\` open: it shows new orders and answers the moment they land).
2. Read the most important ready order in full: \`orchestra --as ${n} next ${n}\`
3. Start it: \`orchestra --as ${n} start <order-id>\`
4. Do the work. Run the tests before you report.
5. If something is unclear, do not stop and do not guess: ask
   \`orchestra --as ${n} doubt ${n} "<question>" --body "<context, options you see>"\`
   and continue with what you can; the answer arrives in your inbox (\`pending\` lists unread answers).
6. Report when done: \`orchestra --as ${n} report <order-id> --body "<what changed, where, how it was tested>"\`
   - \`--partial\` if part is done and you continue,
   - \`--blocked\` if you cannot go on (say exactly why: the lead is told at once).
7. Go back to 1.

## Rules
- One order at a time, the most important first (\`next\` picks it for you).
- A report always says what changed (files), how it was verified, and what is left.
- Never edit another worker's docs; never rewrite history under \`.orchestra/\`.
`;
}

/**
 * One `workers:` item as YAML text, laid out like the ones `init` writes, for `worker add` to splice into an
 * existing file (so the rest of the file keeps its bytes). `indent` is the column of the item's `-`.
 */
export function workerItemText(w: WorkerSeed & { priority: number }, indent: number): string {
  const pad = ' '.repeat(indent);
  const lines = [
    `${pad}- name: ${w.name}${w.description ? `            # ${w.description.replace(/\s+/g, ' ')}` : ''}`,
    `${pad}  scope: ${yamlList(w.scope)}`,
    `${pad}  prompt: .orchestra/prompts/${w.name}.md`,
    `${pad}  priority: ${w.priority}`,
    `${pad}  depends_on: ${yamlList(w.dependsOn)}`,
  ];
  if (w.branch) lines.push(`${pad}  branch: ${w.branch}`);
  return lines.join('\n');
}
