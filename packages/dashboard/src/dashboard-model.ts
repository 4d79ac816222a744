import { computed, signal } from '@preact/signals';
import { ChangeFeed } from './change-feed.js';
import { Connection } from './connection.js';
import { dependOn } from './depend-on.js';
import { filtersFrom, matches, selectedFrom, writeUrl, type Filters } from './filters.js';
import { LiveActivities } from './live-activities.js';
import { ownerName } from './owner-name.js';
import { Presence } from './presence.js';
import type { Session } from './session.js';

/** Running first, newest first; then ended, most recently ended first. */
function byDisplayOrder(a: { state: string; createdAt: number; endedAt: number | null }, b: typeof a): number {
  const ar = a.state === 'running';
  if (ar !== (b.state === 'running')) return ar ? -1 : 1;
  return ar ? b.createdAt - a.createdAt : (b.endedAt ?? 0) - (a.endedAt ?? 0);
}

/**
 * Everything the signed-in page shows, as signals: the live activities, the feed, presence, the
 * connection, the filters (mirrored in the address bar), the selection, and a one-second clock.
 */
export class DashboardModel {
  readonly activities = new LiveActivities();
  readonly feed = new ChangeFeed();
  readonly presence: Presence;
  readonly connection: Connection;
  readonly filters = signal<Filters>(filtersFrom(location.search));
  readonly selected = signal<string | null>(selectedFrom(location.search));
  readonly now = signal(Date.now());
  private clock: ReturnType<typeof setInterval> | undefined;

  /** The ids the list shows, in order; sorted again only when the list's shape or the filters change. */
  readonly ids = computed(() => {
    dependOn(this.activities.shape);
    const filters = this.filters.value;
    const text = filters.q.trim().toLowerCase();
    if (text) dependOn(this.activities.version); // free text also matches subtitles, which change with progress
    const shown = [];
    for (const tracked of this.activities.byId.values()) if (matches(tracked.activity, filters, text)) shown.push(tracked.activity);
    return shown.sort(byDisplayOrder).map((a) => a.id);
  });

  /** The selected activity's id while it is here, else null (the detail panel opens and closes with it); moves only when that does. */
  readonly selectedHere = computed(() => {
    const id = this.selected.value;
    dependOn(this.activities.shape);
    return id !== null && this.activities.byId.has(id) ? id : null;
  });

  /** The types present, for the filter bar; recomputed only when one appears or vanishes. */
  readonly types = computed(() => {
    dependOn(this.activities.kindsVersion);
    return this.activities.kinds.typeList();
  });

  /** The owners present as [filter value, name], by name; recomputed when one appears or vanishes or names change. */
  readonly owners = computed((): Array<[string, string]> => {
    dependOn(this.activities.kindsVersion);
    const names = this.presence.names.value;
    const owners = this.activities.kinds.ownerList();
    return owners.map((o): [string, string] => [o === null ? 'system' : String(o), ownerName(o, names)]).sort((a, b) => a[1].localeCompare(b[1]));
  });

  constructor(readonly session: Session, onSignedOut: (reason: string) => void) {
    this.presence = new Presence(session);
    this.connection = new Connection(session.client, this.activities, this.feed, onSignedOut);
  }

  start(): void {
    this.connection.start();
    this.presence.start();
    this.clock = setInterval(() => {
      const now = Date.now();
      this.now.value = now;
      this.feed.prune(now);
      this.connection.tick(now);
    }, 1000);
  }

  stop(): void {
    this.connection.stop();
    this.presence.stop();
    clearInterval(this.clock);
  }

  setFilters(filters: Filters): void {
    this.filters.value = filters;
    writeUrl(filters, this.selected.value);
  }

  select(id: string | null): void {
    this.selected.value = id;
    writeUrl(this.filters.value, id);
  }
}
