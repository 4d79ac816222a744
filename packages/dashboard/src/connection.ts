import { signal } from '@preact/signals';
import { isActivityEvent, UnauthenticatedError, type ActivitydClient } from '@activityd/client';
import type { ChangeFeed } from './change-feed.js';
import type { LiveActivities } from './live-activities.js';
import { TaskBudget } from './task-budget.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** Reconnecting for longer than this (or the browser saying it is offline) shows as offline. */
const OFFLINE_AFTER_MS = 20_000;
/** The list call takes at most this many ids (the API's limit). */
const IDS_PER_CALL = 100;
/** The list call's largest page. */
const PAGE_SIZE = 1000;

/**
 * Keeps `activities` and `feed` current. The event stream starts first ("from now"); once it is
 * live, every visible activity is listed, running ones first, page by page. Both land in the same
 * model, where the newer `seq` of each activity wins, so an event that overtakes the listing is
 * never lost and a listed state never undoes a newer event. The stream reconnects with backoff and
 * resumes by cursor; after each reconnect, activities still shown running are checked with the
 * server, so one that ended unseen never stays a stuck bar.
 */
export class Connection {
  readonly state = signal<ConnectionState>('connecting');
  private readonly controller = new AbortController();
  private reconnectingSince: number | null = null;
  private everLive = false;
  /** Whether the stream has a cursor to resume from (it has one once an event arrived). */
  private sawEvent = false;

  constructor(
    private readonly client: ActivitydClient,
    private readonly activities: LiveActivities,
    private readonly feed: ChangeFeed,
    private readonly onSignedOut: (reason: string) => void,
  ) {}

  start(): void {
    void this.client.changes().then((reply) => this.feed.load(reply), () => undefined);
    void this.run();
    addEventListener('offline', this.onBrowserOffline);
  }

  stop(): void {
    this.controller.abort();
    removeEventListener('offline', this.onBrowserOffline);
  }

  /** Called by the page's clock: a long reconnect turns into "offline". */
  tick(now: number): void {
    if (this.state.value === 'reconnecting' && this.reconnectingSince !== null && now - this.reconnectingSince > OFFLINE_AFTER_MS) this.state.value = 'offline';
  }

  private readonly onBrowserOffline = () => {
    if (this.state.value !== 'live') this.state.value = 'offline';
  };

  private async run(): Promise<void> {
    try {
      const stream = this.client.watch({}, { signal: this.controller.signal, onState: (s) => this.onState(s) });
      const budget = new TaskBudget();
      for await (const item of stream) {
        this.sawEvent = true;
        if (item.type === 'reset') {
          // A snapshot holds at most the server's `maxSnapshot` activities: the listing fills in the rest.
          this.activities.applyReset(item);
          void this.listAll();
        } else if (isActivityEvent(item)) this.activities.applyEvent(item);
        else this.feed.apply(item);
        if (budget.spent()) await budget.pause(); // the rest of a large read in a later task
      }
    } catch (error) {
      if (error instanceof UnauthenticatedError) this.onSignedOut('The server no longer accepts this token; sign in again.');
      else this.state.value = 'offline';
    }
  }

  private onState(state: 'connecting' | 'live' | 'reconnecting'): void {
    if (state === 'live') {
      this.reconnectingSince = null;
      // A stream that never had an event resumed "from now": what happened meanwhile comes from a listing.
      if (!this.everLive || !this.sawEvent) void this.listAll();
      else void this.recheckRunning();
      this.everLive = true;
    } else if (state === 'reconnecting') {
      this.reconnectingSince ??= Date.now();
      if (this.state.value === 'offline' && navigator.onLine) return;
    }
    this.state.value = state;
  }

  /** Every visible activity, running ones first, a page at a time. */
  private async listAll(): Promise<void> {
    try {
      for (const state of ['active', 'ended']) {
        let cursor: string | undefined;
        do {
          const page = await this.client.list({ state: [state], limit: PAGE_SIZE, signal: this.controller.signal, ...(cursor ? { cursor } : {}) });
          this.activities.applyListed(page.activities);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
    } catch {
      // The stream's own reconnect lists again if it never had an event; otherwise the rechecks cover it.
    }
  }
  /** Asks the server about every activity shown running; takes ended ones as ended and drops vanished ones. */
  private async recheckRunning(): Promise<void> {
    const ids = this.activities.runningIds();
    for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
      const chunk = ids.slice(i, i + IDS_PER_CALL);
      try {
        const { activities } = await this.client.list({ id: chunk, state: ['all'], limit: IDS_PER_CALL, signal: this.controller.signal });
        const found = new Set(activities.map((a) => a.id));
        this.activities.applyListed(activities, chunk.filter((id) => !found.has(id)));
      } catch {
        return; // the stream's own reconnect comes back here
      }
    }
  }
}
