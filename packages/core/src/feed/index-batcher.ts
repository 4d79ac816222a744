import type { IndexEntry, ModelChange } from '@activityd/protocol/types';
import type { Clock } from '../clock.js';
import type { Logger } from '../options.js';
import { indexKey } from './feed-types.js';

/** One document's changes, as handed to the flush callback. */
export interface IndexBatch {
  /** The index document, e.g. `{ model: 'es:mediacontainer', id: 123 }`. */
  model: string;
  id: string | number;
  /** Per changed model, the first and last change folded in. */
  affectedModels: Record<string, { timeRange: [number, number] }>;
}

/** Options of {@link IndexBatcher}. */
export interface IndexBatcherOptions {
  /** Which index document a change belongs to, or `null` to leave it out. */
  route(change: ModelChange): { model: string; id: string | number } | null;
  /** Indexes the documents (e.g. one bulk call to Elasticsearch); throw to have them retried. */
  flush(batches: IndexBatch[]): Promise<void>;
  /** A document is flushed after this long without a new change (default 500 ms). */
  debounceMs?: number;
  /** ... or once its oldest change waited this long (default 5 s). */
  maxAgeMs?: number;
  /** Retry delays double from `minRetryMs` up to `maxRetryMs` (default 200 ms, 30 s). */
  minRetryMs?: number;
  maxRetryMs?: number;
}

interface Pending {
  batch: IndexBatch;
  groups: Set<string>;
  firstAt: number;
  lastAt: number;
}

/**
 * Groups changes per index document and flushes them through the embedder's callback, one call
 * at a time. Due documents are taken out only while their flush runs; if it fails they go back,
 * merged with whatever arrived meanwhile, and the flush is retried with backoff.
 */
export class IndexBatcher {
  private readonly pending = new Map<string, Pending>();
  private readonly debounceMs: number;
  private readonly maxAgeMs: number;
  private readonly minRetryMs: number;
  private readonly maxRetryMs: number;
  private retryMs = 0;
  private retryAt = 0;
  private flushing = false;
  /** The flush the timer started last; `close()` lets it finish before flushing the rest. */
  private inFlight: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | null = null;
  private readonly off: () => void;
  private closed = false;

  constructor(
    private readonly options: IndexBatcherOptions,
    private readonly clock: Clock,
    private readonly write: (entry: IndexEntry) => Promise<void>,
    on: (listener: (change: ModelChange) => void) => () => void,
    private readonly logger: Logger,
  ) {
    this.debounceMs = options.debounceMs ?? 500;
    this.maxAgeMs = options.maxAgeMs ?? 5_000;
    this.minRetryMs = options.minRetryMs ?? 200;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
    this.off = on((change) => this.add(change));
  }

  /** Documents waiting to be flushed. */
  get size(): number {
    return this.pending.size;
  }

  /** Stops taking changes; flushes what waits, once, and resolves when done (failures are logged). */
  async close(): Promise<void> {
    this.closed = true;
    this.off();
    this.cancelTimer?.();
    await this.inFlight;
    if (this.pending.size) await this.flushDue(true);
  }

  private add(change: ModelChange): void {
    if (this.closed) return;
    const doc = this.options.route(change);
    if (!doc) return;
    const now = this.clock.now();
    const key = indexKey(doc.model, doc.id);
    const p = this.pending.get(key) ?? { batch: { model: doc.model, id: doc.id, affectedModels: {} }, groups: new Set<string>(), firstAt: now, lastAt: now };
    widen(p.batch, change.model, change.at, change.at);
    for (const g of change.groups) p.groups.add(g);
    p.lastAt = now;
    this.pending.set(key, p);
    this.schedule();
  }

  private dueAt(p: Pending): number {
    return Math.max(Math.min(p.lastAt + this.debounceMs, p.firstAt + this.maxAgeMs), this.retryAt);
  }

  private schedule(): void {
    if (this.flushing || this.closed) return;
    this.cancelTimer?.();
    let next = Infinity;
    for (const p of this.pending.values()) next = Math.min(next, this.dueAt(p));
    if (next === Infinity) return;
    this.cancelTimer = this.clock.setTimeout(() => {
      this.inFlight = this.flushDue(false);
    }, Math.max(0, next - this.clock.now()));
  }

  private async flushDue(all: boolean): Promise<void> {
    if (this.flushing) return;
    const now = this.clock.now();
    const due = [...this.pending].filter(([, p]) => all || this.dueAt(p) <= now);
    if (due.length === 0) return this.schedule();
    for (const [key] of due) this.pending.delete(key);
    this.flushing = true;
    try {
      await this.options.flush(due.map(([, p]) => p.batch));
      const updated = this.clock.now();
      for (const [, p] of due) {
        const affectedModels = Object.fromEntries(Object.entries(p.batch.affectedModels).map(([m, a]) => [m, { timeRange: a.timeRange, updated }]));
        await this.write({ model: p.batch.model, id: p.batch.id, affectedModels, updated, owner: null, groups: [...p.groups] });
      }
      this.retryMs = 0;
      this.retryAt = 0;
    } catch (error) {
      this.retryMs = Math.min(this.maxRetryMs, this.retryMs ? this.retryMs * 2 : this.minRetryMs);
      this.retryAt = this.clock.now() + this.retryMs;
      this.logger.warn({ err: error, documents: due.length, retryMs: this.retryMs }, 'index flush failed; will retry');
      for (const [key, p] of due) this.putBack(key, p);
    } finally {
      this.flushing = false;
    }
    this.schedule();
  }

  private putBack(key: string, failed: Pending): void {
    const newer = this.pending.get(key);
    if (newer) {
      for (const [model, a] of Object.entries(failed.batch.affectedModels)) widen(newer.batch, model, a.timeRange[0], a.timeRange[1]);
      for (const g of failed.groups) newer.groups.add(g);
      newer.firstAt = Math.min(newer.firstAt, failed.firstAt);
    } else {
      this.pending.set(key, failed);
    }
  }
}

function widen(batch: IndexBatch, model: string, first: number, last: number): void {
  const a = batch.affectedModels[model];
  batch.affectedModels[model] = a ? { timeRange: [Math.min(a.timeRange[0], first), Math.max(a.timeRange[1], last)] } : { timeRange: [first, last] };
}
