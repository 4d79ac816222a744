import type { IndexEntry, ModelChange } from '@activityd/client';
import type { FeedItem } from '../change-feed.js';
import type { Seen } from '../presence.js';
import { formatAge } from '../format.js';

/** The change feed of the last minute: `modelChanges` and `modelChangesES`, newest first. */
export function FeedPanel({ models, index, now }: { models: ReadonlyArray<FeedItem<ModelChange>>; index: ReadonlyArray<FeedItem<IndexEntry>>; now: number }) {
  return (
    <section class="panel" aria-labelledby="feed-title">
      <h2 id="feed-title">Changed in the last minute</h2>
      <h3>Documents <span class="badge">{models.length}</span></h3>
      <ul class="feed" aria-label="modelChanges">
        {models.slice(0, 50).map(({ key, entry, writtenAt }) => (
          <li key={key}><span class="mono">{entry.model} {String(entry.id)}</span> <span>{entry.action}</span> <time>{formatAge(now - writtenAt)} ago</time></li>
        ))}
        {models.length === 0 && <li class="empty">No document changed.</li>}
      </ul>
      <h3>Search index <span class="badge">{index.length}</span></h3>
      <ul class="feed" aria-label="modelChangesES">
        {index.slice(0, 50).map(({ key, entry, writtenAt }) => (
          <li key={key}><span class="mono">{entry.model} {String(entry.id)}</span> <span>{Object.keys(entry.affectedModels).join(', ')}</span> <time>{formatAge(now - writtenAt)} ago</time></li>
        ))}
        {index.length === 0 && <li class="empty">Nothing reindexed.</li>}
      </ul>
    </section>
  );
}

/** Who was seen recently, most recent first. */
export function PresencePanel({ seen, now }: { seen: readonly Seen[]; now: number }) {
  return (
    <section class="panel" aria-labelledby="presence-title">
      <h2 id="presence-title">Seen recently</h2>
      <ul class="presence">
        {seen.map((user) => <li key={user.userId}><span class="who">{user.name}</span> <time>{formatAge(now - user.seenAt)} ago</time></li>)}
        {seen.length === 0 && <li class="empty">Nobody yet.</li>}
      </ul>
    </section>
  );
}
