import type { Activity } from '@activityd/protocol/types';
import type { StoredActivity } from '@activityd/core';

/**
 * This node's latest known version of one running activity, in a record this class owns and updates
 * in place when a later version comes: read what you need before awaiting anything.
 */
export interface Copy {
  /**
   * The public activity at its `seq`: this node's record of it, not the object dispatched. The record
   * also carries `runner` (see `RecentActivities.held`): an event is built from it field by field.
   */
  readonly activity: Readonly<Activity>;
  readonly runner: string | null;
  /** The seq of the full write whose document this version is built on (see `write-many.lua`). */
  readonly docSeq: number;
}

/**
 * This node's latest copies of running activities — those it wrote, read, or saw pass in the event
 * stream — for two uses: an update starts from memory instead of a Redis round trip, and a plain
 * stream item (only the live fields) becomes a whole activity again. A copy is replaced only by a
 * later version, dropped when its activity ends, and all are dropped when the stream broke. It can
 * be stale for the moment another node's change is on its way; the CAS on `seq` catches that for
 * writes, and a plain item names the document it was built on, so a rebuild never uses a wrong one.
 * Bounded: about the least recently changed go first (second chance, see `evictOne`).
 *
 * Each activity has one slot and one record, and a later version is copied into them field by
 * field: nothing a version brings is held here, nothing is allocated per version, and the map is
 * not touched. All three matter to V8's scavenges on a busy node:
 * - a delete and a set per version (to keep the map in order of change) made V8 rehash the
 *   long-lived map's table every few hundred versions, each new table in the old generation and each
 *   replaced one still pointing at every copy it held: dead, but keeping them through scavenges;
 * - an object per version held here until the activity's next version (a `{ activity, runner,
 *   docSeq }`, or the version's activity itself) looked long-lived in a process's first seconds,
 *   when the young generation is small and scavenges come every few hundred updates: V8 then
 *   allocated every later one directly in the old generation (allocation-site pretenuring), where,
 *   dead within milliseconds, each kept what it pointed at alive through scavenges until a full GC
 *   — at 20,000 updates/s about 0.45 MB promoted a scavenge for the first, 0.16 MB for the second.
 */
export class RecentActivities {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly capacity: number) {}

  /** The copy to start an update from, as the store keeps it: a copy of its own, to keep. */
  lookup(id: string): StoredActivity | undefined {
    const slot = this.slots.get(id);
    return slot ? stored(slot.activity, slot.runner) : undefined;
  }

  /**
   * The copy to start an update from, as the store keeps it: this class's own record, not a copy,
   * so it changes in place when a later version comes. Only for a caller that reads it before
   * awaiting anything and neither keeps nor modifies it (the hub's first attempt at an update);
   * an object fewer per update than `lookup`.
   */
  held(id: string): Readonly<StoredActivity> | undefined {
    return this.slots.get(id)?.activity;
  }

  /** The copy at exactly `seq`, if that is the one held (until the next version: see `Copy`). */
  at(id: string, seq: number): Copy | undefined {
    const slot = this.slots.get(id);
    return slot?.activity.seq === seq ? slot : undefined;
  }

  /** The copy built on the document written at `docSeq`, if that is the one held (see `Copy`). */
  onDocument(id: string, docSeq: number): Copy | undefined {
    const slot = this.slots.get(id);
    return slot?.docSeq === docSeq ? slot : undefined;
  }

  /** Keeps `activity` (at its seq) unless a later version is held; an ended activity's copy is dropped. */
  keep(activity: Activity, runner: string | null, docSeq: number): void {
    const id = activity.id;
    const held = this.slots.get(id);
    if (held && held.activity.seq >= activity.seq) return;
    if (activity.state !== 'running' || this.capacity === 0) {
      if (held) this.slots.delete(id);
      return;
    }
    if (held) {
      copyInto(held.activity, activity);
      held.activity.runner = runner;
      held.runner = runner;
      held.docSeq = docSeq;
      return;
    }
    // Just changed: it gets a second chance like a copy changed since it was placed.
    this.slots.set(id, { activity: copyOf(activity, runner), runner, docSeq, placed: -1 });
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
      if (slot.activity.seq === slot.placed) return;
      slot.placed = slot.activity.seq;
      this.slots.set(id, slot);
    }
  }
}

/**
 * One activity's copy, updated in place, and the seq it had when an eviction last placed it at the
 * end of the map's order (-1 before any has).
 */
interface Slot {
  /** With its runner (as `runner`), so `held` can hand it out as the store keeps it. */
  activity: StoredActivity;
  runner: string | null;
  docSeq: number;
  placed: number;
}

/** A record of `a` of its own, field by field (see `stored`). */
function copyOf(a: Activity, runner: string | null): StoredActivity {
  return {
    id: a.id, type: a.type, title: a.title, subtitle: a.subtitle, state: a.state, progress: a.progress,
    cancellable: a.cancellable, owner: a.owner, groups: a.groups, context: a.context, result: a.result,
    error: a.error, parentId: a.parentId, createdAt: a.createdAt, updatedAt: a.updatedAt, endedAt: a.endedAt,
    leaseExpiresAt: a.leaseExpiresAt, leaseMs: a.leaseMs, heartbeatMs: a.heartbeatMs, seq: a.seq, runner,
  };
}

/** Makes `record` a copy of `a`; the fields are the values of `a` themselves (compared by identity). */
function copyInto(record: Activity, a: Activity): void {
  record.id = a.id; record.type = a.type; record.title = a.title; record.subtitle = a.subtitle;
  record.state = a.state; record.progress = a.progress; record.cancellable = a.cancellable;
  record.owner = a.owner; record.groups = a.groups; record.context = a.context; record.result = a.result;
  record.error = a.error; record.parentId = a.parentId; record.createdAt = a.createdAt;
  record.updatedAt = a.updatedAt; record.endedAt = a.endedAt; record.leaseExpiresAt = a.leaseExpiresAt;
  record.leaseMs = a.leaseMs; record.heartbeatMs = a.heartbeatMs; record.seq = a.seq;
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
