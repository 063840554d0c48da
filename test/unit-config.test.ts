import { describe, expect, it } from 'vitest';
import { resolveConfig, findCycle, globProblem } from '../src/core/config.js';
import { parseConfigText } from '../src/store/config-file.js';

const base = () => ({
  workers: [
    { name: 'worker-core', scope: ['src/core/**'] },
    { name: 'worker-nlp', depends_on: ['worker-core'] },
  ],
});

function problems(data: unknown): string[] {
  const r = resolveConfig(data);
  return r.ok ? [] : r.problems.map((p) => `${p.field}: ${p.message}`);
}

describe('orchestra.yaml validation', () => {
  it('resolves defaults', () => {
    const r = resolveConfig(base());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.workers[0]).toMatchObject({ name: 'worker-core', prompt: '.orchestra/prompts/worker-core.md', priority: 1, dependsOn: [] });
    expect(r.config.workers[1].dependsOn).toEqual(['worker-core']);
    expect(r.config.brain).toMatchObject({ kind: 'rules', maxTokens: 4096, maxDailyCalls: 100, retries: 3, breaker: { failures: 3, cooldownMs: 60_000 } });
    expect(r.config.archiveAfterMs).toBe(14 * 86_400_000);
    expect(r.config.staleAfterMs).toBe(4 * 3_600_000);
  });

  it('names a dependency cycle as a -> b -> a', () => {
    const p = problems({ workers: [{ name: 'a', depends_on: ['b'] }, { name: 'b', depends_on: ['a'] }] });
    expect(p).toEqual([expect.stringMatching(/workers\[0\]\.depends_on: dependency cycle a -> b -> a/)]);
    expect(findCycle(new Map([['x', ['y']], ['y', ['z']], ['z', ['x']]]))).toEqual(['x', 'y', 'z', 'x']);
  });

  it('reports unknown dependencies, duplicates, reserved and invalid names, self-dependency', () => {
    const p = problems({
      workers: [
        { name: 'worker-a', depends_on: ['worker-zzz', 'worker-a'] },
        { name: 'worker-a' },
        { name: 'lead' },
        { name: 'Bad Name' },
      ],
    });
    expect(p.join('\n')).toMatch(/workers\[0\]\.depends_on\[0\]: unknown worker "worker-zzz"/);
    expect(p.join('\n')).toMatch(/workers\[0\]\.depends_on\[1\]: worker-a cannot depend on itself/);
    expect(p.join('\n')).toMatch(/workers\[1\]\.name: duplicate worker "worker-a"/);
    expect(p.join('\n')).toMatch(/workers\[2\]\.name: "lead" is reserved/);
    expect(p.join('\n')).toMatch(/workers\[3\]\.name: "Bad Name" is not a valid worker name/);
  });

  it('reports bad globs and durations, unknown keys, bad faq patterns, each with its key path', () => {
    const p = problems({
      workers: [{ name: 'w', scope: ['src/[core/**', '/etc/**', '../x/**', ''] }],
      archive_after: 'two weeks',
      brain: { breaker: { cooldown: '5 parsecs' } },
      faq: [{ match: '(unclosed', answer: 'x' }],
    });
    const text = p.join('\n');
    expect(text).toMatch(/workers\[0\]\.scope\[0\]: "src\/\[core\/\*\*" has unbalanced \[ \]/);
    expect(text).toMatch(/workers\[0\]\.scope\[1\]: .* is absolute/);
    expect(text).toMatch(/workers\[0\]\.scope\[2\]: .* leaves the repository/);
    expect(text).toMatch(/workers\[0\]\.scope\[3\]: is empty/);
    expect(text).toMatch(/archive_after: "two weeks" is not a duration/);
    expect(text).toMatch(/brain\.breaker\.cooldown: "5 parsecs" is not a duration/);
    expect(text).toMatch(/faq\[0\]\.match: "\(unclosed" is not a valid regular expression/);
    expect(problems({ ...base(), wrokers: [] })).toEqual([expect.stringMatching(/unknown key "wrokers"/)]);
    expect(globProblem('src/**/*.{ts,tsx}')).toBeUndefined();
    const prompts = problems({ workers: [{ name: 'a', prompt: '../../.aws/credentials' }, { name: 'b', prompt: '/etc/passwd' }, { name: 'c', prompt: 'docs/c.md' }] });
    expect(prompts).toEqual([
      expect.stringMatching(/^workers\[0\]\.prompt: "\.\.\/\.\.\/\.aws\/credentials" is outside the repository/),
      expect.stringMatching(/^workers\[1\]\.prompt: "\/etc\/passwd" is outside the repository/),
    ]);
  });

  it('turns YAML syntax errors into problems with a line', () => {
    const r = parseConfigText('workers:\n  - name: a\n   bad: [\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].message).toMatch(/broken YAML at line \d+/);
    const dup = parseConfigText('workers:\n  - name: a\nworkers: []\n');
    expect(dup.ok).toBe(false);
  });
});
