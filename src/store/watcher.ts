/**
 * The one file watcher (the only importer of chokidar): `.orchestra/docs/` to depth 1, plus a few single files
 * the live doc model follows (orchestra.yaml, the alerts file, git's HEAD log). The archive is never watched, so
 * the watch set stays small however long the history grows. Events are hints: the model re-reads the path they
 * name and reconciles with re-scans, because chokidar can miss or repeat events under bursts (DEPENDENCIES.md).
 */
import { mkdirSync, readdirSync, watch as fsWatch, type FSWatcher as DirWatcher } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface WatchTargets {
  docsDir: string;
  /** Single files outside docs/ (they need not exist yet). */
  files: readonly string[];
}

/** `folder`: a worker folder came or went (its files may have come or gone with it, unreported). */
export type PathHint = { abs: string; kind: 'path' | 'folder' };

export interface Watcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Watchers open in this process: `orchestra up` must run exactly one (test/live-docs-up.test.ts). */
let openWatchers = 0;

export function openWatcherCount(): number {
  return openWatchers;
}

export function watchWorkspace(targets: WatchTargets, onHint: (h: PathHint) => void, onError: (e: Error) => void): Watcher {
  const { docsDir } = targets;
  mkdirSync(docsDir, { recursive: true });
  const files = new Set(targets.files);
  const fileDirs = new Set(targets.files.map((f) => path.dirname(f)));
  const watcher: FSWatcher = watch([docsDir, ...files], {
    ignoreInitial: true,
    depth: 1,
    // Off: our own writes are atomic (hard link of a finished temp file), and the daemon settles invalid
    // (half-written) files itself, so valid docs are handled without chokidar's polling delay.
    awaitWriteFinish: false,
    followSymlinks: false,
    // Decided on the name alone, so chokidar need not stat a path to ask: worker folders have no dot in their
    // name, docs end in `.md`, and everything hidden is someone's temp file. Outside docs/ chokidar only goes
    // where a single watched file is (or its folder, while the file does not exist).
    ignored: (p: string) => {
      if (p === docsDir || files.has(p) || fileDirs.has(p)) return false;
      if (!p.startsWith(docsDir + path.sep)) return false;
      const base = path.basename(p);
      return base.startsWith('.') || (base.includes('.') && !base.endsWith('.md'));
    },
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  for (const ev of ['add', 'change', 'unlink'] as const) watcher.on(ev, (p: string) => onHint({ abs: p, kind: 'path' }));
  watcher.on('error', (e) => onError(e instanceof Error ? e : new Error(String(e))));

  // Direct hints from the folders themselves: chokidar re-reads (and stats) a whole folder before it reports a new
  // file, which costs milliseconds per event in a folder of thousands of docs. One inotify watch per folder says
  // "this name changed" at once; chokidar stays the thorough path. Either way the model re-reads the path.
  const folders = new Map<string, DirWatcher>();
  const watchFolder = (dir: string) => {
    if (folders.has(dir)) return;
    try {
      const w = fsWatch(dir, (_ev, name) => {
        if (name && !name.startsWith('.') && name.endsWith('.md')) onHint({ abs: path.join(dir, name), kind: 'path' });
      });
      w.on('error', () => {
        w.close();
        folders.delete(dir);
      });
      folders.set(dir, w);
    } catch {
      /* the folder went away; chokidar still covers it */
    }
  };
  try {
    for (const e of readdirSync(docsDir, { withFileTypes: true })) if (e.isDirectory() && !e.name.startsWith('.')) watchFolder(path.join(docsDir, e.name));
  } catch {
    /* created below by chokidar's addDir */
  }
  watcher.on('addDir', (p: string) => {
    if (p === docsDir || !p.startsWith(docsDir + path.sep)) return;
    watchFolder(p);
    onHint({ abs: p, kind: 'folder' });
  });
  watcher.on('unlinkDir', (p: string) => {
    folders.get(p)?.close();
    folders.delete(p);
    if (p.startsWith(docsDir + path.sep)) onHint({ abs: p, kind: 'folder' });
  });
  openWatchers++;
  let closing: Promise<void> | undefined;
  return {
    ready,
    close: () =>
      (closing ??= (async () => {
        openWatchers--;
        for (const w of folders.values()) w.close();
        folders.clear();
        await watcher.close();
      })()),
  };
}
