/**
 * The cache file behind store/config-cache.ts, read and written without yaml, zod or the config schema behind
 * it: the hooks (src/mcp/hook.ts) read the config through `readConfigCache` alone and load the schema only when
 * the cache is stale. Keyed on orchestra.yaml's size, mtime, ctime and inode.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { faqMatcher } from '../core/faq.js';
import type { Config } from '../core/workers.js';
import type { Workspace } from './workspace.js';

// 2: remotes and branches are validated (a config cached by an older orchestra is checked again).
// 3: faq patterns are RE2 (a cache of an older version may hold a pattern only JavaScript's engine took).
const CACHE_VERSION = 3;

type Cached = Omit<Config, 'faq'> & { faq: { match: string; answer: string }[] };

const cacheFileOf = (ws: Workspace) => path.join(ws.stateDir, 'config-cache.json');

function keyOf(file: string): string {
  const st = statSync(file);
  return `${CACHE_VERSION}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

/**
 * The cached config when the cache matches orchestra.yaml as it is now; otherwise no config, and the key to
 * cache a fresh one under (none when orchestra.yaml cannot be stat'ed).
 */
export function readConfigCache(ws: Workspace): { config?: Config; key?: string } {
  let key: string | undefined;
  try {
    key = keyOf(ws.configPath);
    const cached = JSON.parse(readFileSync(cacheFileOf(ws), 'utf8')) as { key: string; config: Cached };
    if (cached.key === key) {
      return { config: { ...cached.config, faq: cached.config.faq.map((f) => ({ ...f, re: faqMatcher(f.match) })) }, key };
    }
  } catch {
    /* no cache yet, or unreadable: rebuild */
  }
  return { key };
}

/** Caches a valid config under `key`; a read-only state folder only costs speed. */
export function writeConfigCache(ws: Workspace, key: string, config: Config): void {
  try {
    mkdirSync(ws.stateDir, { recursive: true });
    const cacheFile = cacheFileOf(ws);
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    const plain: Cached = { ...config, faq: config.faq.map(({ match, answer }) => ({ match, answer })) };
    writeFileSync(tmp, JSON.stringify({ key, config: plain }));
    renameSync(tmp, cacheFile);
  } catch {
    /* a read-only state folder only costs speed */
  }
}
