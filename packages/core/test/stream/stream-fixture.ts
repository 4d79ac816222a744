// Shared by the core stream suites: a started hub on a MemoryStore (a ManualClock, so no timer
// fires), a fake transport that records what it is sent and can be made full, and helpers to make
// activity traffic and read the hub's own log as the expected stream.
import { afterEach } from 'vitest';
import type { HubEvent } from '@activityd/protocol';
import {
  ActivityHub, ManualClock, MemoryStore, SYSTEM,
  type ActivitySpec, type Principal, type Scope, type StreamClose, type StreamItem, type StreamLimits, type StreamSink, type Subscription,
} from '../../src/index.js';

export const T0 = 1_700_000_000_000;

const hubs: ActivityHub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop();
});

/** A started hub; `eventLogSize` bounds its log, `streamLimits` its subscribers. Stopped after the test. */
export async function streamHub(options: { eventLogSize?: number; streamLimits?: Partial<StreamLimits> } = {}) {
  const hub = new ActivityHub({ store: new MemoryStore({ eventLogSize: options.eventLogSize }), clock: new ManualClock(T0), streamLimits: options.streamLimits });
  await hub.start();
  hubs.push(hub);
  const create = (spec: Partial<ActivitySpec> = {}) => hub.create({ type: 'media.transcode', title: 't', ...spec }, SYSTEM);
  const progress = (id: string, value: number) => hub.update(id, { progress: value }, SYSTEM);
  const complete = (id: string) => hub.complete(id, { ok: true }, SYSTEM);
  /** Every event the log holds after `after`, as the hub wrote them. */
  const logAfter = async (after: number): Promise<HubEvent[]> => hub.readLog(after, 100_000);
  const lastSeq = async () => (await hub.logBounds()).last;
  /** Listeners of the hub's `event` fan-out (the registry holds one while it has subscribers). */
  const eventListeners = () => hub.listenerCount('event');
  return { hub, create, progress, complete, logAfter, lastSeq, eventListeners };
}

/** A transport that records what it is sent; `writable = false` makes it report itself full. */
export class FakeSink implements StreamSink {
  readonly items: StreamItem[] = [];
  readonly closes: StreamClose[] = [];
  openedSeq: number | undefined;
  /** The subscription, as handed over before anything is sent. */
  subscription: Subscription | undefined;
  writable = true;

  opened(seq: number, subscription?: Subscription): void {
    this.openedSeq = seq;
    this.subscription = subscription;
  }

  send(item: StreamItem): boolean {
    this.items.push(item);
    return this.writable;
  }

  close(close: StreamClose): void {
    this.closes.push(close);
  }

  get seqs(): number[] {
    return this.items.map((i) => i.seq);
  }

  /** The sent events in wire terms: `[seq, type, activity id]`. */
  get summary(): Array<[number, string, string | undefined]> {
    return this.items.map((i) => [i.seq, i.type, 'activity' in i ? i.activity.id : undefined]);
  }
}

export const summaryOf = (events: HubEvent[]) => events.map((e): [number, string, string | undefined] => [e.seq, e.type, 'activity' in e ? e.activity.id : undefined]);

/** A non-admin user who sees its own activities and those of `groups`. */
export function user(userId: number, groups: string[], scopes: Scope[] = ['read', 'report', 'cancel']): Principal {
  return { userId, admin: false, scopes, groups, visibleGroups: groups, service: false };
}

/** Lets queued promise chains and `setImmediate` work (parent roll-ups) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
