// ProgressEstimator: rate and ETA from progress samples, as the CLI bars and the dashboard show them.
import { describe, expect, it } from 'vitest';
import { ProgressEstimator } from '@activityd/client';

const T0 = 1_700_000_000_000;

describe('ProgressEstimator', () => {
  it('knows nothing before two samples', () => {
    const e = new ProgressEstimator();
    expect(e.estimate()).toEqual({ ratePerSecond: null, etaMs: null });
    e.sample(10, T0);
    expect(e.estimate()).toEqual({ ratePerSecond: null, etaMs: null });
  });

  it('rate and ETA from two samples: 10 → 20 in 1 s is 10 %/s, 8 s left', () => {
    const e = new ProgressEstimator();
    e.sample(10, T0);
    e.sample(20, T0 + 1_000);
    expect(e.estimate()).toEqual({ ratePerSecond: 10, etaMs: 8_000 });
  });

  it('a steady rate stays that rate, and the ETA counts down with it', () => {
    const e = new ProgressEstimator();
    for (let i = 0; i <= 8; i++) e.sample(i * 5, T0 + i * 500); // 10 %/s
    const { ratePerSecond, etaMs } = e.estimate();
    expect(ratePerSecond).toBeCloseTo(10, 9);
    expect(etaMs).toBeCloseTo(6_000, 6); // 40 % done, 60 % left
  });

  it('a change of speed is followed smoothly: more recent speed weighs more, old speed fades by the half-life', () => {
    const e = new ProgressEstimator(1_000);
    e.sample(0, T0);
    e.sample(10, T0 + 1_000); // 10 %/s
    e.sample(40, T0 + 2_000); // 30 %/s over one half-life: halfway from 10 to 30
    expect(e.estimate().ratePerSecond).toBeCloseTo(20, 9);
    expect(e.estimate().etaMs).toBeCloseTo(3_000, 6); // 60 % left at 20 %/s
    for (let t = 3; t <= 12; t++) e.sample(40 + (t - 2) * 5, T0 + t * 1_000); // then 5 %/s for 10 half-lives
    expect(e.estimate().ratePerSecond!).toBeCloseTo(5, 1);
  });

  it('indeterminate progress (null) resets the estimate; it starts again from the next two samples', () => {
    const e = new ProgressEstimator();
    e.sample(10, T0);
    e.sample(20, T0 + 1_000);
    e.sample(null, T0 + 2_000);
    expect(e.estimate()).toEqual({ ratePerSecond: null, etaMs: null });
    e.sample(50, T0 + 3_000);
    expect(e.estimate()).toEqual({ ratePerSecond: null, etaMs: null });
    e.sample(60, T0 + 5_000);
    expect(e.estimate()).toEqual({ ratePerSecond: 5, etaMs: 8_000 });
  });

  it('progress going backwards forgets the rate; no movement gives a zero rate and no ETA', () => {
    const e = new ProgressEstimator();
    e.sample(50, T0);
    e.sample(60, T0 + 1_000);
    e.sample(30, T0 + 2_000);
    expect(e.estimate()).toEqual({ ratePerSecond: null, etaMs: null });
    const still = new ProgressEstimator();
    still.sample(30, T0);
    still.sample(30, T0 + 1_000);
    expect(still.estimate()).toEqual({ ratePerSecond: 0, etaMs: null });
  });

  it('samples at the same instant, or out of order in time, do not divide by zero', () => {
    const e = new ProgressEstimator();
    e.sample(10, T0);
    e.sample(20, T0);
    e.sample(30, T0 - 1_000);
    const { ratePerSecond, etaMs } = e.estimate();
    expect(ratePerSecond).toBeNull();
    expect(etaMs).toBeNull();
  });

  it('at 100 the ETA is zero', () => {
    const e = new ProgressEstimator();
    e.sample(90, T0);
    e.sample(100, T0 + 1_000);
    expect(e.estimate()).toEqual({ ratePerSecond: 10, etaMs: 0 });
  });
});
