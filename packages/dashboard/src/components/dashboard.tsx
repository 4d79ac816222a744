import { useEffect } from 'preact/hooks';
import type { DashboardModel } from '../dashboard-model.js';
import { dependOn } from '../depend-on.js';
import { mayCancel } from '../session.js';
import { ActivityList } from './activity-list.js';
import { ConnectionBadge } from './connection-badge.js';
import { DetailPanel } from './detail-panel.js';
import { FilterBar } from './filter-bar.js';
import { FeedPanel, PresencePanel } from './side-panels.js';

/** The signed-in page: header, filters, the live list, the selected activity, feed and presence. */
export function Dashboard({ model, onSignOut }: { model: DashboardModel; onSignOut: () => void }) {
  useEffect(() => {
    model.start();
    return () => model.stop();
  }, [model]);
  const { me, client } = model.session;
  const now = model.now.value;
  const names = model.presence.names.value;
  const ids = model.ids.value;
  const selectedId = model.selected.value;
  dependOn(model.activities.version); // the detail panel follows its activity
  const selected = selectedId ? model.activities.byId.get(selectedId) : undefined;
  return (
    <div class={`layout${selected ? ' with-detail' : ''}`}>
      <header class="top">
        <h1><img src="/favicon.svg" alt="" width={20} height={20} /> activityd</h1>
        <ConnectionBadge state={model.connection.state.value} />
        <span class="who">{me.admin ? 'admin' : me.userId === null ? 'service' : (names.get(me.userId) ?? `user ${me.userId}`)}</span>
        <button type="button" class="link" onClick={onSignOut}>Sign out</button>
      </header>
      <main class="main">
        <FilterBar filters={model.filters.value} types={model.types.value} owners={model.owners.value}
          shown={ids.length} total={model.activities.byId.size} onChange={(f) => model.setFilters(f)} />
        <ActivityList activities={model.activities} ids={ids} now={now} names={names} selected={selectedId}
          onSelect={(id) => model.select(id === selectedId ? null : id)} />
      </main>
      {selected && <DetailPanel tracked={selected} client={client} mayCancel={mayCancel(model.session)} now={now} names={names} onClose={() => closeDetail(model)} />}
      <div class="side">
        <FeedPanel models={model.feed.modelChanges.value} index={model.feed.modelChangesES.value} now={now} />
        <PresencePanel seen={model.presence.seen.value} now={now} />
      </div>
    </div>
  );
}

/** Closes the detail panel and gives the keyboard back to the row it was opened from. */
function closeDetail(model: DashboardModel): void {
  const id = model.selected.value;
  model.select(null);
  if (id) requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`li.row[data-id="${CSS.escape(id)}"] .row-title`)?.focus());
}
