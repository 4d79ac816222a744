import { describe, expect, it } from 'vitest';
import type { HubEvent } from '@activityd/protocol/types';
import { OwnEvents } from '../src/own-events.js';

// The ring a writing node holds its own events in until its reader dispatches them.
const event = (seq: number) => ({ seq, type: 'activity.updated', at: 1, activity: { id: `a${seq}` } }) as unknown as HubEvent;

describe('OwnEvents', () => {
  it('holds events by seq, and gives each back once', () => {
    const own = new OwnEvents(1 << 17);
    const [e5, e6] = [event(5), event(6)];
    own.set(e5);
    own.set(e6);
    expect(own.size).toBe(2);
    expect(own.has(5)).toBe(true);
    expect(own.get(6)).toBe(e6);
    expect(own.take(5)).toBe(e5);
    expect(own.take(5)).toBeUndefined();
    expect(own.has(5)).toBe(false);
    own.delete(6);
    own.delete(6);
    expect(own.size).toBe(0);
    expect(own.get(6)).toBeUndefined();
  });

  it('a seq that shares a slot with a held one is not taken for it, and both stay held', () => {
    const own = new OwnEvents(1 << 17);
    const first = event(7);
    const far = event(7 + 1_024 * 3); // same slot in the first rings
    own.set(first);
    expect(own.get(far.seq)).toBeUndefined();
    own.set(far);
    expect(own.size).toBe(2);
    expect(own.get(7)).toBe(first);
    expect(own.get(far.seq)).toBe(far);
  });

  it('keeps every held event while it grows over a wide span of seqs', () => {
    const own = new OwnEvents(1 << 17);
    const seqs = Array.from({ length: 3_000 }, (_, i) => 100 + i * 37);
    for (const seq of seqs) own.set(event(seq));
    expect(own.size).toBe(seqs.length);
    for (const seq of seqs) expect(own.get(seq)?.seq).toBe(seq);
    own.clear();
    expect(own.size).toBe(0);
    expect(own.has(seqs[0]!)).toBe(false);
  });

  it('past its largest ring, the event held in the slot is dropped for the new one', () => {
    const own = new OwnEvents(1_024);
    own.set(event(1));
    own.set(event(1 + 1_024));
    expect(own.size).toBe(1);
    expect(own.has(1)).toBe(false);
    expect(own.has(1 + 1_024)).toBe(true);
  });
});
