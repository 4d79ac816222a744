import { describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol/types';
import { ActivityHub, MemoryStore, SYSTEM } from '@activityd/core';
import { RecentActivities } from '../src/recent-activities.js';

// This node's copies of running activities: newer versions replace older ones, ended ones go,
// and past the capacity about the least recently changed go first.
const version = (id: string, seq: number, state: Activity['state'] = 'running') => ({ id, seq, state }) as Activity;

describe('RecentActivities', () => {
  it('keeps the latest version of each activity, and drops an ended one', () => {
    const recent = new RecentActivities(10);
    recent.keep(version('a', 3), null, 3);
    recent.keep(version('a', 2), null, 2);
    expect(recent.at('a', 3)).toBeDefined();
    const newer = version('a', 5);
    recent.keep(newer, null, 5);
    expect(recent.at('a', 5)?.activity).toEqual({ ...newer, runner: null });
    expect(recent.at('a', 3)).toBeUndefined();
    recent.keep(version('a', 6, 'completed'), null, 6);
    expect(recent.lookup('a')).toBeUndefined();
  });

  it('a later version is copied into the record whole: every field of an activity as the hub makes it', async () => {
    const hub = new ActivityHub({ store: new MemoryStore() });
    const first = await hub.create({ type: 'upload', title: 'first' }, SYSTEM);
    // Every field of the later version differs from the first's (whatever fields activities have).
    const later = Object.fromEntries(Object.keys(first).map((key) => [key, `${key} later`])) as unknown as Activity;
    later.id = first.id;
    later.state = 'running';
    later.seq = first.seq + 1;
    const recent = new RecentActivities(10);
    recent.keep(first, null, first.seq);
    recent.keep(later, null, first.seq);
    expect(recent.at(first.id, later.seq)?.activity).toEqual({ ...later, runner: null });
    expect(recent.at(first.id, later.seq)?.activity).not.toBe(later);
  });

  it('finds a copy by its seq, or by the seq of the document it is built on', () => {
    const recent = new RecentActivities(10);
    const first = version('a', 1);
    recent.keep(first, 'node-1', 1);
    const later = version('a', 4);
    recent.keep(later, 'node-1', 1);
    expect(recent.at('a', 1)).toBeUndefined();
    expect(recent.at('a', 4)).toMatchObject({ activity: later, runner: 'node-1', docSeq: 1 });
    expect(recent.onDocument('a', 1)?.activity).toEqual({ ...later, runner: 'node-1' });
    expect(recent.onDocument('a', 4)).toBeUndefined();
    expect(recent.lookup('a')).toMatchObject({ id: 'a', seq: 4, runner: 'node-1' });
  });

  it('held gives the record itself, with its runner, changed in place by a later version; lookup a copy', () => {
    const recent = new RecentActivities(10);
    recent.keep(version('a', 1), 'node-1', 1);
    const held = recent.held('a')!;
    const copy = recent.lookup('a')!;
    expect(held).toMatchObject({ id: 'a', seq: 1, runner: 'node-1' });
    expect(copy).toEqual(held);
    expect(copy).not.toBe(held);
    recent.keep(version('a', 2), null, 2);
    expect(recent.held('a')).toBe(held);
    expect(held).toMatchObject({ seq: 2, runner: null });
    expect(copy).toMatchObject({ seq: 1, runner: 'node-1' });
    expect(recent.held('b')).toBeUndefined();
  });

  it('past its capacity drops a copy that did not change rather than one that did', () => {
    const recent = new RecentActivities(3);
    recent.keep(version('a', 1), null, 1);
    recent.keep(version('b', 2), null, 2);
    recent.keep(version('c', 3), null, 3);
    recent.keep(version('d', 4), null, 4); // a full pass: every copy gets its second chance, then 'a' goes
    expect(recent.lookup('a')).toBeUndefined();
    recent.keep(version('b', 5), null, 5); // changed since its second chance
    recent.keep(version('e', 6), null, 6);
    expect(recent.lookup('b')).toBeDefined();
    expect(recent.lookup('c')).toBeUndefined();
    expect(['b', 'd', 'e'].every((id) => recent.lookup(id) !== undefined)).toBe(true);
  });

  it('holds nothing with no capacity', () => {
    const recent = new RecentActivities(0);
    recent.keep(version('a', 1), null, 1);
    expect(recent.lookup('a')).toBeUndefined();
  });
});
