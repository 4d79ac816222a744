import { useSignal, type ReadonlySignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { LiveActivities, Tracked } from '../live-activities.js';
import { dependOn } from '../depend-on.js';
import { FrameGate } from '../frame-gate.js';
import { RowSlots } from '../row-slots.js';
import { ViewTurnover } from '../view-turnover.js';
import { ActivityRow } from './activity-row.js';

/** Every row has this height (px), so the list knows where each one is without measuring. */
export const ROW_HEIGHT = 76;
/** Rows drawn beyond the visible ones, so fast scrolling shows no blank. */
const OVERSCAN = 6;
/**
 * At most this many more rows are put in the page per frame than the frame before. The first frame
 * with rows (1,000 activities starting at once, or a reload) builds each new row from nothing: its
 * elements, their styles and layout. All of them in one frame made one task over 50 ms (issue 10);
 * with 6 the first frame restyled 93 elements and laid out 129 objects (15-29 ms of CPU in traces of
 * bench/dashboard on a loaded machine), with 3 it restyles 54 and lays out 72. With 1, quiet runs of
 * bench/dashboard had no long task in 9 of 11 (3: 7 of 16). The rows in view fill in within about 10
 * frames (~170 ms), the newest on top from the first.
 */
const NEW_ROWS_PER_FRAME = 1;

export interface ListProps {
  activities: LiveActivities;
  /** The ids shown, in order: read here, so that a new list renders the list, not the whole page. */
  ids: ReadonlySignal<readonly string[]>;
  now: number;
  names: ReadonlyMap<number, string>;
  selected: string | null;
  onSelect: (id: string) => void;
}

/**
 * The activities, virtually: only the rows in view (and a few around) are in the page, however
 * long the list. Scrolling is read once per frame. Row elements are reused from activities that
 * left the view for ones that entered it ({@link RowSlots}).
 *
 * While the rows in view turn over on their own ({@link ViewTurnover}: a burst of new activities, each
 * the newest, pushing every row down), the rows beyond the view are parked: hidden, left as they were,
 * and drawn again once the view settles, or in the next frame when it scrolls. At the top of the list
 * 6 of the 16 rows in the page are beyond the view; in bench/dashboard's burst of 1,000 starts every
 * frame gave all 16 new activities (new texts to lay out and paint in each), which made the longest
 * frames of its running phase (issue 10). The rows in view are drawn in every frame as before.
 */
export function ActivityList({ activities, ids: idsSignal, now, names, selected, onSelect }: ListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const view = useSignal({ top: 0, height: 800 });
  const drawn = useRef(0);
  const slots = useRef<RowSlots | null>(null);
  slots.current ??= new RowSlots();
  const turnover = useRef<ViewTurnover | null>(null);
  turnover.current ??= new ViewTurnover();
  useEffect(() => {
    const element = scroller.current!;
    const measure = () => (view.value = { top: element.scrollTop, height: element.clientHeight });
    const gate = new FrameGate(measure);
    const onScroll = () => gate.request();
    element.addEventListener('scroll', onScroll, { passive: true });
    const resize = new ResizeObserver(() => gate.request());
    resize.observe(element);
    measure();
    return () => {
      element.removeEventListener('scroll', onScroll);
      resize.disconnect();
    };
  }, []);
  dependOn(activities.version); // redraw the rows in view when any activity changed (at most once a frame)
  const ids = idsSignal.value;
  const { top, height } = view.value;
  const visibleFirst = Math.min(ids.length, Math.floor(top / ROW_HEIGHT));
  const visibleEnd = Math.min(ids.length, Math.ceil((top + height) / ROW_HEIGHT));
  const first = Math.max(0, visibleFirst - OVERSCAN);
  const inView = Math.min(ids.length, visibleEnd + OVERSCAN);
  const parking = turnover.current.park(top, ids.slice(visibleFirst, visibleEnd), performance.now());
  // Parked rows keep their elements; none is built for them.
  const grown = Math.min(inView, first + drawn.current + NEW_ROWS_PER_FRAME);
  const last = parking ? Math.min(grown, Math.max(visibleEnd, first + drawn.current)) : grown;
  if (last < inView || parking) activities.redraw(); // the rest, or the parked rows, in the next frames
  drawn.current = Math.max(0, last - first);
  const shown: Array<{ tracked: Tracked; index: number }> = [];
  for (let i = first; i < last; i++) {
    const tracked = activities.byId.get(ids[i]!);
    if (tracked) shown.push({ tracked, index: i });
  }
  const focused = document.activeElement?.closest<HTMLElement>('li.row')?.dataset.id ?? null;
  const keys = slots.current.assign(shown.map((s) => s.tracked.activity.id), focused);
  const parked = (index: number, id: string) => parking && (index < visibleFirst || index >= visibleEnd) && id !== focused;
  const rows = shown.map(({ tracked, index }, n) => (
    <ActivityRow key={keys[n]} tracked={tracked} top={index * ROW_HEIGHT} position={index + 1} total={ids.length}
      now={now} names={names} selected={selected === tracked.activity.id} onSelect={onSelect} parked={parked(index, tracked.activity.id)} />
  ));
  return (
    <div class="scroller" ref={scroller} tabIndex={-1}>
      {ids.length === 0 && (activities.byId.size === 0
        ? <p class="empty">No activity here yet. Work appears the moment it starts: create one through the API (the README has examples), or run <code>activityd demo</code> (<code>npm run demo</code> in a clone) to watch simulated work.</p>
        : <p class="empty">No activity matches these filters.</p>)}
      <ul class="rows" aria-label="Activities" style={{ height: `${ids.length * ROW_HEIGHT}px` }}>{rows}</ul>
    </div>
  );
}
