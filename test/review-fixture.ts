/** A workspace in review mode whose faq answers test-framework doubts: the daemon proposes an answer for each. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { git, makeWorkspace } from './helpers.js';
import { configure } from './daemon-fixture.js';

export const REVIEW_FAQ = `faq:
  - match: "test framework|pytest|vitest"
    answer: "Use **vitest**, as the rest of the project does."`;

/** `review: true` in orchestra.yaml, committed; storage in `mode` (branch mode is the default of `init`). */
export async function reviewWorkspace(mode: 'branch' | 'inline' = 'branch'): Promise<string> {
  const dir = await makeWorkspace({ workers: 'worker-core,worker-infra', mode });
  configure(dir, REVIEW_FAQ);
  const file = path.join(dir, 'orchestra.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^review: false/m, 'review: true'));
  git(dir, ['commit', '-q', '-m', 'review mode', '--', 'orchestra.yaml']);
  return dir;
}

import type { ProposalJson } from '../src/dashboard/proposals.js';
export type { ProposalJson };

export interface ProposalsJson {
  review: boolean;
  branch: string;
  tip: string | null;
  proposals: ProposalJson[];
}
