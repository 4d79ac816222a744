/** Rate and time left for one activity's progress. */
export interface Estimate {
  /** Percent per second, smoothed; `null` until two samples with progress. */
  ratePerSecond: number | null;
  /** Milliseconds until 100 at that rate; `null` when unknown. */
  etaMs: number | null;
}

/**
 * Estimates rate and ETA from progress samples (an exponentially weighted rate), once, here, so
 * the CLI and the dashboard agree.
 * @example
 * const e = new ProgressEstimator(); e.sample(10, t0); e.sample(20, t0 + 1000); e.estimate().etaMs // ≈ 8000
 */
export class ProgressEstimator {
  private last: { progress: number; at: number } | null = null;
  private rate: number | null = null;

  /** @param halfLifeMs how quickly older speed is forgotten (default 10 s) */
  constructor(private readonly halfLifeMs = 10_000) {}

  /** Adds a sample; `null` progress (indeterminate) resets the estimate. */
  sample(progress: number | null, at: number): void {
    if (progress === null) {
      this.last = null;
      this.rate = null;
      return;
    }
    if (this.last && at > this.last.at && progress >= this.last.progress) {
      const instant = ((progress - this.last.progress) * 1000) / (at - this.last.at);
      const weight = 1 - 0.5 ** ((at - this.last.at) / this.halfLifeMs);
      this.rate = this.rate === null ? instant : this.rate + weight * (instant - this.rate);
    } else if (this.last && progress < this.last.progress) {
      this.rate = null;
    }
    this.last = { progress, at };
  }

  estimate(): Estimate {
    if (!this.last || this.rate === null || this.rate <= 0) return { ratePerSecond: this.rate, etaMs: null };
    return { ratePerSecond: this.rate, etaMs: Math.max(0, ((100 - this.last.progress) / this.rate) * 1000) };
  }
}
