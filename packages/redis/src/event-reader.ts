import type { Redis } from 'ioredis';
import type { HubEvent } from '@activityd/protocol/types';
import { EventFanout, type Logger } from '@activityd/core';
import { OwnEvents } from './own-events.js';
import { rawEntrySeq, type Entry, type RawEntry } from './stream-items.js';

/** How long one blocking read waits for new events before asking again. */
const BLOCK_MS = 2_000;
/**
 * At most this many entries per read: up to 16 events each (one per write of a script call). A
 * node that fell behind then handles about a thousand events per turn, as when an entry was one
 * event, instead of blocking its event loop (and its own writes) for a whole backlog at once.
 */
const BATCH = 64;
/**
 * Events dispatched per event-loop turn: between slices, writes queued meanwhile go out (a write
 * batch flushes on `setImmediate`), so reading a backlog does not hold this node's own writes.
 */
const SLICE = 256;
/** Pause between attempts while Redis is unreachable. */
const RETRY_MS = 250;
/** A writer waits at most this long for its own event to come back from the stream. */
const DELIVERY_WAIT_MS = 1_000;
/**
 * At most this many events of this node's writes are held for the reader (see `remember`); past it
 * (a reader cut off while writes go on) they are read back from the stream like other nodes' events.
 */
const MAX_OWN = 100_000;
/** Slots of the ring those events are held in: the power of two above `MAX_OWN`. */
const OWN_SLOTS = 131_072;

type XReadReply = Array<[key: Buffer, entries: RawEntry[]]> | null;

/** Makes the events of stream entries, those after `after`, in seq order (see `EventRebuilder`). */
export type DecodeEntries = (entries: RawEntry[], after: number) => HubEvent[] | Promise<HubEvent[]>;

/**
 * Reads the shared event stream once per node, on its own connection (a blocking XREAD holds the
 * connection), and fans every event out to this node's listeners in `seq` order — whichever node
 * wrote it. When the connection breaks it tells `onGap` listeners (live streams then ask their
 * subscribers to reconnect), keeps retrying on its own, and resumes from the last `seq` it
 * delivered; a Redis that came back without its data restarts it from the beginning. Events come
 * in without a hole (seqs are consecutive in the stream): one that does means the stream was
 * trimmed past this node's position, which `onGap` listeners are told too. This node's own
 * `write-many` calls need no read: their answers dispatch their events when nothing else came in
 * between (`callSent`, `callAnswered`), and while any is unanswered the loop does not block on the
 * stream.
 */
