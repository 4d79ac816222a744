// The list's row elements are reused across activities: an activity still in view keeps its row,
// one that enters takes a row that left, in order, and the focused row is never handed on.
import { describe, expect, it } from 'vitest';
import { RowSlots } from '../src/row-slots.js';

describe('RowSlots', () => {
  it('keeps the slot of an activity still in view and hands freed slots to new ones, in the order they stood', () => {
    const slots = new RowSlots();
    expect(slots.assign(['a', 'b', 'c'])).toEqual([0, 1, 2]);
    // Two new activities on top push b and c down and a out: x takes a's slot, y needs a new one.
    expect(slots.assign(['x', 'y', 'b', 'c'])).toEqual([0, 3, 1, 2]);
    // A whole new view (a scroll jump, a burst of new activities) takes the slots in place: no row moves.
    expect(slots.assign(['p', 'q', 'r', 's'])).toEqual([0, 3, 1, 2]);
  });

  it('creates slots only when there are more rows than before', () => {
    const slots = new RowSlots();
    slots.assign(['a', 'b']);
    expect(slots.assign(['c', 'd', 'e', 'f'])).toEqual([0, 1, 2, 3]);
    expect(slots.assign(['g'])).toEqual([0]);
    expect(slots.assign(['h', 'i'])).toEqual([0, 4]);
  });

  it('never hands the slot of the focused row to another activity', () => {
    const slots = new RowSlots();
    slots.assign(['a', 'b', 'c']);
    // b has focus and leaves the view: its slot is dropped, not reused for y.
    expect(slots.assign(['a', 'x', 'y'], 'b')).toEqual([0, 2, 3]);
    // Focus on a row still in view changes nothing.
    expect(slots.assign(['a', 'x', 'y'], 'a')).toEqual([0, 2, 3]);
  });
});
