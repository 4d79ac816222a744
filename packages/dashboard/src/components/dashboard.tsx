import { useEffect } from 'preact/hooks';
import type { DashboardModel } from '../dashboard-model.js';
import { dependOn } from '../depend-on.js';
import { mayCancel } from '../session.js';
import { ActivityList } from './activity-list.js';
import { ConnectionBadge } from './connection-badge.js';
import { DetailPanel } from './detail-panel.js';
import { ActivityCount, FilterBar } from './filter-bar.js';
import { FeedPanel, PresencePanel } from './side-panels.js';

/**
 * The signed-in page: header, filters, the live list, the selected activity, feed and presence. It
 * renders when the filters, selection, names, connection or the one-second clock change, or when the
 * selected activity appears or leaves; what moves with every event (the rows, the count, the detail panel)
 * renders in components of its own, so a frame of progress does not diff the header, filters and side panels.
 */
export function Dashboard({ model, onSignOut }: { model: DashboardModel; onSignOut: () => void }) {
  useEffect(() => {
    model.start();
    return () => model.stop();
  }, [model]);
  const { me, client } = model.session;
  const now = model.now.value;
  const names = model.presence.names.value;
  const selectedId = model.selected.value;
  const shownId = model.selectedHere.value;
  return (
    <div class={`layout${shownId !== null ? ' with-detail' : ''}`}>
      <header class="top">
        <h1><img src="/favicon.svg" alt="" width={20} height={20} /> activityd</h1>
        <ConnectionBadge state={model.connection.state.value} />
        <span class="who">{me.admin ? 'admin' : me.userId === null ? 'service' : (names.get(me.userId) ?? `user ${me.userId}`)}</span>
        <button type="button" class="link" onClick={onSignOut}>Sign out</button>
      </header>
      <main class="main">
        <FilterBar filters={model.filters.value} types={model.types.value} owners={model.owners.value} onChange={(f) => model.setFilters(f)}>
          <Count model={model} />
        </FilterBar>
        <ActivityList activities={model.activities} ids={model.ids} now={now} names={names} selected={selectedId}
          onSelect={(id) => model.select(id === model.selected.value ? null : id)} />
      </main>
      {shownId !== null && <SelectedDetail model={model} id={shownId} client={client} now={now} names={names} />}
      <div class="side">
        <FeedPanel models={model.feed.modelChanges.value} index={model.feed.modelChangesES.value} now={now} />
        <PresencePanel seen={model.presence.seen.value} now={now} />
      </div>
    </div>
  );
}

/** The count, rendered on its own when the list's shape changes. */
function Count({ model }: { model: DashboardModel }) {
  dependOn(model.activities.shape);
  return <ActivityCount shown={model.ids.value.length} total={model.activities.byId.size} />;
}

/** The detail panel, following its activity: rendered on its own in every frame in which anything changed. */
function SelectedDetail({ model, id, client, now, names }: { model: DashboardModel; id: string; client: DashboardModel['session']['client']; now: number; names: ReadonlyMap<number, string> }) {
  dependOn(model.activities.version);
  const tracked = model.activities.byId.get(id);
  return tracked ? <DetailPanel tracked={tracked} client={client} mayCancel={mayCancel(model.session)} now={now} names={names} onClose={() => closeDetail(model)} /> : null;
}

/** Closes the detail panel and gives the keyboard back to the row it was opened from. */
function closeDetail(model: DashboardModel): void {
  const id = model.selected.value;
  model.select(null);
  if (id) requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`li.row[data-id="${CSS.escape(id)}"] .row-title`)?.focus());
}
