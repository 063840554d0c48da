import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectConflicts, type Change } from '../src/core/conflicts.js';
import { cleanupTemp, git, ok, okJson, run } from './helpers.js';
import { commitAll, makeTeam, write } from './conflicts-fixture.js';

afterAll(cleanupTemp);

type ConflictOut = { file: string; workers: string[]; kind: string; changes: { worker: string; where: string; ref: string; branch?: string }[] };

function alertsOf(root: string): { kind: string; key?: string; resolve?: string }[] {
  try {
    return readFileSync(path.join(root, '.orchestra/state/alerts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

describe('detectConflicts (pure)', () => {
  const config = {
    workers: [
      { name: 'a', scope: ['src/a/**'] },
      { name: 'b', scope: [] },
    ],
  } as never;
  it('pairs workers that share a file, never a file one worker changed, never .orchestra/', () => {
    const changes: Change[] = [
      { worker: 'a', file: 'src/a/x.ts', where: 'branch', ref: 'c1' },
      { worker: 'a', file: 'src/a/x.ts', where: 'worktree', ref: '/wt/a' },
      { worker: 'a', file: '.orchestra/docs/a/1.md', where: 'branch', ref: 'c1' },
      { worker: 'b', file: '.orchestra/docs/a/1.md', where: 'worktree', ref: '/wt/b' },
      { worker: 'b', file: 'src/a/x.ts', where: 'trailer', ref: 'c2' },
      { worker: 'b', file: 'src/b/only-b.ts', where: 'branch', ref: 'c3' },
    ];
    const out = detectConflicts(changes, config);
    expect(out.map((c) => [c.kind, c.file, c.workers])).toEqual([['overlap', 'src/a/x.ts', ['a', 'b']]]);
    expect(out[0].changes.map((c) => `${c.worker}:${c.where}`)).toEqual(['a:worktree', 'a:branch', 'b:trailer']);
  });
  it('flags a change outside the scope and names the owner of the file', () => {
    const out = detectConflicts([{ worker: 'a', file: 'lib/z.ts', where: 'branch', ref: 'c' }], {
      workers: [
        { name: 'a', scope: ['src/**'] },
        { name: 'c', scope: ['lib/**'] },
      ],
    } as never);
    expect(out.map((c) => [c.kind, c.file, c.workers])).toEqual([['scope', 'lib/z.ts', ['a', 'c']]]);
  });
});

describe('orchestra conflicts, in a repository with three linked worktrees', () => {
  it('reports committed and uncommitted overlaps and scope violations, with the right files and workers, once', async () => {
    const { root, wt } = await makeTeam();

    // Committed branch changes: core and infra both change the shared util; each also changes a file alone.
    write(wt.core, 'src/shared/util.ts', 'export const util = 2;\n');
    write(wt.core, 'src/core/a.ts', 'export const a = 2;\n');
    write(wt.core, '.orchestra/docs/worker-core/note.md', '---\ntype: doubt\ntitle: core note\n---\n');
    const coreCommit = commitAll(wt.core, 'core work', ['src', '.orchestra']);
    write(wt.infra, 'src/shared/util.ts', 'export const util = 3;\n');
    write(wt.infra, 'test/infra.test.ts', 'test\n');
    write(wt.infra, '.orchestra/docs/worker-core/note.md', '---\ntype: doubt\ntitle: infra edit of the same doc\n---\n');
    const infraCommit = commitAll(wt.infra, 'infra work', ['src', 'test', '.orchestra']);

    // Uncommitted worktree changes: core and ui both create src/core/b.ts; ui also edits its own app alone.
    write(wt.core, 'src/core/b.ts', 'core b\n');
    write(wt.ui, 'src/core/b.ts', 'ui b\n');
    write(wt.ui, 'src/ui/app.ts', 'export const app = 2;\n');
    // Both touch .orchestra/ uncommitted too: never a conflict.
    write(wt.core, '.orchestra/docs/worker-ui/x.md', 'x');
    write(wt.ui, '.orchestra/docs/worker-ui/x.md', 'y');

    // Run from a worker's own worktree: the workspace is found through it.
    const conflicts = await okJson<ConflictOut[]>(wt.ui, ['conflicts']);
    const summary = conflicts.map((c) => `${c.kind} ${c.file} ${c.workers.join(',')}`);
    expect(summary).toEqual([
      'overlap src/core/b.ts worker-core,worker-ui',
      'scope src/core/b.ts worker-ui,worker-core',
      'overlap src/shared/util.ts worker-core,worker-infra',
    ]);
    // Where each change is.
    const util = conflicts.find((c) => c.file === 'src/shared/util.ts')!;
    expect(util.changes).toEqual([
      { worker: 'worker-core', where: 'branch', ref: coreCommit, branch: 'worker/core' },
      { worker: 'worker-infra', where: 'branch', ref: infraCommit, branch: 'worker/infra' },
    ]);
    const b = conflicts.find((c) => c.file === 'src/core/b.ts' && c.kind === 'overlap')!;
    expect(b.changes).toEqual([
      { worker: 'worker-core', where: 'worktree', ref: wt.core, branch: 'worker/core' },
      { worker: 'worker-ui', where: 'worktree', ref: wt.ui, branch: 'worker/ui' },
    ]);
    // Nothing for files one worker changed alone, nothing under .orchestra/.
    const files = conflicts.map((c) => c.file);
    for (const alone of ['src/core/a.ts', 'test/infra.test.ts', 'src/ui/app.ts']) expect(files).not.toContain(alone);
    expect(files.some((f) => f.startsWith('.orchestra'))).toBe(false);

    // Text output names file and workers; --worker filters.
    const text = await ok(root, ['conflicts']);
    expect(text).toMatch(/overlap\s+src\/shared\/util\.ts\s+worker-core × worker-infra/);
    expect(await okJson<ConflictOut[]>(root, ['conflicts', '--worker', 'worker-infra'])).toHaveLength(1);

    // Recorded as alerts once, however often it is refreshed.
    await ok(root, ['status', '--json']);
    await ok(root, ['conflicts', '--json']);
    const raised = alertsOf(root).filter((a) => a.kind === 'conflict' || a.kind === 'scope_violation');
    expect(raised.map((a) => a.key).sort()).toEqual([
      'conflict:worker-core:worker-infra:src/shared/util.ts',
      'conflict:worker-core:worker-ui:src/core/b.ts',
      'scope:worker-ui:src/core/b.ts',
    ]);
    const metrics = await okJson(root, ['metrics']);
    expect(metrics.conflicts).toBe(2);
    expect(metrics.scopeViolations).toBe(1);

    // The condition goes away: the alert is resolved, and the status no longer lists it.
    rmSync(path.join(wt.ui, 'src/core/b.ts'));
    expect((await okJson<ConflictOut[]>(root, ['conflicts'])).map((c) => c.file)).toEqual(['src/shared/util.ts']);
    const status = await okJson(root, ['status']);
    expect(status.metrics).toMatchObject({ conflicts: 2, scopeViolations: 1 });
    expect(status.alerts.map((a: { kind: string; message: string }) => `${a.kind} ${a.message.split(':')[0]}`)).toEqual(['conflict src/shared/util.ts']);
    expect(alertsOf(root).filter((a) => a.resolve).map((a) => a.resolve).sort()).toEqual([
      'conflict:worker-core:worker-ui:src/core/b.ts',
      'scope:worker-ui:src/core/b.ts',
    ]);
    // Counted in the metrics window even after it went away.
    expect((await okJson(root, ['metrics'])).conflicts).toBe(2);

    // Merged into main: no longer a current change.
    git(root, ['merge', '-q', '--no-edit', 'worker/core']);
    expect(await okJson<ConflictOut[]>(root, ['conflicts'])).toEqual([]);
  });

  it('counts commits with a worker\'s trailer only while it has an order in progress', async () => {
    const { root, wt } = await makeTeam();
    const order = await ok(root, ['order', 'worker-ui', 'Restyle the app']);
    // Before the order is started, a commit by worker-ui on main is not a current change.
    write(root, 'src/core/a.ts', 'export const a = 10;\n');
    git(root, ['add', '--', 'src/core/a.ts']);
    const early = new Date(Date.now() - 60_000).toISOString();
    git(root, ['commit', '-q', '-m', 'ui touches core early\n\nOrchestra-Actor: worker-ui', '--', 'src/core/a.ts'], { GIT_AUTHOR_DATE: early, GIT_COMMITTER_DATE: early });
    await ok(root, ['--as', 'worker-ui', 'start', order]);
    // The same file changed on core's branch, committed in core's worktree.
    write(wt.core, 'src/core/a.ts', 'export const a = 20;\n');
    commitAll(wt.core, 'core a', ['src/core/a.ts']);
    expect(await okJson<ConflictOut[]>(root, ['conflicts'])).toEqual([]);

    write(root, 'src/core/a.ts', 'export const a = 11;\n');
    git(root, ['add', '--', 'src/core/a.ts']);
    git(root, ['commit', '-q', '-m', 'ui touches core during its order\n\nOrchestra-Actor: worker-ui', '--', 'src/core/a.ts']);
    const trailerCommit = git(root, ['rev-parse', 'HEAD']).trim();
    const conflicts = await okJson<ConflictOut[]>(root, ['conflicts']);
    expect(conflicts.map((c) => `${c.kind} ${c.file} ${c.workers.join(',')}`)).toEqual([
      'overlap src/core/a.ts worker-core,worker-ui',
      'scope src/core/a.ts worker-ui,worker-core',
    ]);
    expect(conflicts[0].changes.find((c) => c.worker === 'worker-ui')).toMatchObject({ where: 'trailer', ref: trailerCommit });

    // Once the order is reported, those commits are no longer current changes of worker-ui.
    await ok(root, ['--as', 'worker-ui', 'report', order, '--body', 'done']);
    expect(await okJson<ConflictOut[]>(root, ['conflicts'])).toEqual([]);
  });

  it('has a --help with an example and refuses an unknown worker with exit 2', async () => {
    const { root } = await makeTeam();
    expect(await ok(root, ['conflicts', '--help'])).toMatch(/Example:\n\s+\$ orchestra conflicts/);
    const r = await run(root, ['conflicts', '--worker', 'nobody']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown worker "nobody"/);
  });
});

describe('branch attribution', () => {
  it('a commit shared by stacked branches is the upstream worker\'s; non-ASCII file names match across git commands', async () => {
    const { root, wt } = await makeTeam();
    // ui depends on core and builds on core's unmerged work.
    write(wt.core, 'src/core/a.ts', 'export const a = 2;\n');
    commitAll(wt.core, 'core 1', ['src/core/a.ts']);
    git(wt.ui, ['merge', '-q', '--ff-only', 'worker/core']);
    write(wt.core, 'src/core/b.ts', 'export const b = 1;\n');
    commitAll(wt.core, 'core 2', ['src/core/b.ts']);
    write(wt.ui, 'src/ui/café.ts', 'export const café = 1;\n');
    commitAll(wt.ui, 'ui 1', ['src/ui/café.ts']);
    expect(await okJson(root, ['conflicts'])).toEqual([]);

    // core now edits ui's file in its worktree: an overlap with ui's commit, and a scope violation, by name.
    write(wt.core, 'src/ui/café.ts', 'export const café = 2;\n');
    const out = (await okJson(root, ['conflicts'])) as ConflictOut[];
    expect(out.map((c) => [c.kind, c.file, c.workers])).toEqual(
      expect.arrayContaining([
        ['overlap', 'src/ui/café.ts', ['worker-core', 'worker-ui']],
        ['scope', 'src/ui/café.ts', ['worker-core', 'worker-ui']],
      ]),
    );
    expect(out).toHaveLength(2);
  });
});
