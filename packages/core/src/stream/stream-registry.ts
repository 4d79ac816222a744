import type { HubEvent } from '@activityd/protocol/types';
import { requireScope, type Principal } from '../access/rules.js';
import type { ActivityHub } from '../hub.js';
import { streamFilter, type StreamFilterInput } from './stream-filter.js';
import { DEFAULT_STREAM_LIMITS, type StreamLimits, type StreamSink } from './stream-types.js';
import { Subscription } from './subscription.js';

/**
 * Every live subscriber of one hub, whatever its transport. One hub listener fans each event
 * out to all of them; each subscription filters and buffers on its own, so a slow one never
 * holds up the others.
 */
export class StreamRegistry {
  private readonly subscriptions = new Set<Subscription>();
  private off: (() => void) | null = null;
  readonly limits: StreamLimits;

  constructor(private readonly hub: ActivityHub, limits: Partial<StreamLimits> = {}) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
  }

  /**
   * Subscribes `sink` for `who`, with filters, from `since` (a `seq`) or from now. Resolves to
   * the subscription (call `stop()` when the transport closes) and the `seq` it starts after.
   * Throws a coded 400 on bad filters, a 403 without the `read` scope.
   */
  async subscribe(who: Principal, filters: StreamFilterInput, sink: StreamSink, since?: number): Promise<{ subscription: Subscription; seq: number }> {
    requireScope(who, 'read'); // streams are reads, like list and get
    const subscription = new Subscription(this.hub, who, streamFilter(filters), sink, this.limits, (s) => this.remove(s));
    this.subscriptions.add(subscription);
    this.off ??= this.hub.on('event', (event) => this.fanOut(event));
    try {
      return { subscription, seq: await subscription.start(since) };
    } catch (error) {
      subscription.stop();
      throw error;
    }
  }

  /** How many subscribers are connected. */
  get size(): number {
    return this.subscriptions.size;
  }

  /** Events waiting across all subscribers. */
  get buffered(): number {
    let n = 0;
    for (const s of this.subscriptions) n += s.buffered;
    return n;
  }

  /** Closes every stream with `draining`: the server is stopping; subscribers resume elsewhere or later. */
  closeAll(reason = 'the server is stopping; reconnect to resume'): void {
    for (const s of [...this.subscriptions]) s.close('draining', reason);
  }

  private fanOut(event: HubEvent): void {
    for (const s of this.subscriptions) s.deliver(event);
  }

  private remove(s: Subscription): void {
    this.subscriptions.delete(s);
    if (this.subscriptions.size === 0 && this.off) {
      this.off();
      this.off = null;
    }
  }
}
