/**
 * Branch mode (DESIGN.md "Files"): the docs on a branch of their own, checked out at `.orchestra/`. The code's
 * branch gets init's config commit and nothing else through whole scenarios; the user's index, working tree and
 * branch switches and orchestra never touch each other; every worktree uses the one `.orchestra/`; a clone
 * attaches; an inline workspace migrates losing nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, gitdir, makeWorkspace, ogit, ok, okJson, run, tempDir, waitFor } from './helpers.js';
import { configure, isCommitted, porcelain, reactionOf, reactionsTo, startDaemonCli } from './daemon-fixture.js';

afterAll(cleanupTemp);

const FAQ = `faq:
  - match: "test framework|pytest|vitest"
    answer: "Use vitest, as the rest of the project does."`;

/** orchestra's commit subjects on a branch of the code. */
const orchestraSubjects = (dir: string, ref = 'main') =>
  git(dir, ['log', '--format=%s', ref]).trim().split('\n').filter((s) => s.startsWith('orchestra:'));

const INIT_CODE_COMMIT = 'orchestra: init lead: the team (4 workers) in orchestra.yaml';

describe('branch mode', () => {
  it('init: the config and the ignore rule on main, everything else on branch orchestra mounted at .orchestra/', async () => {
    const dir = gitdir();
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
    writeFileSync(path.join(dir, 'app.js'), 'console.log(1);\n');
    git(dir, ['add', '.']);
    git(dir, ['commit', '-q', '-m', 'app']);
    writeFileSync(path.join(dir, 'app.js'), 'console.log(2);\n');
    git(dir, ['add', 'app.js']);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const staged = git(dir, ['diff', '--cached']);
    const r = await run(dir, ['init']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/docs are committed on branch orchestra, checked out at \.orchestra\//);
    expect(r.stdout).toMatch(/Committed orchestra\.yaml and \.gitignore on your branch main \(commit [0-9a-f]{7}\)/);
    expect(git(dir, ['show', '--name-only', '--format=%s', 'HEAD']).trim().split('\n')).toEqual([INIT_CODE_COMMIT, '', '.gitignore', 'orchestra.yaml']);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^node_modules\/\n# orchestra: .*\n\/\.orchestra\/\n$/);
    expect(readFileSync(path.join(dir, 'orchestra.yaml'), 'utf8')).toMatch(/^orchestration:\n {2}branch: orchestra$/m);
    // The orchestration branch: its own history, files at its root, the worktree at .orchestra/.
    expect(git(dir, ['worktree', 'list', '--porcelain'])).toContain(`worktree ${path.join(dir, '.orchestra')}\nHEAD `);
    expect(git(dir, ['ls-tree', '-r', '--name-only', 'orchestra']).trim().split('\n')).toEqual([
      '.gitignore',
      'docs/.gitkeep',
      'orchestra.schema.json',
      'prompts/worker-core.md',
      'prompts/worker-infra.md',
      'prompts/worker-nlp.md',
      'prompts/worker-ui.md',
    ]);
    expect(() => git(dir, ['merge-base', 'main', 'orchestra'])).toThrow(); // no history in common with the code
    // The user's work is as it was; the main checkout does not see .orchestra/.
    expect(git(dir, ['diff', '--cached'])).toBe(staged);
    expect(git(dir, ['status', '--porcelain']).trim().split('\n')).toEqual(['M  app.js', '?? notes.txt']);
    expect(await ok(dir, ['doctor'])).toMatch(/storage +branch mode: docs are committed on branch orchestra/);
  }, 60_000);

  it("a whole scenario A/B/C run: main gets no orchestra commit; the user's index, edits and branch switches and orchestra never touch each other", async () => {
    const dir = await makeWorkspace({ mode: 'branch' });
    configure(dir, FAQ); // the lead's own config edit, committed by hand
    writeFileSync(path.join(dir, 'lib.js'), 'export const a = 1;\n');
    git(dir, ['add', 'lib.js']);
    git(dir, ['commit', '-q', '-m', 'lib']);
    // Work in progress: a staged change, an unstaged one, an untracked file.
    writeFileSync(path.join(dir, 'lib.js'), 'export const a = 2;\n');
    git(dir, ['add', 'lib.js']);
    writeFileSync(path.join(dir, 'lib.js'), 'export const a = 3;\n');
    writeFileSync(path.join(dir, 'scratch.txt'), 'draft\n');
    const before = { staged: git(dir, ['diff', '--cached']), unstaged: git(dir, ['diff']), status: git(dir, ['status', '--porcelain']) };
    const d = await startDaemonCli(dir);
    try {
      // Scenario A: two independent workers.
      const core = await ok(dir, ['order', 'worker-core', 'Optimize propagation']);
      const infra = await ok(dir, ['order', 'worker-infra', 'Create tests']);
      // Scenario B: nlp waits on core.
      const nlp = await ok(dir, ['order', 'worker-nlp', 'Integrate NLP with the numpy core']);
      await d.waitForOutput(new RegExp(`order ${nlp} .*waiting on ${core}`));
      await ok(dir, ['--as', 'worker-infra', 'start', infra]);
      await ok(dir, ['--as', 'worker-core', 'start', core]);

      // The person switches the main checkout to another branch (staged and unstaged work travel with it):
      // orchestra goes on the same, and what it wrote is still there when they come back.
      git(dir, ['checkout', '-q', '-b', 'feature/x']);
      const onFeature = await ok(dir, ['order', 'worker-ui', 'Show propagation in the panel']);
      expect((await okJson(dir, ['pending', 'worker-ui'])).waiting.map((o: { id: string }) => o.id)).toEqual([onFeature]);
      expect(git(dir, ['log', '-1', '--format=%s', 'feature/x']).trim()).not.toMatch(/^orchestra: order/);
      git(dir, ['checkout', '-q', 'main']);
      expect((await okJson(dir, ['pending', 'worker-ui'])).waiting.map((o: { id: string }) => o.id)).toEqual([onFeature]);

      // Scenario C: a doubt the faq answers, one escalated to the lead, who answers.
      const q1 = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Which test framework should I use?']);
      const answer = await reactionOf(dir, q1);
      expect(answer.fm).toMatchObject({ type: 'answer', from: 'daemon', re: q1 });
      const q2 = await ok(dir, ['--as', 'worker-core', 'doubt', 'worker-core', 'Which colour for the logo?']);
      const esc = await reactionOf(dir, q2);
      expect(esc.fm).toMatchObject({ type: 'escalation', to: 'lead' });
      await ok(dir, ['answer', esc.id, '--body', 'Blue.']);
      const rCore = await ok(dir, ['--as', 'worker-core', 'report', core, '--body', 'p99 3 ms']);
      await d.waitForOutput(new RegExp(`${rCore}.*now ready: ${nlp} \\(worker-nlp\\)`));
      await ok(dir, ['--as', 'worker-infra', 'report', infra]);
      await waitFor(() => isCommitted(dir, answer.path) && isCommitted(dir, esc.path) && porcelain(dir) === before.status.trim(), { message: 'everything committed' });

      // Every write landed on the orchestration branch, with its trailers...
      const timeline = (await okJson(dir, ['log'])).map((e: { type: string; actor: string }) => `${e.actor} ${e.type}`);
      for (const e of ['lead order', 'worker-core start', 'daemon answer', 'daemon escalation', 'lead answer', 'worker-core report', 'worker-infra report']) expect(timeline).toContain(e);
      expect(ogit(dir, ['log', '-1', '--format=%an', '--', answer.path]).trim()).toBe('daemon');
      expect(git(dir, ['log', '--format=%s', 'orchestra']).trim().split('\n').length).toBeGreaterThan(12);
      // ...and none on main or on the branch the person switched to: init's config commit only.
      expect(orchestraSubjects(dir, 'main')).toEqual([INIT_CODE_COMMIT]);
      expect(orchestraSubjects(dir, 'feature/x')).toEqual([INIT_CODE_COMMIT]);
      expect(git(dir, ['ls-tree', '-r', '--name-only', 'main']).trim().split('\n').filter((f) => f.startsWith('.orchestra'))).toEqual([]);
      // The person's work is exactly as they left it.
      expect(git(dir, ['diff', '--cached'])).toBe(before.staged);
      expect(git(dir, ['diff'])).toBe(before.unstaged);
      expect(git(dir, ['status', '--porcelain'])).toBe(before.status);
      expect(git(dir, ['status', '--porcelain'], {}).includes('.orchestra')).toBe(false);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  }, 180_000);

  it('commands from a linked worktree on another branch read and write the one .orchestra/', async () => {
    const dir = await makeWorkspace({ mode: 'branch', workers: 'worker-core,worker-infra' });
    const wt = path.join(tempDir(), 'wt-feature');
    git(dir, ['worktree', 'add', '-q', '-b', 'feature/y', wt]);
    expect(existsSync(path.join(wt, '.orchestra'))).toBe(false); // no stale copy in a worker's worktree
    const fromMain = await ok(dir, ['order', 'worker-core', 'From the main checkout']);
    const fromWt = await ok(wt, ['order', 'worker-infra', 'From the linked worktree']);
    expect(existsSync(path.join(dir, '.orchestra/docs/worker-infra', `${fromWt}.md`))).toBe(true);
    expect(existsSync(path.join(wt, '.orchestra'))).toBe(false);
    expect((await okJson(wt, ['list'])).map((d: { id: string }) => d.id).sort()).toEqual([fromMain, fromWt].sort());
    await ok(wt, ['--as', 'worker-core', 'start', fromMain]);
    expect((await okJson(dir, ['show', fromMain])).state).toBe('in_progress');
    expect(git(dir, ['log', '-1', '--format=%s', 'orchestra']).trim()).toBe(`orchestra: start worker-core: ${fromMain}`);
    expect(orchestraSubjects(dir, 'feature/y')).toEqual(['orchestra: init lead: the team (2 workers) in orchestra.yaml']);
    expect(git(wt, ['status', '--porcelain']).trim()).toBe('');
  }, 60_000);

  it("launch makes the worker's worktree off the code's branch; the worker's commands there use the one .orchestra/", async () => {
    const dir = await makeWorkspace({ mode: 'branch', workers: 'worker-core' });
    const order = await ok(dir, ['order', 'worker-core', 'Work in the worktree']);
    const wt = path.join(tempDir(), 'wt-core');
    const r = await run(dir, ['launch', 'worker-core', '--worktree', wt, '--no-start']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(git(dir, ['rev-parse', 'main']).trim());
    expect(existsSync(path.join(wt, '.orchestra'))).toBe(false);
    await ok(wt, ['--as', 'worker-core', 'start', order]);
    mkdirSync(path.join(wt, 'src/core'), { recursive: true });
    writeFileSync(path.join(wt, 'src/core/work.ts'), 'export const done = true;\n');
    git(wt, ['add', 'src/core/work.ts']);
    git(wt, ['commit', '-q', '-m', 'the work']);
    await ok(wt, ['--as', 'worker-core', 'report', order]);
    expect((await okJson(dir, ['show', order])).state).toBe('completed');
    // The worker's branch holds its work and no orchestra commit; the orchestration branch holds the docs.
    expect(git(dir, ['log', '--format=%s', 'main..worker-core']).trim()).toBe('the work');
    expect(git(dir, ['log', '-1', '--format=%s', 'orchestra']).trim()).toBe('orchestra: report worker-core: Done: Work in the worktree');
    expect(await okJson(dir, ['conflicts'])).toEqual([]);
  }, 60_000);

  it('init --inline keeps the docs on the checked-out branch, as in 0.1', async () => {
    const dir = await makeWorkspace({ mode: 'inline', workers: 'worker-core' });
    expect(existsSync(path.join(dir, '.orchestra/.git'))).toBe(false);
    expect(git(dir, ['branch', '--list', 'orchestra']).trim()).toBe('');
    expect(readFileSync(path.join(dir, 'orchestra.yaml'), 'utf8')).not.toMatch(/^orchestration:/m);
    const id = await ok(dir, ['order', 'worker-core', 'Inline order']);
    expect(git(dir, ['log', '-1', '--format=%s', 'main']).trim()).toBe('orchestra: order worker-core: Inline order');
    expect(git(dir, ['ls-files', '.orchestra/docs/worker-core']).trim()).toBe(`.orchestra/docs/worker-core/${id}.md`);
    expect(await ok(dir, ['doctor'])).toMatch(/storage +inline mode/);
  }, 60_000);

  it('a clone of a bare remote attaches: `orchestra attach`, or the first command by itself; no branch anywhere is a clear error', async () => {
    const dir = await makeWorkspace({ mode: 'branch', workers: 'worker-core' });
    const id = await ok(dir, ['order', 'worker-core', 'Shared order']);
    const bare = path.join(tempDir(), 'remote.git');
    git(dir, ['init', '-q', '--bare', '--initial-branch=main', bare]);
    git(dir, ['remote', 'add', 'origin', bare]);
    git(dir, ['push', '-q', 'origin', 'main', 'orchestra']);

    const cloneA = path.join(tempDir(), 'a');
    git(dir, ['clone', '-q', bare, cloneA]);
    const attached = await ok(cloneA, ['attach']);
    expect(attached).toBe('orchestra: attached .orchestra/ to the orchestration branch orchestra, tracking origin/orchestra (a worktree, ignored in this checkout)');
    expect(git(cloneA, ['rev-parse', '--abbrev-ref', 'orchestra@{upstream}']).trim()).toBe('origin/orchestra');
    expect((await okJson(cloneA, ['list'])).map((d: { id: string }) => d.id)).toEqual([id]);
    expect(await ok(cloneA, ['attach'])).toMatch(/already the orchestration worktree/);
    expect(git(cloneA, ['status', '--porcelain']).trim()).toBe('');

    const cloneB = path.join(tempDir(), 'b');
    git(dir, ['clone', '-q', bare, cloneB]);
    const r = await run(cloneB, ['pending', 'worker-core', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^orchestra: attached \.orchestra\/ to the orchestration branch orchestra, tracking origin\/orchestra/);
    expect(JSON.parse(r.stdout).ready.map((d: { id: string }) => d.id)).toEqual([id]);
    // Written in the clone: on its orchestration branch, never on main.
    await ok(cloneB, ['order', 'worker-core', 'From clone B']);
    expect(orchestraSubjects(cloneB, 'main')).toEqual(['orchestra: init lead: the team (1 workers) in orchestra.yaml']);

    // A remote with the code but not the orchestration branch.
    const bare2 = path.join(tempDir(), 'code-only.git');
    git(dir, ['init', '-q', '--bare', '--initial-branch=main', bare2]);
    git(dir, ['push', '-q', bare2, 'main']);
    const cloneC = path.join(tempDir(), 'c');
    git(dir, ['clone', '-q', bare2, cloneC]);
    const bad = await run(cloneC, ['list']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/keeps the orchestration on branch "orchestra", but neither this repository nor its remotes have it: fetch it .*orchestra attach.*orchestra init --force/);
  }, 90_000);

  it('doctor says when .orchestra/ is not mounted, with the fix; attach mends it; init --force repairs in branch mode', async () => {
    const dir = await makeWorkspace({ mode: 'branch', workers: 'worker-core' });
    const id = await ok(dir, ['order', 'worker-core', 'Kept']);
    git(dir, ['worktree', 'remove', '--force', '.orchestra']);
    rmSync(path.join(dir, '.orchestra'), { recursive: true, force: true });
    const doctor = await run(dir, ['doctor']);
    expect(doctor.stdout).toMatch(/storage +\.orchestra\/ is not the orchestration worktree \(branch orchestra\) → fix: `orchestra attach`/);
    expect(await ok(dir, ['attach'])).toMatch(/attached \.orchestra\/ to the orchestration branch orchestra/);
    expect((await okJson(dir, ['list'])).map((d: { id: string }) => d.id)).toEqual([id]);
    // A detached HEAD in .orchestra/: no commit lands anywhere but the orchestration branch, and doctor says so.
    git(dir, ['-C', '.orchestra', 'checkout', '-q', '--detach']);
    const refused = await run(dir, ['order', 'worker-core', 'Nowhere to go']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/no branch checked out \(a detached HEAD\): orchestra commits only on the orchestration branch/);
    expect((await run(dir, ['doctor'])).stdout).toMatch(/storage +\.orchestra\/ has a detached HEAD checked out, not the orchestration branch orchestra → fix: `git -C \.orchestra checkout orchestra`/);
    git(dir, ['-C', '.orchestra', 'checkout', '-q', 'orchestra']);
    expect((await okJson(dir, ['list'])).map((d: { id: string }) => d.id)).toEqual([id]);
    // A deleted prompt and schema are put back as HEAD has them (nothing to commit); a missing .gitignore is committed.
    rmSync(path.join(dir, '.orchestra/prompts/worker-core.md'));
    rmSync(path.join(dir, '.orchestra/orchestra.schema.json'));
    rmSync(path.join(dir, '.orchestra/.gitignore'));
    git(dir, ['-C', '.orchestra', 'commit', '-q', '-m', 'lost its ignore rules', '--', '.gitignore']);
    const forced = await okJson(dir, ['init', '--force']);
    expect(forced).toMatchObject({ mode: 'branch', files: ['.orchestra/.gitignore'], codeFiles: [] });
    expect(existsSync(path.join(dir, '.orchestra/prompts/worker-core.md'))).toBe(true);
    expect(existsSync(path.join(dir, '.orchestra/orchestra.schema.json'))).toBe(true);
    expect(git(dir, ['log', '-1', '--format=%s', 'orchestra']).trim()).toBe('orchestra: init lead: repair the workspace (1 files)');
    expect(porcelain(dir)).toBe('');
    expect(orchestraSubjects(dir)).toEqual(['orchestra: init lead: the team (1 workers) in orchestra.yaml']);
  }, 60_000);
});

describe('orchestra migrate --to-branch', () => {
  it('moves an inline workspace in two commits, losing nothing: ids, dates, uncommitted docs, the daemon cursor', async () => {
    const dir = await makeWorkspace({ mode: 'inline', workers: 'worker-core,worker-infra' });
    const order = await ok(dir, ['order', 'worker-core', 'Before the move']);
    const q = await ok(dir, ['--as', 'worker-infra', 'doubt', 'worker-infra', 'Answered before the move']);
    // A hand-written doc whose creation date is its first commit's.
    writeFileSync(path.join(dir, '.orchestra/docs/worker-core/hand-order.md'), '---\ntype: order\ntitle: By hand\n---\nWritten by hand.\n');
    git(dir, ['add', '.orchestra/docs/worker-core/hand-order.md']);
    git(dir, ['commit', '-q', '-m', 'a hand-written order']);
    expect((await run(dir, ['daemon', '--once', '--catch-up'])).exitCode).toBe(0);
    expect(reactionsTo(dir, q)).toHaveLength(1);
    // Not committed yet: a doubt written by hand while the daemon was away.
    writeFileSync(path.join(dir, '.orchestra/docs/worker-infra/hand-doubt.md'), '---\ntype: doubt\ntitle: Asked during the move\n---\n');
    const cursor = readFileSync(path.join(dir, '.orchestra/state/daemon-cursor.txt'), 'utf8');
    const docsBefore = (await okJson(dir, ['list'])).map((d: { id: string; created: string; state: string | null }) => [d.id, d.created, d.state]);
    const mainBefore = git(dir, ['rev-parse', 'HEAD']).trim();

    const out = await ok(dir, ['migrate', '--to-branch']);
    expect(out).toMatch(/Moved \d+ files \(docs, archive, prompts\) to branch orchestra/);
    expect(out).toMatch(/1 hand-written doc got the date of its first commit as created:/);
    // Two commits: one on main (its parent the old HEAD), the orchestration branch's only one.
    expect(git(dir, ['rev-parse', 'HEAD~1']).trim()).toBe(mainBefore);
    expect(git(dir, ['log', '-1', '--format=%s']).trim()).toBe('orchestra: migrate lead: docs moved to branch orchestra');
    expect(git(dir, ['ls-tree', '-r', '--name-only', 'HEAD']).trim().split('\n').filter((f) => f.startsWith('.orchestra'))).toEqual([]);
    expect(git(dir, ['rev-list', '--count', 'orchestra']).trim()).toBe('1');
    expect(readFileSync(path.join(dir, 'orchestra.yaml'), 'utf8')).toMatch(/^orchestration:\n {2}branch: orchestra$/m);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    // Every doc still shows, with the same id, date and state; the uncommitted one too.
    expect((await okJson(dir, ['list'])).map((d: { id: string; created: string; state: string | null }) => [d.id, d.created, d.state])).toEqual(docsBefore);
    expect(ogit(dir, ['status', '--porcelain']).trim()).toBe('?? .orchestra/docs/worker-infra/hand-doubt.md');
    // The daemon's cursor came along and is still valid: the old doubt is not answered twice, the new one once.
    expect(readFileSync(path.join(dir, '.orchestra/state/daemon-cursor.txt'), 'utf8')).toBe(cursor);
    const again = await run(dir, ['daemon', '--once']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/adopted/);
    expect(reactionsTo(dir, q)).toHaveLength(1);
    expect(reactionsTo(dir, 'hand-doubt')).toHaveLength(1);
    expect(reactionsTo(dir, order)).toEqual([]);
    expect(porcelain(dir)).toBe('');
    expect(orchestraSubjects(dir).slice(0, 1)).toEqual(['orchestra: migrate lead: docs moved to branch orchestra']);
    // A second migration has nothing to do.
    const twice = await run(dir, ['migrate', '--to-branch']);
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toMatch(/already in branch mode/);
  }, 120_000);
});
