import { describe, expect, it } from 'vitest';
import type { Config } from '../src/core/config.js';
import type { Doc } from '../src/core/doc.js';
import { derive } from '../src/core/state.js';
import { diffConflicts, diffSnapshots, snapshotOf } from '../src/core/watch-events.js';
import { renderEvent } from '../src/cli/watch-render.js';
import { docFactory } from './factories.js';

const config = { workers: [{ name: 'w', dependsOn: [], scope: [] }, { name: 'v', dependsOn: [], scope: [] }] } as unknown as Config;

const doc = docFactory({ worker: 'w', stepMs: 0 });

describe('watch events (pure)', () => {
  it('new orders and answers for the worker, status changes of its orders, nothing for others', () => {
    const before = [doc({ id: 'o1', type: 'order', status: 'pending' }), doc({ id: 'd1', type: 'doubt', from: 'w', to: 'daemon' })];
    const after = [
      doc({ id: 'o1', type: 'order', status: 'in_progress' }),
      doc({ id: 'd1', type: 'doubt', from: 'w', to: 'daemon' }),
      doc({ id: 'a1', type: 'answer', from: 'daemon', re: 'd1', created: '2026-11-24T10:00:02Z' }),
      doc({ id: 'o2', type: 'order', status: 'pending', priority: 'high', created: '2026-11-24T10:00:01Z' }),
      doc({ id: 'o3', type: 'order', status: 'pending', to: 'v', worker: 'v' }),
    ];
    const d0 = derive(before, config);
    const d1 = derive(after, config);
    const events = diffSnapshots('w', snapshotOf('w', before, d0), snapshotOf('w', after, d1), d1, '2026-11-24T10:00:03Z');
    expect(events.map((e) => [e.event, 'doc' in e ? e.doc.id : ''])).toEqual([
      ['status', 'o1'],
      ['order', 'o2'],
      ['answer', 'a1'],
    ]);
    const status = events[0] as Extract<(typeof events)[number], { event: 'status' }>;
    expect([status.from, status.to, status.show]).toEqual(['pending', 'in_progress', 'orchestra show o1']);
    // No change, no event.
    expect(diffSnapshots('w', snapshotOf('w', after, d1), snapshotOf('w', after, d1), d1, 'x')).toEqual([]);
    // Each block names the command that shows the doc in full.
    for (const e of events) expect(renderEvent(e)).toContain(`orchestra show ${(e as { doc: { id: string } }).doc.id}`);
  });

  it('conflicts that appear, and those that go away', () => {
    const c = (file: string) => ({ file, workers: ['v', 'w'], kind: 'overlap' as const, changes: [], key: `conflict:v:w:${file}` });
    const prev = new Map([['conflict:v:w:a', c('a')]]);
    const next = new Map([['conflict:v:w:b', c('b')]]);
    expect(diffConflicts('w', prev, next, 't').map((e) => e.event === 'conflict' && [e.conflict.file, e.resolved])).toEqual([
      ['b', false],
      ['a', true],
    ]);
  });
});
