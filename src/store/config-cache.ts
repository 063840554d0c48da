/**
 * The resolved config, cached in `.orchestra/state/config-cache.json` keyed on orchestra.yaml's size, mtime and
 * inode, so most commands never load yaml or zod (half of a short command's start-up). A stale or unreadable
 * cache is simply rebuilt; an invalid config is never cached.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { faqMatcher } from '../core/faq.js';
import type { Config } from '../core/workers.js';
import { loadConfig } from './config-file.js';
import type { Workspace } from './workspace.js';

// 2: remotes and branches are validated (a config cached by an older orchestra is checked again).
// 3: faq patterns are RE2 (a cache of an older version may hold a pattern only JavaScript's engine took).
const CACHE_VERSION = 3;

type Cached = Omit<Config, 'faq'> & { faq: { match: string; answer: string }[] };

function keyOf(file: string): string {
  const st = statSync(file);
  return `${CACHE_VERSION}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

export function loadConfigCached(ws: Workspace): Config {
  const cacheFile = path.join(ws.stateDir, 'config-cache.json');
  let key: string | undefined;
  try {
    key = keyOf(ws.configPath);
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key: string; config: Cached };
    if (cached.key === key) {
      return { ...cached.config, faq: cached.config.faq.map((f) => ({ ...f, re: faqMatcher(f.match) })) };
    }
  } catch {
    /* no cache yet, or unreadable: rebuild */
  }
  const config = loadConfig(ws);
  if (key) {
    try {
      mkdirSync(ws.stateDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      const plain: Cached = { ...config, faq: config.faq.map(({ match, answer }) => ({ match, answer })) };
      writeFileSync(tmp, JSON.stringify({ key, config: plain }));
      renameSync(tmp, cacheFile);
    } catch {
      /* a read-only state folder only costs speed */
    }
  }
  return config;
}
