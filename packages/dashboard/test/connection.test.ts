// The connection indicator's states and what a reconnect does, with a stand-in client whose event
// stream the test drives: live → reconnecting → offline after 20 s; back to live, activities still
// shown running are checked with the server and ended ones shown ended; a refused token signs out.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnauthenticatedError, type Activity, type ActivitydClient, type WatchItem, type WatchOptions } from '@activityd/client';
import { ChangeFeed } from '../src/change-feed.js';
import { Connection } from '../src/connection.js';
import { LiveActivities } from '../src/live-activities.js';

beforeEach(() => {
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => setTimeout(callback, 0));
  vi.stubGlobal('addEventListener', () => undefined);
  vi.stubGlobal('removeEventListener', () => undefined);
  vi.stubGlobal('navigator', { onLine: true });
});
afterEach(() => vi.unstubAllGlobals());

const activity = (patch: Partial<Activity>): Activity => ({
  id: 'a1', type: 'upload', title: 'holiday.mov', subtitle: null, state: 'running', progress: 10, cancellable: true, owner: null,
  groups: [], context: {}, result: null, error: null, parentId: null, createdAt: 1, updatedAt: 1, endedAt: null,
  leaseExpiresAt: null, leaseMs: null, heartbeatMs: null, seq: 1, ...patch,
});

/** A client whose `watch` reports the states and yields the items the test pushes. */
function standIn(listed: (ids: string[] | undefined) => Activity[]) {
  let options: WatchOptions | undefined;
  const queue: Array<WatchItem | Error> = [];
  let wake: (() => void) | undefined;
  const client = {
    changes: async () => ({ now: Date.now(), modelChanges: [], modelChangesES: [] }),
    list: async (query: { id?: string[] }) => ({ activities: listed(query.id), nextCursor: null }),
    async *watch(_filters: unknown, watchOptions: WatchOptions) {
      options = watchOptions;
      for (;;) {
        while (queue.length) {
          const item = queue.shift()!;
          if (item instanceof Error) throw item;
          yield item;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  } as unknown as ActivitydClient;
  return {
    client,
    state: (s: 'connecting' | 'live' | 'reconnecting') => options!.onState!(s),
    push: (item: WatchItem | Error) => { queue.push(item); wake?.(); },
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('Connection', () => {
  it('lists on first going live, then shows reconnecting, offline after 20 s, and live again', async () => {
    const stream = standIn(() => [activity({})]);
    const live = new LiveActivities();
    const connection = new Connection(stream.client, live, new ChangeFeed(), () => undefined);
    connection.start();
    await flush();
    expect(connection.state.value).toBe('connecting');
    stream.state('live');
    await flush();
    expect(connection.state.value).toBe('live');
    expect(live.runningIds()).toEqual(['a1']);

    const lost = Date.now();
    stream.state('reconnecting');
    expect(connection.state.value).toBe('reconnecting');
    connection.tick(lost + 19_000);
    expect(connection.state.value).toBe('reconnecting');
    connection.tick(lost + 21_000);
    expect(connection.state.value).toBe('offline');
    stream.state('reconnecting');
    expect(connection.state.value).toBe('offline');
    stream.state('live');
    expect(connection.state.value).toBe('live');
    connection.stop();
  });

  it('after a reconnect, an activity shown running that ended meanwhile is shown ended; one that vanished is dropped', async () => {
    let serverSide: Activity[] = [activity({}), activity({ id: 'a2' })];
    const stream = standIn((ids) => serverSide.filter((a) => !ids || ids.includes(a.id)));
    const live = new LiveActivities();
    const connection = new Connection(stream.client, live, new ChangeFeed(), () => undefined);
    connection.start();
    stream.state('live');
    await flush();
    stream.push({ seq: 2, type: 'activity.updated', at: 2, activity: activity({ progress: 20, seq: 2 }) });
    await flush();
    expect(live.runningIds().sort()).toEqual(['a1', 'a2']);

    stream.state('reconnecting');
    serverSide = [activity({ state: 'failed', error: { code: 'interrupted', message: 'restarted' }, seq: 1, endedAt: 5 })];
    stream.state('live');
    await flush();
    expect(live.runningIds()).toEqual([]);
    expect(live.byId.get('a1')!.activity.state).toBe('failed');
    expect(live.byId.has('a2')).toBe(false);
    connection.stop();
  });

  it('a token the server stops accepting signs the page out with a reason', async () => {
    const stream = standIn(() => []);
    const signedOut = vi.fn();
    const connection = new Connection(stream.client, new LiveActivities(), new ChangeFeed(), signedOut);
    connection.start();
    stream.push(new UnauthenticatedError('the token was refused'));
    await flush();
    expect(signedOut).toHaveBeenCalledWith(expect.stringContaining('sign in again'));
  });
});
