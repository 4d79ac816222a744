import type { HubEvent } from '@activityd/protocol/types';

/** Slots to start with: a writing node holds about its writes in flight (tens to a few hundred). */
const INITIAL_SLOTS = 1_024;

/**
 * The events this node wrote and still holds for its reader, by seq: a ring of slots indexed by
 * `seq` modulo a power of two, not a `Map`. A long-lived `Map` with a set and a delete per write
 * makes V8 reallocate its table every few dozen writes, directly in the old generation (the table
 * it replaces is old), and each replaced table still points at the events it held: dead, it kept
 * them alive through every scavenge until the next full GC, so each write's event and activity were
 * promoted (the writer's scavenges copied about 0.2-0.7 MB each at 20,000 writes/s). Slots are
 * overwritten and cleared in place; the ring grows (doubling) only when two held seqs would share
 * a slot, up to `maxSlots`, past which the event held there is dropped (its entry is then read back
 * from the stream like another node's).
 */
export class OwnEvents {
  private slots: Array<HubEvent | undefined> = new Array<HubEvent | undefined>(INITIAL_SLOTS).fill(undefined);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;

  constructor(private readonly maxSlots: number) {}

  get size(): number {
    return this.count;
  }

  get(seq: number): HubEvent | undefined {
    const event = this.slots[seq & this.mask];
    return event?.seq === seq ? event : undefined;
  }

  has(seq: number): boolean {
    return this.slots[seq & this.mask]?.seq === seq;
  }

  /** Holds `event` by its seq; an event held for the same seq is replaced. */
  set(event: HubEvent): void {
    let held = this.slots[event.seq & this.mask];
    while (held !== undefined && held.seq !== event.seq && this.slots.length < this.maxSlots) {
      this.grow();
      held = this.slots[event.seq & this.mask];
    }
    if (held === undefined) this.count++;
    this.slots[event.seq & this.mask] = event;
  }

  delete(seq: number): void {
    const i = seq & this.mask;
    if (this.slots[i]?.seq !== seq) return;
    this.slots[i] = undefined;
    this.count--;
  }

  /** The event held for `seq`, no longer held. */
  take(seq: number): HubEvent | undefined {
    const i = seq & this.mask;
    const event = this.slots[i];
    if (event?.seq !== seq) return undefined;
    this.slots[i] = undefined;
    this.count--;
    return event;
  }

  clear(): void {
    if (this.count === 0) return;
    this.slots.fill(undefined);
    this.count = 0;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Array<HubEvent | undefined>(old.length * 2).fill(undefined);
    this.mask = this.slots.length - 1;
    for (const event of old) if (event !== undefined) this.slots[event.seq & this.mask] = event;
  }
}
