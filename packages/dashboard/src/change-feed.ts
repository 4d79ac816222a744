import { signal } from '@preact/signals';
import type { ChangeEvent, IndexEntry, ModelChange } from '@activityd/client';
import { FrameGate } from './frame-gate.js';

/** The feed keeps a minute (DESIGN 3); the panel shows the same window. */
export const FEED_WINDOW_MS = 60_000;
/** At most this many entries of each view are kept, however busy the feed. */
const MAX_ENTRIES = 200;

/** A feed entry and when the server wrote it (what the one-minute window counts from). */
export interface FeedItem<T> {
  key: string;
  entry: T;
  writtenAt: number;
}

/**
 * The change feed of the last minute, `modelChanges` and `modelChangesES`, from one initial read
 * and then the live `change.*` events. Index entries for the same document merge into one, as on
 * the server. Drawn at most once a frame.
 */
export class ChangeFeed {
  readonly modelChanges = signal<ReadonlyArray<FeedItem<ModelChange>>>([]);
  readonly modelChangesES = signal<ReadonlyArray<FeedItem<IndexEntry>>>([]);
  private models: Array<FeedItem<ModelChange>> = [];
  private index = new Map<string, FeedItem<IndexEntry>>();
  private counter = 0;
  private readonly gate = new FrameGate(() => this.flush());

  /** The reply of `client.changes()`: entries written within the window. */
  load(reply: { now: number; modelChanges?: ModelChange[]; modelChangesES?: IndexEntry[] }): void {
    for (const change of reply.modelChanges ?? []) this.addModel(change, Math.min(reply.now, change.at));
    for (const entry of reply.modelChangesES ?? []) this.addIndex(entry, Math.min(reply.now, entry.updated));
    this.gate.request();
  }

  apply(event: ChangeEvent): void {
    if (event.type === 'change.model') this.addModel(event.change, event.at);
    else this.addIndex(event.change, event.at);
    this.gate.request();
  }

  /** Drops what left the window; called by the page's clock. */
  prune(now: number): void {
    const cutoff = now - FEED_WINDOW_MS;
    const before = this.models.length + this.index.size;
    this.models = this.models.filter((item) => item.writtenAt >= cutoff);
    for (const [key, item] of this.index) if (item.writtenAt < cutoff) this.index.delete(key);
    if (this.models.length + this.index.size !== before) this.gate.request();
  }

  private addModel(change: ModelChange, writtenAt: number): void {
    this.models.push({ key: `m${this.counter++}`, entry: change, writtenAt });
    if (this.models.length > MAX_ENTRIES) this.models.splice(0, this.models.length - MAX_ENTRIES);
  }

  private addIndex(entry: IndexEntry, writtenAt: number): void {
    const key = `${entry.model}\u0000${String(entry.id)}`;
    this.index.delete(key);
    this.index.set(key, { key, entry, writtenAt });
    if (this.index.size > MAX_ENTRIES) this.index.delete(this.index.keys().next().value!);
  }

  private flush(): void {
    this.modelChanges.value = this.models.slice().reverse();
    this.modelChangesES.value = [...this.index.values()].reverse();
  }
}
