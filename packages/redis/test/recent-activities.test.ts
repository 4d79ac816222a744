import { describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol/types';
import { RecentActivities } from '../src/recent-activities.js';

// This node's copies of running activities: newer versions replace older ones, ended ones go,
// and past the capacity about the least recently changed go first.
const version = (id: string, seq: number, state: Activity['state'] = 'running') =>
  ({ activity: { id, seq, state } as Activity, runner: null, docSeq: seq });

describe('RecentActivities', () => {
  it('keeps the latest version of each activity, and drops an ended one', () => {
    const recent = new RecentActivities(10);
    recent.keep(version('a', 3));
    recent.keep(version('a', 2));
    expect(recent.at('a', 3)).toBeDefined();
    const newer = version('a', 5);
    recent.keep(newer);
    expect(recent.at('a', 5)).toBe(newer);
    expect(recent.at('a', 3)).toBeUndefined();
    recent.keep(version('a', 6, 'completed'));
    expect(recent.lookup('a')).toBeUndefined();
  });

  it('a copy held by a caller stays as it was when a newer one replaces it', () => {
    const recent = new RecentActivities(10);
    const first = version('a', 1);
    recent.keep(first);
    const held = recent.onDocument('a', 1)!;
    recent.keep(version('a', 2));
    expect(held).toBe(first);
    expect(held.activity.seq).toBe(1);
  });

  it('past its capacity drops a copy that did not change rather than one that did', () => {
    const recent = new RecentActivities(3);
    recent.keep(version('a', 1));
    recent.keep(version('b', 2));
    recent.keep(version('c', 3));
    recent.keep(version('d', 4)); // a full pass: every copy gets its second chance, then 'a' goes
    expect(recent.lookup('a')).toBeUndefined();
    recent.keep(version('b', 5)); // changed since its second chance
    recent.keep(version('e', 6));
    expect(recent.lookup('b')).toBeDefined();
    expect(recent.lookup('c')).toBeUndefined();
    expect(['b', 'd', 'e'].every((id) => recent.lookup(id) !== undefined)).toBe(true);
  });

  it('holds nothing with no capacity', () => {
    const recent = new RecentActivities(0);
    recent.keep(version('a', 1));
    expect(recent.lookup('a')).toBeUndefined();
  });
});
