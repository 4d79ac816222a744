/** How many lag samples are kept: a ring, so a page left open all day holds a fixed amount. */
const KEPT = 4096;

/**
 * Figures of the page's drawing for `bench/dashboard`, readable as `window.activitydStats`: frames
 * that drew a change, and per frame how long the oldest change it drew had been known to the server
 * (server and browser on one machine share a clock). Costs one array write per frame.
 */
export const frameStats = {
  framesDrawn: 0,
  lagMs: new Float64Array(KEPT),
  /** Takes the samples since the last call (at most the newest {@link KEPT}). */
  take(): number[] {
    const count = Math.min(this.framesDrawn - this.taken, KEPT);
    const out: number[] = [];
    for (let i = this.framesDrawn - count; i < this.framesDrawn; i++) out.push(this.lagMs[i % KEPT]!);
    this.taken = this.framesDrawn;
    return out;
  },
  taken: 0,
  record(lagMs: number): void {
    this.lagMs[this.framesDrawn % KEPT] = lagMs;
    this.framesDrawn++;
  },
};

(globalThis as { activitydStats?: typeof frameStats }).activitydStats = frameStats;
