import type { Activity } from '@activityd/protocol/types';
import type { StoredActivity } from '@activityd/core';

/** This node's latest known version of one running activity. */
export interface Copy {
  /** The public activity at its `seq` (the very object dispatched in that event: never changed). */
  activity: Activity;
  runner: string | null;
  /** The seq of the full write whose document this version is built on (see `write-many.lua`). */
  docSeq: number;
}

/**
 * This node's latest copies of running activities — those it wrote, read, or saw pass in the event
 * stream — for two uses: an update starts from memory instead of a Redis round trip, and a plain
 * stream item (only the live fields) becomes a whole activity again. A copy is replaced only by a
 * later version, dropped when its activity ends, and all are dropped when the stream broke. It can
 * be stale for the moment another node's change is on its way; the CAS on `seq` catches that for
 * writes, and a plain item names the document it was built on, so a rebuild never uses a wrong one.
 * Bounded: about the least recently changed go first (second chance, below).
 *
 * A newer copy replaces the held one in place (`Slot.copy`) rather than by a delete and a set,
 * which would move it to the end of the map's order: a long-lived `Map` with a delete and a set per
 * change reallocates its table every few hundred changes, in the old generation (the table it
 * replaces is old), and each replaced table still points at the copies it held — dead, it kept
 * every copy of that moment alive through the scavenges until the next full GC.
 */
export class RecentActivities {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly capacity: number) {}

  /** The copy to start an update from, as the store keeps it. */
  lookup(id: string): StoredActivity | undefined {
    const copy = this.slots.get(id)?.copy;
    return copy ? stored(copy.activity, copy.runner) : undefined;
  }

  /** The copy at exactly `seq`, if that is the one held. */
  at(id: string, seq: number): Copy | undefined {
    const copy = this.slots.get(id)?.copy;
    return copy?.activity.seq === seq ? copy : undefined;
  }

  /** The copy built on the document written at `docSeq`, if that is the one held. */
  onDocument(id: string, docSeq: number): Copy | undefined {
    const copy = this.slots.get(id)?.copy;
    return copy?.docSeq === docSeq ? copy : undefined;
  }

  /** Keeps `copy` unless a later version is held; an ended activity's copy is dropped. */
  keep(copy: Copy): void {
    const id = copy.activity.id;
    const held = this.slots.get(id);
    if (held && held.copy.activity.seq >= copy.activity.seq) return;
    if (copy.activity.state !== 'running' || this.capacity === 0) {
      if (held) this.slots.delete(id);
      return;
    }
    if (held) {
      held.copy = copy;
      return;
    }
    // Just changed: it gets a second chance like a copy changed since it was placed.
    this.slots.set(id, { copy, placed: -1 });
    if (this.slots.size > this.capacity) this.evictOne();
  }

  forget(id: string): void {
    this.slots.delete(id);
  }

  clear(): void {
    this.slots.clear();
  }

  /**
   * Drops the first copy in the map's order that did not change since it was placed there; one
   * that did is placed again at the end (a second chance). Every copy gets one at most per pass,
   * so this ends within one pass over the map.
   */
  private evictOne(): void {
    for (;;) {
      const [id, slot] = this.slots.entries().next().value!;
      this.slots.delete(id);
      if (slot.copy.activity.seq === slot.placed) return;
      slot.placed = slot.copy.activity.seq;
      this.slots.set(id, slot);
    }
  }
}

/**
 * Where a copy is held: replaced in place, and the seq it had when an eviction last placed it at the
 * end of the map's order (-1 before any has).
 */
interface Slot {
  copy: Copy;
  placed: number;
}

/**
 * The stored form of a public activity, field by field: a spread with one key more takes V8's slow
 * path (about 0.8 µs an update, 4 % of the writing node's samples).
 */
function stored(a: Activity, runner: string | null): StoredActivity {
  return {
    id: a.id, type: a.type, title: a.title, subtitle: a.subtitle, state: a.state, progress: a.progress,
    cancellable: a.cancellable, owner: a.owner, groups: a.groups, context: a.context, result: a.result,
    error: a.error, parentId: a.parentId, createdAt: a.createdAt, updatedAt: a.updatedAt, endedAt: a.endedAt,
    leaseExpiresAt: a.leaseExpiresAt, leaseMs: a.leaseMs, heartbeatMs: a.heartbeatMs, seq: a.seq, runner,
  };
}
