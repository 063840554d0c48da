/**
 * The one live doc model (src/store/live-docs.ts) on a real workspace: bounded reads, unreadable docs kept as
 * problems and retried, orchestra.yaml followed (a worker added, an invalid edit said once), one model heard by
 * several readers, archived docs read when asked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, openSync, closeSync, ftruncateSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/store/config-file.js';
import { readDocBytes } from '../src/store/docs.js';
import { Git } from '../src/store/git.js';
import { LiveDocs, openLiveDocsCount, type LiveEvent } from '../src/store/live-docs.js';
import { openWatcherCount } from '../src/store/watcher.js';
import { workspaceAt } from '../src/store/workspace.js';
import { cleanupTemp, makeWorkspace, ok, waitFor } from './helpers.js';

afterAll(cleanupTemp);

const ORDER = '---\ntype: order\ntitle: Do it\n---\nbody\n';

async function open(dir: string, extra: Partial<ConstructorParameters<typeof LiveDocs>[1]> = {}) {
  const ws = workspaceAt(dir);
  const live = new LiveDocs(ws, { config: loadConfig(ws), git: new Git(ws.root, ws.gitDir), ...extra });
  const events: LiveEvent[] = [];
  live.subscribe((e) => events.push(e));
  await live.load();
  return { ws, live, events };
}

/** A sparse file: its size on disk is a few blocks whatever its length. */
function sparse(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

describe('live doc model', () => {
  it('refuses a doc over the size limit from its stat, without reading it', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const file = path.join(dir, '.orchestra/docs/worker-core/huge.md');
    sparse(file, 1.5 * 1024 ** 3);
    const read: string[] = [];
    const { live } = await open(dir, {
      readBytes: (abs) => {
        read.push(abs);
        return readDocBytes(abs);
      },
    });
    try {
      const e = live.entry('.orchestra/docs/worker-core/huge.md');
      expect(e?.problems?.[0].message).toMatch(/is 1536\.0 MB, over the 1 MB limit/);
      expect(read).not.toContain(file);
      // The CLI's reader bounds its read too: at most one byte past the limit, whatever the file's size.
      expect(readDocBytes(file)).toEqual({ tooBig: 1.5 * 1024 ** 3 });
    } finally {
      await live.close();
    }
  });

  it('an unreadable doc is a problem (not a removal) and is read again on the next scan', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const file = path.join(dir, '.orchestra/docs/worker-core/locked.md');
    writeFileSync(file, ORDER);
    // We run as root, whom chmod 000 does not stop: the read error is injected at the store's one reader.
    let locked = true;
    const { live, events } = await open(dir, {
      readBytes: (abs) => {
        if (locked && abs === file) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return readDocBytes(abs);
      },
    });
    try {
      const rel = '.orchestra/docs/worker-core/locked.md';
      expect(live.entry(rel)?.problems?.[0].message).toMatch(/cannot be read \(EACCES\)/);
      expect(live.byId('locked')).toBeUndefined();
      // Still unreadable: the same problem, no new event (reported once per content).
      events.length = 0;
      live.rescan();
      expect(events.filter((e) => e.kind === 'docs')).toEqual([]);
      // The names-only scan lists it, so a running model retries it every few seconds, not only every minute.
      expect(live.unknownPaths()).toContain(file);
      locked = false;
      const changes = live.rescan();
      expect(changes.map((c) => c.kind)).toEqual(['added']);
      expect(live.byId('locked')?.title).toBe('Do it');
      expect(live.unknownPaths()).not.toContain(file);
    } finally {
      await live.close();
    }
  });

  it('follows orchestra.yaml: a worker added makes its docs valid; an invalid edit keeps the config and is said once', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    mkdirSync(path.join(dir, '.orchestra/docs/worker-new'), { recursive: true });
    writeFileSync(path.join(dir, '.orchestra/docs/worker-new/first.md'), ORDER);
    const { live, events } = await open(dir);
    try {
      expect(live.entry('.orchestra/docs/worker-new/first.md')?.problems?.[0].message).toMatch(/unknown worker "worker-new"/);
      await ok(dir, ['worker', 'add', 'worker-new']);
      const changes = live.rescan();
      expect(events.some((e) => e.kind === 'config' && e.config.workers.some((w) => w.name === 'worker-new'))).toBe(true);
      expect(changes.map((c) => c.kind)).toEqual(['added']);
      expect(live.byId('first')?.worker).toBe('worker-new');

      const yaml = path.join(dir, 'orchestra.yaml');
      const good = readFileSync(yaml, 'utf8');
      writeFileSync(yaml, `${good}\nworkers: [oops\n`);
      live.rescan();
      // Touched again with the same mistake: a new stat, the same problem, nothing more said.
      utimesSync(yaml, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
      live.rescan();
      expect(events.filter((e) => e.kind === 'config_invalid')).toHaveLength(1);
      expect(live.config.workers.map((w) => w.name)).toEqual(['worker-core', 'worker-new']);
      expect(live.byId('first')).toBeDefined();
    } finally {
      await live.close();
    }
  });

  it('one model, one watcher, heard by every subscriber; archived docs are read when asked and when a doc leaves docs/', async () => {
    const dir = await makeWorkspace({ workers: 'worker-core' });
    const ws = workspaceAt(dir);
    const before = { models: openLiveDocsCount(), watchers: openWatcherCount() };
    const { live, events } = await open(dir);
    const second: LiveEvent[] = [];
    live.subscribe((e) => second.push(e));
    try {
      await Promise.all([live.watch(), live.watch()]);
      expect(openLiveDocsCount() - before.models).toBe(1);
      expect(openWatcherCount() - before.watchers).toBe(1);
      live.includeArchive();
      const doc = path.join(ws.docsDir, 'worker-core/moved.md');
      writeFileSync(doc, ORDER);
      await waitFor(() => live.byId('moved'), { message: 'the watcher to report the new doc' });
      const added = (es: LiveEvent[]) => es.some((e) => e.kind === 'docs' && e.changes.some((c) => c.kind === 'added' && c.entry.doc?.id === 'moved'));
      expect(added(events) && added(second)).toBe(true);

      mkdirSync(path.join(ws.archiveDir, 'worker-core'), { recursive: true });
      renameSync(doc, path.join(ws.archiveDir, 'worker-core/moved.md'));
      await waitFor(() => !live.byId('moved'), { message: 'the doc to leave docs/' });
      const view = live.view('all');
      expect(view.docs.find((d) => d.id === 'moved')?.archived).toBe(true);
      expect(live.view('live').docs.some((d) => d.id === 'moved')).toBe(false);
    } finally {
      await live.close();
    }
    expect(openLiveDocsCount()).toBe(before.models);
    expect(openWatcherCount()).toBe(before.watchers);
  });
});
