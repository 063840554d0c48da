import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTemp, git, makeWorkspace, ok } from './helpers.js';

afterAll(cleanupTemp);

describe('daemon recovery', () => {
  it('a daemon killed after writing its reaction but before committing a hand-written trigger: both are committed, the trigger as its author, and no second reaction', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    await ok(dir, ['daemon', '--once']); // first start: adopts the (empty) history
    const folder = path.join(dir, '.orchestra/docs/worker-core');
    writeFileSync(path.join(folder, 'hand-doubt.md'), '---\ntype: doubt\ntitle: Which colour?\n---\nred or blue\n');
    // what the killed daemon left: its escalation, written, never committed
    // ...and staged it intent-to-add, as it does right before its commit
    const reaction = '20261124-120000-escalation-needs-the-lead-which-colour-zzzz.md';
    writeFileSync(
      path.join(folder, reaction),
      '---\ntype: escalation\ntitle: "Needs the lead: Which colour?"\nfrom: daemon\nto: lead\nre: hand-doubt\ncreated: 2026-11-24T12:00:00.000Z\n---\nno faq entry matches\n',
    );
    git(dir, ['add', '--intent-to-add', '--', `.orchestra/docs/worker-core/${reaction}`]);
    await ok(dir, ['daemon', '--once']);
    expect(git(dir, ['status', '--porcelain']).trim()).toBe('');
    const authorOf = (f: string) => git(dir, ['log', '--diff-filter=A', '--format=%an', '--', `.orchestra/docs/worker-core/${f}`]).trim();
    expect(authorOf('hand-doubt.md')).toBe('worker-core');
    expect(authorOf('20261124-120000-escalation-needs-the-lead-which-colour-zzzz.md')).toBe('daemon');
    const reactions = git(dir, ['grep', '-l', 're: hand-doubt', 'HEAD', '--', '.orchestra/docs']).trim().split('\n');
    expect(reactions).toHaveLength(1);
  });
});
