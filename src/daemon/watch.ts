/**
 * chokidar over `.orchestra/docs/` only (the archive is never watched, so the watch set stays small). Events
 * are hints: the daemon re-reads the path they name and reconciles with periodic re-scans, because chokidar can
 * miss or repeat events under bursts. Hidden files (our `.<id>.<pid>.tmp` temp files, editors' swap files) are
 * ignored; so is anything but `.md` files and folders.
 */
import { mkdirSync, readdirSync, watch as fsWatch, type FSWatcher as DirWatcher } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface DocWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchDocs(docsDir: string, onPath: (abs: string) => void, onError: (e: Error) => void): DocWatcher {
  mkdirSync(docsDir, { recursive: true });
  const watcher: FSWatcher = watch(docsDir, {
    ignoreInitial: true,
    depth: 1,
    // Off: our own writes are atomic (hard link of a finished temp file), and the daemon settles invalid
    // (half-written) files itself, so valid docs are handled without chokidar's polling delay.
    awaitWriteFinish: false,
    followSymlinks: false,
    // Decided on the name alone, so chokidar need not stat a path to ask: worker folders have no dot in their
    // name, docs end in `.md`, and everything hidden is someone's temp file.
    ignored: (p: string) => {
      if (p === docsDir) return false;
      const base = path.basename(p);
      return base.startsWith('.') || (base.includes('.') && !base.endsWith('.md'));
    },
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  for (const ev of ['add', 'change', 'unlink'] as const) watcher.on(ev, (p: string) => onPath(p));
  watcher.on('error', (e) => onError(e instanceof Error ? e : new Error(String(e))));

  // Direct hints from the folders themselves: chokidar re-reads (and stats) a whole folder before it reports a new
  // file, which costs milliseconds per event in a folder of thousands of docs. One inotify watch per folder says
  // "this name changed" at once; chokidar stays the thorough path. Either way the daemon re-reads the path.
  const folders = new Map<string, DirWatcher>();
  const watchFolder = (dir: string) => {
    if (folders.has(dir)) return;
    try {
      const w = fsWatch(dir, (_ev, name) => {
        if (name && !name.startsWith('.') && name.endsWith('.md')) onPath(path.join(dir, name));
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
    if (p !== docsDir) watchFolder(p);
  });
  watcher.on('unlinkDir', (p: string) => {
    folders.get(p)?.close();
    folders.delete(p);
  });
  return {
    ready,
    close: async () => {
      for (const w of folders.values()) w.close();
      folders.clear();
      await watcher.close();
    },
  };
}
