import { isActivityEvent, type ActivityEvent } from '@activityd/protocol';
import { afterEach } from 'vitest';
import { ActivityHub, ManualClock, MemoryStore, type HubOptions, type Principal, type Scope } from '../src/index.js';

/** Where every test clock starts: far from 0, so no timestamp is accidentally falsy. */
export const T0 = 1_700_000_000_000;

const hubs: ActivityHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop();
});

/**
 * A started hub on a ManualClock (a MemoryStore unless given one), stopped after the test,
 * with every activity event it emits recorded in `events`.
 */
export async function startHub(options: Partial<HubOptions> = {}, clock = new ManualClock(T0)) {
  const store = options.store ?? new MemoryStore();
  const hub = new ActivityHub({ ...options, store, clock });
  hubs.push(hub);
  const events: ActivityEvent[] = [];
  hub.on('event', (e) => isActivityEvent(e) && events.push(e));
  await hub.start();
  const eventsOf = (id: string, type?: ActivityEvent['type']) =>
    events.filter((e) => e.activity.id === id && (type === undefined || e.type === type));
  return { hub, clock, store, events, eventsOf };
}

/** Lets pending promise chains and `setImmediate` work (roll-ups) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A promise the test resolves or rejects by hand. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Is `promise` still pending after everything queued has run? */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const raced = await Promise.race([promise.catch(() => undefined), settle().then(() => marker)]);
  return raced === marker;
}

/** A non-admin user; it sees its own groups (no group tree below them). */
export function user(userId: number, groups: string[], scopes: Scope[] = ['read', 'report', 'cancel'], service = false): Principal {
  return { userId, admin: false, scopes, groups, visibleGroups: groups, service };
}
