import { isActivityEvent, type HubEvent } from '@activityd/protocol/types';
import type { Principal } from '../access/rules.js';
import type { ActivityHub } from '../hub.js';
import { PendingQueue } from './pending-queue.js';
import { eventPasses, type StreamFilter } from './stream-filter.js';
import type { ResetItem, StreamClose, StreamLimits, StreamSink } from './stream-types.js';

const REPLAY_PAGE = 500;

/**
 * One subscriber's stream: replays what it missed (or sends a reset), then live events, filtered
 * and bounded. Transport-agnostic: a sink writes; the subscription decides what and when.
 *
 * Ordering: live events are taken from the moment `start` begins and held while the replay runs,
 * then merged by `seq`, so nothing is missed and nothing is sent twice.
 */
export class Subscription {
  private readonly pending = new PendingQueue();
  private held: HubEvent[] | null = [];
  private reset: ResetItem | null = null;
  /** Newer copies already in the reset snapshot: events up to these seqs are stale. */
  private snapshotSeqs: Map<string, number> | null = null;
  /** The highest `seq` accounted for (sent, queued or filtered out). */
  private cursor = 0;
  private sentSeq = 0;
  private writable = true;
  private closed = false;
  private wakeReplay: (() => void) | null = null;
  /** Past this `seq`, no event can be older than the reset snapshot's copy. */
  private snapshotMax = 0;

  constructor(
    private readonly hub: ActivityHub,
    private readonly who: Principal,
    private filter: StreamFilter,
    private readonly sink: StreamSink,
    private readonly limits: StreamLimits,
    private readonly onStop: (s: Subscription) => void,
  ) {}

  /** Events waiting to be sent. */
  get buffered(): number {
    return this.pending.size + (this.held?.length ?? 0);
  }

  /**
   * Starts streaming after `since` (a `seq`), or from now. Resolves to the `seq` it starts after.
   * The caller must already be receiving live events through `deliver` (the registry does that).
   */
  async start(since: number | undefined): Promise<number> {
    const { first, last } = await this.hub.logBounds();
    const resetting = since !== undefined && (since > last || (since < last && first > since + 1));
    const startSeq = since === undefined || resetting ? last : since;
    this.cursor = this.sentSeq = startSeq;
    if (resetting) await this.snapshot(last);
    if (this.closed) return startSeq;
    this.sink.opened?.(startSeq, this);
    if (!resetting && since !== undefined) await this.replay();
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) {
      this.accept(event);
      this.flush();
    }
    this.flush(); // the reset, when there is one
    return startSeq;
  }

  /** Changes the filters; events already queued stay. */
  refilter(filter: StreamFilter): void {
    this.filter = filter;
  }

  /** A live event from the hub. */
  deliver(event: HubEvent): void {
    if (this.closed) return;
    if (this.held) {
      this.held.push(event);
      if (this.held.length > this.limits.maxPending) this.close('too_slow', 'fell behind while catching up');
      return;
    }
    // The usual case, a subscriber that keeps up: nothing waits, so send at once, without the queue.
    if (this.writable && this.pending.size === 0 && this.reset === null) this.sendNow(event);
    else {
      this.accept(event);
      this.flush();
    }
  }

  /** The transport can take more. */
  drained(): void {
    this.writable = true;
    this.flush();
    if (this.writable) this.wakeReplay?.();
  }

  /** Releases everything; the sink is not told (the transport is closing). */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    this.held = null;
    this.wakeReplay?.();
    this.snapshotSeqs = null;
    this.onStop(this);
  }

  /** Closes the stream with a reason the subscriber can act on, then releases everything. */
  close(code: StreamClose['code'], reason: string): void {
    if (this.closed) return;
    const seq = this.sentSeq;
    this.stop();
    this.sink.close({ code, reason, seq });
  }

  /** `accept` then `flush` for an empty queue and a writable sink: the same checks, no queue. */
  private sendNow(event: HubEvent): void {
    if (!this.wanted(event)) return;
    this.sentSeq = event.seq;
    this.writable = this.sink.send(event);
  }

  private accept(event: HubEvent): void {
    if (!this.wanted(event)) return;
    this.pending.push(event);
    if (this.pending.size > this.limits.maxPending) this.close('too_slow', `more than ${this.limits.maxPending} events waiting`);
  }

  /** Is `event` new, visible, asked for, and not older than the reset snapshot's copy? Advances the cursor. */
  private wanted(event: HubEvent): boolean {
    if (event.seq <= this.cursor) return false;
    this.cursor = event.seq;
    if (!eventPasses(this.who, this.filter, event)) return false;
    if (this.snapshotSeqs && event.seq > this.snapshotMax) this.snapshotSeqs = null;
    if (this.snapshotSeqs && isActivityEvent(event)) {
      const seen = this.snapshotSeqs.get(event.activity.id);
      if (seen !== undefined && event.seq <= seen) return false;
    }
    return true;
  }

  private flush(): void {
    while (this.writable && !this.closed) {
      const item = this.reset ?? this.pending.shift();
      if (!item) return;
      if (item === this.reset) this.reset = null;
      this.sentSeq = item.seq;
      this.writable = this.sink.send(item);
    }
  }

  /** Sends what the log holds after the cursor, page by page, never buffering more than a page ahead of the sink. */
  private async replay(): Promise<void> {
    // Read no further ahead of the sink than a page, nor than the hard limit: the log is read only
    // as fast as the transport drains, so a replay alone never closes a subscriber as too slow.
    const ahead = Math.min(REPLAY_PAGE, this.limits.maxPending);
    for (;;) {
      const page = await this.hub.readLog(this.cursor, REPLAY_PAGE);
      // Event by event: a subscriber that keeps up is sent every missed event; only one whose
      // transport is full gets the rest conflated (a whole page accepted first conflated them all).
      for (const event of page) {
        if (this.closed) return;
        this.accept(event);
        this.flush();
        while (!this.closed && !this.writable && this.pending.size >= ahead) {
          await new Promise<void>((resolve) => (this.wakeReplay = resolve));
          this.wakeReplay = null;
        }
      }
      if (this.closed || page.length < REPLAY_PAGE) return;
    }
  }

  private async snapshot(last: number): Promise<void> {
    const activities = [];
    let cursor: string | undefined;
    do {
      const page = await this.hub.list({ state: ['all'], limit: 1_000, cursor }, this.who);
      activities.push(...page.activities.filter((a) => eventPasses(this.who, this.filter, { seq: a.seq, type: 'activity.updated', at: a.updatedAt, activity: a })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && activities.length < this.limits.maxSnapshot);
    this.snapshotSeqs = new Map(activities.map((a) => [a.id, a.seq]));
    this.snapshotMax = activities.reduce((max, a) => Math.max(max, a.seq), last);
    this.reset = { type: 'reset', seq: last, activities: activities.slice(0, this.limits.maxSnapshot) };
    this.cursor = last;
  }
}
