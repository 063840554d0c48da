/** The merge rule for the same order changed in two clones (core/sync-merge.ts): status only moves forward. */
import { describe, expect, it } from 'vitest';
import { mergeStatusConflict, winningStatus } from '../src/core/sync-merge.js';

const doc = (status: string, body = 'Done when it parses.', extra = '') =>
  `---\ntype: order\ntitle: Add the parser\nfrom: lead\nto: worker-b\npriority: medium\nstatus: ${status}\n${extra}created: 2026-12-07T10:00:00Z\n---\n\n${body}\n`;

describe('the merge rule', () => {
  it('keeps the later status, whichever side holds it; completed and cancelled win', () => {
    expect(mergeStatusConflict(doc('in_progress'), doc('cancelled'))).toBe(doc('cancelled'));
    expect(mergeStatusConflict(doc('cancelled'), doc('in_progress'))).toBe(doc('cancelled'));
    expect(mergeStatusConflict(doc('completed'), doc('cancelled'))).toBe(doc('completed'));
    expect(mergeStatusConflict(doc('cancelled'), doc('completed'))).toBe(doc('completed'));
    expect(mergeStatusConflict(doc('pending'), doc('in_progress'))).toBe(doc('in_progress'));
    expect(mergeStatusConflict(doc('blocked'), doc('in_progress'))).toBe(doc('blocked'));
    expect(winningStatus('completed', 'cancelled')).toBe('completed');
  });

  it('on equal rank the remote side stays', () => {
    const remote = doc('in_progress');
    expect(mergeStatusConflict(remote, doc('in_progress'))).toBe(remote);
  });

  it('does not decide anything but the status: other keys or the body differing is left to the person', () => {
    expect(mergeStatusConflict(doc('in_progress', 'one body'), doc('cancelled', 'another body'))).toBeUndefined();
    expect(mergeStatusConflict(doc('in_progress', 'b', 'tags: [x]\n'), doc('cancelled', 'b'))).toBeUndefined();
    expect(mergeStatusConflict(doc('in_progress'), doc('someday'))).toBeUndefined();
    expect(mergeStatusConflict('no frontmatter', doc('cancelled'))).toBeUndefined();
    // A `status:` line in the body is body text, not the order's status.
    expect(mergeStatusConflict(doc('pending', 'status: completed'), doc('in_progress', 'status: pending'))).toBeUndefined();
  });
});