export class EventReader {
  private readonly fanout: EventFanout;
  private readonly gapListeners = new Set<() => void>();
  /** Writes waiting for their event, in the order they were written (so by deadline). */
  private readonly waiters: Array<{ seq: number; resolve: () => void; deadline: number }> = [];
  /** One timer for every waiter's deadline, not one per write (a timer each cost the writer µs). */
  private expiry: NodeJS.Timeout | null = null;
  /** Events this node wrote and waits for, by seq (see `delivery`, `remember`). */
  private readonly own = new OwnEvents(OWN_SLOTS);
  private delivered = 0;
  private running = false;
  private broken = false;
  private loop: Promise<void> | null = null;
  /** This node's write calls sent and not answered yet (see `callSent`). */
  private callsInFlight = 0;
  /** Write calls answered so far (or failed), and the read loop waiting for a count of them. */
  private callsAnswered = 0;
  private answerWait: { count: number; resolve: () => void } | null = null;
  /** The stream must be read even while calls are in flight: another node's entries, a waiter. */
  private mustRead = false;
  /** Resumes the read loop while it is parked (see `parked`). */
  private wake: (() => void) | null = null;
  /** Deliveries, one after the other, whichever path (read, call answered) they come from. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly connection: Redis,
    private readonly streamKey: string,
    private readonly decode: DecodeEntries,
    private readonly logger: Logger,
    /** How long a write waits for its own event before resolving anyway. */
    private readonly deliveryWaitMs = DELIVERY_WAIT_MS,
  ) {
    this.fanout = new EventFanout((error) => logger.error({ err: error }, 'event listener failed'));
  }

  /** Starts reading after `seq` (the last event already in the log when the store opened). */
  start(seq: number): void {
    if (this.running) return;
    this.running = true;
    this.delivered = seq;
    this.loop = this.run();
  }

  /** Stops reading and closes the reader's connection. */
  async stop(): Promise<void> {
    this.running = false;
    this.resume();
    this.answerWait?.resolve();
    this.connection.disconnect();
    await this.loop;
    this.releaseAll();
    this.own.clear();
  }

  /** Adds a listener of every event, and optionally of gaps; returns a function that removes both. */
  add(listener: (event: HubEvent) => void, onGap?: () => void): () => void {
    const off = this.fanout.add(listener);
    if (onGap) this.gapListeners.add(onGap);
    return () => {
      off();
      if (onGap) this.gapListeners.delete(onGap);
    };
  }

  /** Adds a listener of gaps only. */
  onGap(listener: () => void): void {
    this.gapListeners.add(listener);
  }

  /**
   * Resolves once this node's listeners have seen the event `seq` — for writes that resolve after
   * their own event was dispatched here, as with the embedded stores — or after a short wait when
   * the reader is cut off (the write is stored either way; the event follows when the reader resumes).
   */
  delivery(seq: number, event?: HubEvent): Promise<void> {
    if (!this.running || this.broken || this.fanout.size === 0 || this.delivered >= seq) return Promise.resolve();
    // This node wrote it: when it comes round, dispatch the writer's object (as the embedded stores
    // do) instead of parsing the same text back.
    if (event) this.own.set(event);
    // Without an event it is no write-many call of this node's (whose answer dispatches it): read.
    else this.readNow();
    return new Promise((resolve) => {
      this.waiters.push({ seq, resolve, deadline: performance.now() + this.deliveryWaitMs });
      this.expiry ??= setTimeout(() => this.expire(), this.deliveryWaitMs);
    });
  }

  /**
   * This node wrote `event` and does not wait for it: when its stream entry comes round, the
   * reader dispatches this object. An entry holding only such events (one `write-many` call of
   * this node) is then neither parsed nor rebuilt; every other entry is read as any node reads it.
   */
  remember(event: HubEvent): void {
    if (event.seq > this.delivered && this.own.size < MAX_OWN) this.own.set(event);
  }

  /**
   * This node sent a write call. While any is unanswered the read loop does not wait on the stream:
   * its own entries would wake it, to be read back for nothing. The answers say what it missed.
   */
  callSent(): void {
    this.callsInFlight++;
  }

  /**
   * A write call was answered: its writes took the seqs after `first` up to `last` (`null`: it
   * failed). When the last seq dispatched here is `first` — nothing from another node came in
   * between — and every event of the call is held (`remember`, `delivery`), they are dispatched now,
   * in seq order, without reading the stream; otherwise the read loop reads from where it is.
   */
  callAnswered(range: { first: number; last: number } | null): void {
    this.callsInFlight--;
    this.callsAnswered++;
    if (range && range.last > range.first) void this.serially(() => this.deliverOwn(range.first, range.last));
    if (this.callsInFlight === 0) this.resume();
    if (this.answerWait && this.callsAnswered >= this.answerWait.count) {
      const { resolve } = this.answerWait;
      this.answerWait = null;
      void this.serially(resolve);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.parked()) {
        await new Promise<void>((resolve) => { this.wake = resolve; });
        continue;
      }
      this.mustRead = false;
      try {
        // As bytes: an entry of plain items is then read without a string of it (see `PlainScanner`).
        const reply = (await this.connection.callBuffer('XREAD', 'COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.streamKey, `${this.delivered}-0`)) as XReadReply;
        if (this.broken) await this.healed();
        // Calls unanswered now have most likely put their entries in this read, ahead of their
        // answers: those answers dispatch them from the writer's objects (the read then skips them),
        // where handling the read first would parse and rebuild them. Another node's entries wait
        // for the answers as well (about one round trip).
        if (reply && this.callsInFlight > 0) await this.answersTo(this.callsAnswered + this.callsInFlight);
        for (const [, entries] of reply ?? []) await this.serially(() => this.deliver(entries));
      } catch (error) {
        if (!this.running) break;
        this.lost(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** Waits for the answers of this node's calls rather than the stream (see `callSent`). */
  private parked(): boolean {
    return this.callsInFlight > 0 && !this.mustRead && !this.broken;
  }

  /** Resolves once `count` calls were answered (or failed), after the deliveries of their answers. */
  private answersTo(count: number): Promise<void> {
    return new Promise((resolve) => { this.answerWait = { count, resolve }; });
  }

  /** Makes the read loop read the stream now, even while calls are in flight. */
  private readNow(): void {
    this.mustRead = true;
    this.resume();
  }

  private resume(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private serially<T>(step: () => T | Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The events of one answered call of this node, when nothing came before them unread. */
  private deliverOwn(first: number, last: number): void {
    if (!this.running || this.broken || this.delivered >= last) return;
    if (this.delivered !== first || !this.holdsAll(first, last)) {
      this.readNow();
      return;
    }
    for (let seq = first + 1; seq <= last; seq++) {
      const event = this.own.take(seq)!;
      this.delivered = seq;
      this.fanout.emit(event);
    }
    this.release();
  }

  private async deliver(all: RawEntry[]): Promise<void> {
    // Entries an answered call already dispatched (a read sent before the call) are not parsed again.
    let skip = 0;
    while (skip < all.length && rawEntrySeq(all[skip]!) <= this.delivered) skip++;
    if (skip === all.length) return;
    const entries = skip === 0 ? all : all.slice(skip);
    const decoded = this.own.size === 0 ? this.decode(entries, this.delivered) : this.eventsOf(entries);
    const events = Array.isArray(decoded) ? decoded : await decoded;
    if (events.length > 0 && events[0]!.seq > this.delivered + 1) this.skipped(events[0]!.seq);
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && i % SLICE === 0) {
        this.release();
        await new Promise((resolve) => setImmediate(resolve));
        if (!this.running) return;
      }
      const event = events[i]!;
      this.delivered = event.seq;
      // An event this node wrote is dispatched as the writer's object (see `delivery`, `remember`).
      this.fanout.emit(this.own.take(event.seq) ?? event);
    }
    const last = entries.at(-1);
    if (last) this.delivered = Math.max(this.delivered, rawEntrySeq(last));
    this.release();
  }

  /**
   * The events of `entries`: an entry whose every event this node wrote and holds (see `remember`)
   * is taken from those objects; runs of other entries are decoded, in order.
   */
  private async eventsOf(entries: RawEntry[]): Promise<HubEvent[]> {
    const events: HubEvent[] = [];
    let start = 0;
    let startAfter = this.delivered;
    let after = this.delivered;
    for (let i = 0; i < entries.length; i++) {
      const last = rawEntrySeq(entries[i]!);
      if (this.holdsAll(after, last)) {
        if (start < i) await this.decodeInto(events, entries.slice(start, i), startAfter);
        for (let seq = after + 1; seq <= last; seq++) events.push(this.own.get(seq)!);
        start = i + 1;
        startAfter = last;
      }
      after = last;
    }
    if (start < entries.length) await this.decodeInto(events, start === 0 ? entries : entries.slice(start), startAfter);
    return events;
  }

  /** Does this node hold its own event for every seq after `after` up to `last`? */
  private holdsAll(after: number, last: number): boolean {
    if (last <= after) return false;
    for (let seq = after + 1; seq <= last; seq++) if (!this.own.has(seq)) return false;
    return true;
  }

  private async decodeInto(events: HubEvent[], entries: RawEntry[], after: number): Promise<void> {
    const decoded = this.decode(entries, after);
    for (const event of Array.isArray(decoded) ? decoded : await decoded) events.push(event);
  }

  /** Events before `seq` were trimmed before this node read them: its subscribers must resume by cursor. */
  private skipped(seq: number): void {
    this.logger.warn({ delivered: this.delivered, next: seq }, 'the Redis event stream was trimmed past this node\'s position');
    for (const listener of this.gapListeners) listener();
  }

  private release(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.seq > this.delivered) continue;
      this.waiters.splice(i, 1);
      this.own.delete(w.seq);
      w.resolve();
    }
    if (this.waiters.length === 0) this.stopExpiry();
  }

  /** Resolves the writes that waited their full time (the write is stored; its event follows). */
  private expire(): void {
    this.expiry = null;
    const now = performance.now();
    let i = 0;
    for (; i < this.waiters.length && this.waiters[i]!.deadline <= now; i++) {
      this.own.delete(this.waiters[i]!.seq);
      this.waiters[i]!.resolve();
    }
    this.waiters.splice(0, i);
    const next = this.waiters[0];
    if (next) this.expiry = setTimeout(() => this.expire(), Math.max(1, next.deadline - now));
  }

  private releaseAll(): void {
    for (const w of this.waiters.splice(0)) {
      this.own.delete(w.seq);
      w.resolve();
    }
    this.stopExpiry();
  }

  private stopExpiry(): void {
    if (this.expiry === null) return;
    clearTimeout(this.expiry);
    this.expiry = null;
  }

  private lost(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.logger.warn({ err: error }, 'lost the Redis event stream; retrying');
    this.releaseAll();
    for (const listener of this.gapListeners) listener();
  }

  /** Back after a break: if Redis lost the log (restarted without its data), read it from the start. */
  private async healed(): Promise<void> {
    this.broken = false;
    const last = await this.connection.call('XREVRANGE', this.streamKey, '+', '-', 'COUNT', 1) as Entry[];
    const lastSeq = last[0] ? Number(last[0][0].split('-')[0]) : 0;
    if (lastSeq < this.delivered) {
      this.logger.warn({ delivered: this.delivered, lastSeq }, 'the Redis event stream went back in time; reading it from the start');
      this.delivered = 0;
      // Seqs start again: this node's events held by their old seqs are not these.
      this.own.clear();
    }
    this.logger.info({ seq: this.delivered }, 'Redis event stream back; resuming');
  }
}
