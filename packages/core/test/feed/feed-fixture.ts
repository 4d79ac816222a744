// Shared by the change-feed suites: a started hub on a ManualClock over either store, the feed
// events it emits, principals built through hub.access, and a short way to read the feed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeIndexEvent, ChangeModelEvent, HubEvent } from '@activityd/protocol';
import { afterEach } from 'vitest';
import {
  ActivityHub, ManualClock, MemoryStore, SYSTEM,
  type ActivityStore, type FeedRead, type HubOptions, type IndexBatch, type Principal,
} from '../../src/index.js';
import { SqliteStore } from '../../src/sqlite/index.js';

/** Where most feed tests start their clock: far from 0, so no timestamp is accidentally falsy. */
export const T0 = 1_700_000_000_000;

const hubs: ActivityHub[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The two stores every feed rule must hold on; SQLite in a temporary file. */
export const STORES: Array<[string, () => ActivityStore]> = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => {
    const dir = mkdtempSync(join(tmpdir(), 'activityd-feed-'));
    dirs.push(dir);
    return new SqliteStore({ filename: join(dir, 'feed.db') });
  }],
];

/** A started hub on a ManualClock (MemoryStore unless given), stopped after the test, with its feed events. */
export async function feedHub(options: Partial<HubOptions> = {}, start = T0) {
  const clock = new ManualClock(start);
  const hub = new ActivityHub({ ...options, store: options.store ?? new MemoryStore(), clock });
  hubs.push(hub);
  const modelEvents: ChangeModelEvent[] = [];
  const indexEvents: ChangeIndexEvent[] = [];
  const events: HubEvent[] = [];
  hub.on('change.model', (e) => modelEvents.push(e));
  hub.on('change.index', (e) => indexEvents.push(e));
  hub.on('event', (e) => events.push(e));
  await hub.start();
  /** Both views as `who` (default: an admin) sees them. */
  const read = (since?: number, who: Principal = SYSTEM): Promise<FeedRead> => hub.changes.read({ since }, who);
  return { hub, clock, modelEvents, indexEvents, events, read };
}

/** Moves a ManualClock to an absolute time, firing due timers on the way. */
export async function advanceTo(clock: ManualClock, at: number): Promise<void> {
  if (at < clock.now()) throw new Error(`the clock is already at ${clock.now()}, past ${at}`);
  await clock.advance(at - clock.now());
}

/** The `route` of the documented example: metadata and mediaContainer changes land on one index document. */
export const mediaRoute = (c: { model: string; id: string | number }) =>
  c.model === 'mediaContainer' || c.model === 'metadata' ? { model: 'es:mediacontainer', id: c.id } : null;

/** A flush callback that records each call with the time it was made; `fail(n)` makes the next n calls throw. */
export function recordingFlush(clock: ManualClock) {
  const calls: Array<{ at: number; batches: IndexBatch[] }> = [];
  let failures = 0;
  const flush = async (batches: IndexBatch[]) => {
    calls.push({ at: clock.now(), batches: structuredClone(batches) });
    if (failures > 0) {
      failures--;
      throw new Error('index unavailable');
    }
  };
  return { calls, flush, fail: (n: number) => { failures = n; } };
}

/** Non-admin principals built through the real access service: groups studio ⊃ studio-a, and other. */
export async function accessWorld(hub: ActivityHub) {
  await hub.access.bootstrap('t');
  await hub.access.createGroup(SYSTEM, { id: 'studio', name: 'Studio' });
  await hub.access.createGroup(SYSTEM, { id: 'studio-a', name: 'Studio A', parentId: 'studio' });
  await hub.access.createGroup(SYSTEM, { id: 'other', name: 'Other' });
  const principal = async (name: string, groups: string[]): Promise<Principal> => {
    const user = await hub.access.createUser(SYSTEM, { name, groups });
    const { token } = await hub.access.createToken(SYSTEM, { userId: user.id });
    return hub.access.authenticate({ token });
  };
  return {
    /** In studio-a (below studio). */
    alice: await principal('alice', ['studio-a']),
    /** In studio: sees studio and studio-a. */
    bob: await principal('bob', ['studio']),
    /** In other. */
    carol: await principal('carol', ['other']),
  };
}

/** `model/id` of each entry, with the id's JSON type visible (1 vs "1"). */
export const keys = (entries: ReadonlyArray<{ model: string; id: string | number }> | undefined) =>
  (entries ?? []).map((e) => `${e.model}/${JSON.stringify(e.id)}`);
