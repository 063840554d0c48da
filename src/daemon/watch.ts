/**
 * chokidar over `.orchestra/docs/` only (the archive is never watched, so the watch set stays small). Events
 * are hints: the daemon re-reads the path they name and reconciles with periodic re-scans, because chokidar can
 * miss or repeat events under bursts. Hidden files (our `.<id>.<pid>.tmp` temp files, editors' swap files) are
 * ignored; so is anything but `.md` files and folders.
 */
import { mkdirSync } from 'node:fs';
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
    ignored: (p, stats) => {
      if (p === docsDir) return false;
      const base = path.basename(p);
      if (base.startsWith('.')) return true;
      return !!stats?.isFile() && !base.endsWith('.md');
    },
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  for (const ev of ['add', 'change', 'unlink'] as const) watcher.on(ev, (p: string) => onPath(p));
  watcher.on('error', (e) => onError(e instanceof Error ? e : new Error(String(e))));
  return {
    ready,
    close: () => watcher.close(),
  };
}
