/** Issue 12 item 5: `status` shortens alert lines in the middle, never losing their fix. */
import { describe, expect, it } from 'vitest';
import { fitMiddle } from '../src/cli/commands/status.js';

describe('fitMiddle', () => {
  const fix = ': answer them with `orchestra answer k3f9`';
  const long = `worker-web has 3 unanswered doubts, the oldest "${'x'.repeat(80)}" waiting since yesterday${fix}`;

  it('keeps a line that fits as it is', () => {
    expect(fitMiddle('all quiet', 69)).toBe('all quiet');
  });

  it('keeps the fix whole and cuts the middle, within the width', () => {
    const out = fitMiddle(long, 69);
    expect(out.length).toBe(69);
    expect(out.endsWith(fix)).toBe(true);
    expect(out.startsWith('worker-web has 3')).toBe(true);
    expect(out).toContain('…');
  });

  it('without a fix part, keeps both ends', () => {
    const out = fitMiddle(`${'a'.repeat(50)}${'b'.repeat(50)}`, 41);
    expect(out.length).toBe(41);
    expect(out.startsWith('aaaa')).toBe(true);
    expect(out.endsWith('bbbb')).toBe(true);
  });

  it('shows control characters escaped, not obeyed', () => {
    expect(fitMiddle('bad \u001b[2J title', 69)).not.toContain('\u001b');
  });
});
