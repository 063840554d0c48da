/** Text that `init` and `worker add` write. Pure: callers decide where it goes. */
import { leadWordsTemplate } from './briefing.js';

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

/** The `orchestration:` block of a branch-mode config. */
export function orchestrationBlock(branch: string): string {
  return `\n# Branch mode: docs, archive and prompts are committed on this branch, checked out at .orchestra/ (\`git log ${branch}\`).\norchestration:\n  branch: ${branch}\n`;
}

export function configTemplate(workers: WorkerSeed[], lead = 'lead', orchestrationBranch?: string): string {
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
review: false                      # true: the daemon's docs wait for the lead's approval on the proposals branch
${orchestrationBranch ? orchestrationBlock(orchestrationBranch) : ''}`;
}

/** The prompt file `init` and `worker add` write: the lead's words only (the briefing renders the rest). */
export function promptTemplate(worker: { name: string; description?: string }): string {
  return leadWordsTemplate(worker);
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
