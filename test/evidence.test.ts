/** A report names the commits made for its order (issue 12 item 9): on the worker's branch, or with its trailer. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCliDashboard } from './dashboard-fixture.js';
import { cleanupTemp, git, makeWorkspace, ok, okJson } from './helpers.js';

afterAll(cleanupTemp);

describe('show <report>', () => {
  it('lists the commits made for the order, and not orchestra\'s own or older ones', async () => {
    const dir = await makeWorkspace({ workers: 'worker-web,worker-api' });
    const cfg = path.join(dir, 'orchestra.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/(- name: worker-web.*\n(?:    .*\n)*?    depends_on: \[\])/, '$1\n    branch: worker/web'));
    git(dir, ['commit', '-q', '-m', 'branch for worker-web', '--', 'orchestra.yaml']);
    writeFileSync(path.join(dir, 'old.txt'), 'before the order\n');
    git(dir, ['add', 'old.txt']);
    git(dir, ['commit', '-q', '-m', 'unrelated older work\n\nOrchestra-Actor: worker-web']);
    const old = git(dir, ['rev-parse', '--short', 'HEAD']).trim();

    const order = await ok(dir, ['order', 'worker-web', 'Build the page']);
    await ok(dir, ['--as', 'worker-web', 'start', order]);
    // One commit with the trailer on main, one on the worker's branch.
    writeFileSync(path.join(dir, 'page.html'), '<p>page</p>\n');
    git(dir, ['add', 'page.html']);
    git(dir, ['commit', '-q', '-m', 'Add the page\n\nOrchestra-Actor: worker-web']);
    const onMain = git(dir, ['rev-parse', '--short', 'HEAD']).trim();
    git(dir, ['branch', 'worker/web']);
    git(dir, ['worktree', 'add', '-q', path.join(dir, '..', `${path.basename(dir)}-web`), 'worker/web']);
    const wt = path.join(dir, '..', `${path.basename(dir)}-web`);
    writeFileSync(path.join(wt, 'style.css'), 'p { color: red }\n');
    git(wt, ['add', 'style.css']);
    git(wt, ['commit', '-q', '-m', 'Style the page']);
    const onBranch = git(wt, ['rev-parse', '--short', 'HEAD']).trim();
    // Someone else's commit in the window is not this worker's evidence.
    writeFileSync(path.join(dir, 'api.txt'), 'api\n');
    git(dir, ['add', 'api.txt']);
    git(dir, ['commit', '-q', '-m', 'API work\n\nOrchestra-Actor: worker-api']);

    const report = await ok(dir, ['--as', 'worker-web', 'report', order, '--body', 'page and style done']);
    const shown = await okJson(dir, ['show', report]);
    expect(shown.commits.map((c: { subject: string }) => c.subject)).toEqual(['Add the page', 'Style the page']);
    expect(shown.commits.map((c: { commit: string }) => c.commit)).toEqual([onMain, onBranch]);
    expect(shown.commits.map((c: { commit: string }) => c.commit)).not.toContain(old);
    // Existing fields are unchanged.
    expect(shown).toMatchObject({ id: report, type: 'report', re: order, outcome: 'completed' });
    const text = await ok(dir, ['show', report]);
    expect(text).toMatch(new RegExp(`Commits \\(2\\)\\n\\s+${onMain}\\s+Add the page\\n\\s+${onBranch}\\s+Style the page`));
 
    // The dashboard shows the same evidence, in the doc and in the timeline.
    const dash = await startCliDashboard(dir);
    try {
      const doc = await (await fetch(new URL(`/api/docs/${report}`, dash.url))).json();
      expect(doc.commits.map((c: { commit: string }) => c.commit)).toEqual([onMain, onBranch]);
      const timeline = (await (await fetch(new URL('/api/timeline?limit=20', dash.url))).json()) as { doc: string; commits?: { commit: string }[] }[];
      const entry = timeline.find((e) => e.doc === report);
      expect(entry?.commits?.map((c) => c.commit)).toEqual([onMain, onBranch]);
      expect(timeline.find((e) => e.doc === order)?.commits).toBeUndefined();
    } finally {
      await dash.proc.stop();
    }
  });
});
