import type { Activity } from '@activityd/client';

/** What the list's order needs of an activity: its sort keys, and when the page first saw it. */
export interface Ordered {
  activity: Activity;
  /** Counts up as the page first sees activities: breaks ties, so the order is total. */
  arrival: number;
}

/** Running first, newest first; then ended, most recently ended first; ties in the order the page first saw them. */
export function byDisplayOrder(a: Ordered, b: Ordered): number {
  const aRunning = a.activity.state === 'running';
  if (aRunning !== (b.activity.state === 'running')) return aRunning ? -1 : 1;
  const byTime = aRunning ? b.activity.createdAt - a.activity.createdAt : (b.activity.endedAt ?? 0) - (a.activity.endedAt ?? 0);
  return byTime || a.arrival - b.arrival;
}

/**
 * The ids the list shows, in display order, kept current by moving only the activities whose place
 * may have changed. Sorting every activity again in each frame in which one appeared was a sort of
 * 1,000 (11,000 with the ended ones) per frame while a burst of starts arrived, a tenth of the script
 * time of the first frames of bench/dashboard's running phase (issue 10); a frame now costs a
 * binary search per moved activity and one copy of the list.
 */
export class DisplayOrder {
  private ids: readonly string[] = [];

  /** Sorts all of `all` that `keep` lets through, afresh (first time, new filters, a reset). */
  rebuild(all: Iterable<Ordered>, keep: (activity: Activity) => boolean): readonly string[] {
    const shown: Ordered[] = [];
    for (const item of all) if (keep(item.activity)) shown.push(item);
    this.ids = shown.sort(byDisplayOrder).map((item) => item.activity.id);
    return this.ids;
  }

  /**
   * Takes `moved` out and puts back those still in `byId` that `keep` lets through, each at its place.
   * Correct as long as nothing outside `moved` changed its sort keys or whether `keep` lets it through
   * since the last call. Returns the same array when nothing shown changed.
   */
  update(byId: ReadonlyMap<string, Ordered>, moved: ReadonlySet<string>, keep: (activity: Activity) => boolean): readonly string[] {
    if (moved.size === 0) return this.ids;
    const staying = this.ids.filter((id) => !moved.has(id));
    const entering: Ordered[] = [];
    for (const id of moved) {
      const item = byId.get(id);
      if (item && keep(item.activity)) entering.push(item);
    }
    if (entering.length === 0 && staying.length === this.ids.length) return this.ids;
    entering.sort(byDisplayOrder);
    const ids: string[] = [];
    let from = 0;
    for (const item of entering) {
      const place = placeOf(item, staying, from, byId);
      while (from < place) ids.push(staying[from++]!);
      ids.push(item.activity.id);
    }
    while (from < staying.length) ids.push(staying[from++]!);
    this.ids = ids;
    return ids;
  }
}

/** The first index at or after `from` in `sorted` whose activity comes after `item`. */
function placeOf(item: Ordered, sorted: readonly string[], from: number, byId: ReadonlyMap<string, Ordered>): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (byDisplayOrder(byId.get(sorted[mid]!)!, item) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
