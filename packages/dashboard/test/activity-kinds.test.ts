// The filter bar's option lists: counted as activities come and go, changed only when a type or owner appears or vanishes.
import { describe, expect, it } from 'vitest';
import { ActivityKinds } from '../src/activity-kinds.js';

describe('ActivityKinds', () => {
  it('lists each type and owner once while any activity has it, and says when the lists changed', () => {
    const kinds = new ActivityKinds();
    kinds.add({ type: 'upload', owner: 1 });
    kinds.add({ type: 'media.transcode', owner: null });
    expect(kinds.takeChanged()).toBe(true);
    kinds.add({ type: 'upload', owner: 1 });
    expect(kinds.takeChanged()).toBe(false);
    expect(kinds.typeList()).toEqual(['media.transcode', 'upload']);
    expect(kinds.ownerList()).toEqual([1, null]);
    kinds.remove({ type: 'upload', owner: 1 });
    expect(kinds.takeChanged()).toBe(false);
    expect(kinds.typeList()).toEqual(['media.transcode', 'upload']);
    kinds.remove({ type: 'upload', owner: 1 });
    expect(kinds.takeChanged()).toBe(true);
    expect([kinds.typeList(), kinds.ownerList()]).toEqual([['media.transcode'], [null]]);
  });
});
