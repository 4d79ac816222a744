import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import type { ActivityStore } from './store.js';
import type { StreamLimits } from './stream/stream-types.js';

/** The logging calls the hub makes; pino's logger fits, and so does `console`. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of the {@link ActivityHub}. */
export interface HubOptions {
  /** Where activities and events live. */
  store: ActivityStore;
  /** Time source; default the system clock. Tests pass a `ManualClock`. */
  clock?: Clock;
  /** A remote activity with no update for this long ends as `expired` (default 90 s). */
  leaseMs?: number;
  /** How often a remote reporter should update (default min(30 s, lease / 3)); must be below the lease. */
  heartbeatMs?: number;
  /** Ended activities are purged this long after they end (default 24 h). */
  retentionMs?: number;
  /** Change-feed entries are dropped this long after their last write (default 60 s). */
  feedRetentionMs?: number;
  /** This process's id among nodes sharing a store (default a random UUID). */
  nodeId?: string;
  /**
   * With a shared store: a node whose liveness mark was not renewed for this long is dead, and the
   * others end its in-process work as `interrupted` (default 10 s).
   */
  nodeTimeoutMs?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Derives the secrets of access keys; keep it stable across restarts (default: random per process). */
  serverKey?: Buffer;
  /** Bounds of each live subscriber (see `StreamLimits`). */
  streamLimits?: Partial<StreamLimits>;
}

/** {@link HubOptions} with every default applied. */
export interface ResolvedHubOptions {
  store: ActivityStore;
  clock: Clock;
  leaseMs: number;
  heartbeatMs: number;
  retentionMs: number;
  feedRetentionMs: number;
  nodeId: string;
  nodeTimeoutMs: number;
  logger: Logger;
  /** How often lapsed leases are looked for: min(1 s, lease / 4). */
  leaseCheckMs: number;
  /** How often retention runs: min(60 s, retention / 10). */
  retentionCheckMs: number;
  /** How often feed retention runs: min(1 s, feed retention / 10). */
  feedCheckMs: number;
  /** How often a node renews its liveness mark: node timeout / 3. */
  nodeBeatMs: number;
  /** How often a node looks for dead nodes' work: min(1 s, node timeout / 4). */
  nodeCheckMs: number;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/** Applies defaults once; throws on options that cannot work together. */
export function resolveHubOptions(options: HubOptions): ResolvedHubOptions {
  const leaseMs = options.leaseMs ?? 90_000;
  const retentionMs = options.retentionMs ?? 24 * 3_600_000;
  const feedRetentionMs = options.feedRetentionMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? Math.min(30_000, Math.floor(leaseMs / 3));
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 10_000;
  for (const [name, value] of Object.entries({ leaseMs, heartbeatMs, retentionMs, feedRetentionMs, nodeTimeoutMs })) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds`);
  }
  if (heartbeatMs >= leaseMs) throw new RangeError(`heartbeat (${heartbeatMs} ms) must be shorter than the lease (${leaseMs} ms)`);
  return {
    store: options.store,
    clock: options.clock ?? systemClock,
    leaseMs,
    heartbeatMs,
    retentionMs,
    feedRetentionMs,
    nodeId: options.nodeId ?? randomUUID(),
    nodeTimeoutMs,
    logger: options.logger ?? silent,
    leaseCheckMs: Math.max(1, Math.min(1_000, Math.floor(leaseMs / 4))),
    retentionCheckMs: Math.max(1, Math.min(60_000, Math.floor(retentionMs / 10))),
    feedCheckMs: Math.max(1, Math.min(1_000, Math.floor(feedRetentionMs / 10))),
    nodeBeatMs: Math.max(1, Math.floor(nodeTimeoutMs / 3)),
    nodeCheckMs: Math.max(1, Math.min(1_000, Math.floor(nodeTimeoutMs / 4))),
  };
}
