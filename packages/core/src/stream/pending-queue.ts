import { isActivityEvent, type HubEvent } from '@activityd/protocol/types';

/**
 * The events a subscriber has not been sent yet, in `seq` order, conflated: a pending
 * `activity.updated` is dropped when a later event of the same activity arrives, so a subscriber
 * that falls behind gets the latest state per activity. Nothing else is ever dropped — in
 * particular no `activity.ended`, and no change-feed event.
 */
export class PendingQueue {
  private items: Array<HubEvent | undefined> = [];
  private head = 0;
  private live = 0;
  /** Index of the pending `activity.updated` of each activity; made when first needed (most subscribers keep up). */
  private updates: Map<string, number> | null = null;

  /** How many events wait. */
  get size(): number {
    return this.live;
  }

  push(event: HubEvent): void {
    if (isActivityEvent(event)) {
      const id = event.activity.id;
      const updates = (this.updates ??= new Map());
      const earlier = updates.get(id);
      if (earlier !== undefined) {
        this.items[earlier] = undefined;
        this.live--;
        updates.delete(id);
      }
      if (event.type === 'activity.updated') updates.set(id, this.items.length);
    }
    this.items.push(event);
    this.live++;
  }

  /** The oldest waiting event, without removing it. */
  peek(): HubEvent | undefined {
    while (this.head < this.items.length && this.items[this.head] === undefined) this.head++;
    return this.items[this.head];
  }

  /** Removes and returns the oldest waiting event. */
  shift(): HubEvent | undefined {
    const event = this.peek();
    if (!event) return undefined;
    this.items[this.head++] = undefined;
    this.live--;
    if (event.type === 'activity.updated' && this.updates?.get(event.activity.id) === this.head - 1) this.updates.delete(event.activity.id);
    if (this.live === 0) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
    return event;
  }

  clear(): void {
    // Emptied after nearly every event of a subscriber that keeps up: reuse the array and leave an
    // empty Map alone, so keeping up allocates nothing.
    if (this.items.length > 1024) this.items = [];
    else this.items.length = 0;
    this.head = 0;
    this.live = 0;
    this.updates?.clear();
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
    this.updates?.clear();
    this.items.forEach((e, i) => {
      if (e?.type === 'activity.updated') this.updates?.set(e.activity.id, i);
    });
  }
}
