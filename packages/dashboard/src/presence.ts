import { signal } from '@preact/signals';
import type { Session } from './session.js';

/** A user the server saw recently. */
export interface Seen {
  userId: number;
  name: string;
  seenAt: number;
}

const POLL_MS = 15_000;

/**
 * Who was seen, refreshed every 15 s, and the names of owners for the list. Listing activities
 * is what records presence on the server, so each refresh lists one activity first: the person
 * watching this page counts as seen.
 */
export class Presence {
  readonly seen = signal<readonly Seen[]>([]);
  /** Owner id → name, from presence and, for admins, the user list. */
  readonly names = signal<ReadonlyMap<number, string>>(new Map());
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly session: Session) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    const { client, me } = this.session;
    try {
      await client.list({ limit: 1 });
      const [{ presence }, users] = await Promise.all([
        client.presence(),
        me.admin ? client.admin.list<{ id: number; name: string }>('users').catch(() => []) : Promise.resolve([]),
      ]);
      this.seen.value = presence.slice().sort((a, b) => b.seenAt - a.seenAt);
      const names = new Map<number, string>();
      for (const user of users) names.set(user.id, user.name);
      for (const user of presence) names.set(user.userId, user.name);
      this.names.value = names;
    } catch {
      // The connection indicator tells of an unreachable server; presence just waits for the next round.
    }
  }
}
