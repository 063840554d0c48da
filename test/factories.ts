/**
 * Test factories: docs as the rest of the program sees them (every default applied, as DESIGN.md's "Docs"
 * section gives them by type), and doc files as a person would write them by hand.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Doc, DocType } from '../src/core/doc.js';

export interface DocFactoryOptions {
  /** The thread a doc belongs to when neither `worker` nor a worker in `from`/`to` says otherwise. */
  worker?: string;
  /** `created` of the first doc made; each next one is `stepMs` later, so docs sort in the order they were made. */
  start?: string;
  stepMs?: number;
}

export type DocSpec = Partial<Doc> & Pick<Doc, 'type'>;

const isWorker = (name?: string): name is string => !!name && name !== 'lead' && name !== 'daemon';

/** `from` and `to` when the doc does not say, by type (DESIGN.md: "everything else has a default, by type"). */
function route(type: DocType, worker: string): { from: string; to: string } {
  switch (type) {
    case 'order':
    case 'answer':
      return { from: 'lead', to: worker };
    case 'report':
    case 'doubt':
      return { from: worker, to: 'daemon' };
    case 'escalation':
      return { from: 'daemon', to: 'lead' };
  }
}

/**
 * Returns `doc(spec)`: a complete `Doc` from the fields a test cares about. Ids (`d1`, `d2`, ...) and `created`
 * times come from a counter private to this factory, so each test file (or test) gets its own sequence.
 */
export function docFactory(opts: DocFactoryOptions = {}): (spec: DocSpec) => Doc {
  const start = Date.parse(opts.start ?? '2026-11-24T10:00:00Z');
  const step = opts.stepMs ?? 60_000;
  let n = 0;
  return (spec) => {
    n++;
    const worker = spec.worker ?? (isWorker(spec.to) ? spec.to : isWorker(spec.from) ? spec.from : (opts.worker ?? 'worker-core'));
    const id = spec.id ?? `d${n}`;
    const archived = spec.archived ?? false;
    return {
      id,
      title: `${spec.type} ${id}`,
      ...route(spec.type, worker),
      priority: 'medium',
      status: spec.type === 'order' ? 'pending' : undefined,
      outcome: spec.type === 'report' ? 'completed' : undefined,
      after: [],
      tags: [],
      created: isoSeconds(start + (n - 1) * step),
      createdInferred: false,
      worker,
      path: `.orchestra/${archived ? 'archive' : 'docs'}/${worker}/${id}.md`,
      archived,
      body: '',
      ...spec,
    };
  };
}

/** ISO-8601 UTC without milliseconds, as orchestra writes `created`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A hand-written doc file, as a person or another tool would write it: frontmatter of plain `key: value`
 * lines (values as given, unquoted), then a body. Returns its workspace-relative path. Not committed.
 */
export function writeDocFile(dir: string, worker: string, id: string, fm: Record<string, string>, body = 'body'): string {
  const file = `.orchestra/docs/${worker}/${id}.md`;
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), `---\n${Object.entries(fm).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n${body}\n`);
  return file;
}
