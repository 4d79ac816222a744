import type { Clock } from './clock.js';

/**
 * Repeating jobs on a {@link Clock}. A job is rescheduled only after it settles, so a slow
 * store never makes runs pile up; a failing run is reported and the next one still comes.
 */
export class Timers {
  private readonly cancels = new Set<() => void>();
  private stopped = false;

  constructor(private readonly clock: Clock, private readonly onError: (error: unknown) => void = () => {}) {}

  every(ms: number, job: () => Promise<void>): void {
    const schedule = () => {
      if (this.stopped) return;
      const cancel = this.clock.setTimeout(() => {
        this.cancels.delete(cancel);
        job().catch(this.onError).finally(schedule);
      }, ms);
      this.cancels.add(cancel);
    };
    schedule();
  }

  clear(): void {
    this.stopped = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }
}
