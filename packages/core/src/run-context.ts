import { checkProgress, type ActivityPatch } from './activity.js';

/** What in-process work receives. */
export interface RunContext {
  /** The activity's id. */
  readonly id: string;
  /** Aborted when the activity is cancelled, from whichever node or surface. */
  readonly signal: AbortSignal;
  /**
   * Reports progress (0..100, or `null` for indeterminate) and optionally a new subtitle.
   * Throws at once on a value out of range. Need not be awaited: reports made while one is being
   * written are merged, latest wins, so a tight loop never floods the store. The promise resolves
   * when a write including this report is durable (or the activity has ended).
   */
  progress(value: number | null, subtitle?: string | null): Promise<void>;
  /** Like `progress`, for any of progress, title, subtitle and context. */
  update(patch: ActivityPatch): Promise<void>;
}

/**
 * Merges reports that arrive while a write is in flight, so at most one write per activity is
 * outstanding and the latest report always lands.
 */
export class CoalescingReporter {
  private pending: ActivityPatch | null = null;
  private waiters: Array<() => void> = [];
  private writing = false;

  constructor(private readonly write: (patch: ActivityPatch) => Promise<void>) {}

  report(patch: ActivityPatch): Promise<void> {
    if (patch.progress !== undefined) checkProgress(patch.progress);
    this.pending = this.pending
      ? { ...this.pending, ...patch, context: patch.context ? { ...this.pending.context, ...patch.context } : this.pending.context }
      : { ...patch };
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (!this.writing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.pending) {
      const patch = this.pending;
      const waiters = this.waiters;
      this.pending = null;
      this.waiters = [];
      await this.write(patch);
      for (const resolve of waiters) resolve();
    }
    this.writing = false;
  }
}
