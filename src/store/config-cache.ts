/**
 * The resolved config, cached in `.orchestra/state/config-cache.json` keyed on orchestra.yaml's size, mtime and
 * inode, so most commands never load yaml or zod (half of a short command's start-up). A stale or unreadable
 * cache is simply rebuilt; an invalid config is never cached. The cache file itself is store/config-cache-file.ts.
 */
import type { Config } from '../core/workers.js';
import { loadConfig } from './config-file.js';
import { readConfigCache, writeConfigCache } from './config-cache-file.js';
import type { Workspace } from './workspace.js';

export function loadConfigCached(ws: Workspace): Config {
  const cached = readConfigCache(ws);
  if (cached.config) return cached.config;
  const config = loadConfig(ws);
  if (cached.key) writeConfigCache(ws, cached.key, config);
  return config;
}
