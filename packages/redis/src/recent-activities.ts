import type { HubEvent } from '@activityd/protocol/types';
import type { StoredActivity } from '@activityd/core';

/**
 * This node's latest copies of running activities — those it wrote or read — so an update can start
 * from memory instead of a Redis round trip. A copy is dropped as soon as the event stream shows a
 * later change to its activity (from any node), when its activity ends, or when the stream broke.
 * It can still be stale for the moment another node's change is on its way; the CAS on `seq`
 * catches that, and the hub then reads the stored copy. Bounded: the oldest entries go first.
 */
export class RecentActivities {
  private readonly copies = new Map<string, StoredActivity>();

  constructor(private readonly capacity: number) {}

  lookup(id: string): StoredActivity | undefined {
    return this.copies.get(id);
  }

  /** Keeps `a` (as stored with its `seq`) if it is running; forgets it otherwise. */
  wrote(a: StoredActivity): void {
    this.copies.delete(a.id);
    if (a.state !== 'running' || this.capacity === 0) return;
    this.copies.set(a.id, a);
    if (this.copies.size > this.capacity) this.copies.delete(this.copies.keys().next().value!);
  }

  /** A change came through the stream: a copy older than it is stale. */
  seen(event: HubEvent): void {
    if (!('activity' in event)) return;
    const copy = this.copies.get(event.activity.id);
    if (copy && copy.seq < event.seq) this.copies.delete(copy.id);
  }

  forget(id: string): void {
    this.copies.delete(id);
  }

  clear(): void {
    this.copies.clear();
  }
}
