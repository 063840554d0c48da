/**
 * The daemon's side of sync: the round itself lives in store/sync/ (shared with `orchestra sync`, the push after
 * each write and the follower of `watch`, `wait` and the dashboard); the lease that lets exactly one daemon react
 * across clones is in lease.ts.
 */
export { syncOnce, upstreamRef, type SyncConfig, type SyncResult } from '../store/sync/round.js';
