/** After the rows in view last turned over, the rows beyond stay parked this long (ms) while the view stays put. */
const HOLD_MS = 250;

/**
 * Tells the list when to park the rows beyond the view ({@link ActivityList}): when the rows in view
 * turned over on their own, i.e. the view did not move, yet most of the activities in it were not
 * there in the frame before. That is a burst (1,000 activities starting at once, each the newest, each
 * frame's new ones pushing every row down and out) or a new filter; in a burst it happens frame after
 * frame, and in frames between when fewer arrive. So parking lasts until the view has not turned over
 * for {@link HOLD_MS} (a row parked and drawn again in alternate frames would cost more than drawing
 * it each time), and ends at once when the view moves: then the rows beyond are what scrolls in.
 */
export class ViewTurnover {
  private top = Number.NaN;
  private shown = new Set<string>();
  private turnedAt = Number.NEGATIVE_INFINITY;

  /** Records the ids in view at scroll position `top` at time `now` (ms); says whether to park the rows beyond. */
  park(top: number, ids: readonly string[], now: number): boolean {
    const stayed = top === this.top;
    let arrived = 0;
    for (const id of ids) if (!this.shown.has(id)) arrived++;
    this.top = top;
    this.shown = new Set(ids);
    if (!stayed) this.turnedAt = Number.NEGATIVE_INFINITY;
    else if (arrived * 2 > ids.length) this.turnedAt = now;
    return now - this.turnedAt < HOLD_MS;
  }
}
