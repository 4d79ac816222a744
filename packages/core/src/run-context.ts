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
 * A tight loop of awaited reports, with a store that answers at once (memory), runs as one chain
 * of microtasks: timers, I/O and other requests would wait until the work ends. Past this long
 * without a turn of the event loop, the next write waits for one; reports made meanwhile merge.
 */
const YIELD_AFTER_MS = 5;
let lastTurn = 0;
let turnPending = false;

/** Resolves after the event loop has had a turn, if it has had none for a while; otherwise at once. */
function turnIfDue(): Promise<void> | undefined {
  const now = performance.now();
  if (now - lastTurn < YIELD_AFTER_MS && !turnPending) return undefined;
  turnPending = true;
  return new Promise((resolve) => setImmediate(() => {
    lastTurn = performance.now();
    turnPending = false;
    resolve();
  }));
}

/**
 * Merges reports that arrive while a write is in flight, so at most one write per activity is
 * outstanding and the latest report always lands. Every report of one batch shares its promise.
 */
export class CoalescingReporter {
  private pending: ActivityPatch | null = null;
  private batch: { done: Promise<void>; resolve: () => void } | null = null;
  private writing = false;
  private draining: Promise<void> = Promise.resolve();

  constructor(private readonly write: (patch: ActivityPatch) => Promise<void>) {}

  /** `patch` is not copied: callers pass an object of their own. */
  report(patch: ActivityPatch): Promise<void> {
    if (patch.progress !== undefined) checkProgress(patch.progress);
    this.pending = this.pending
      ? { ...this.pending, ...patch, context: patch.context ? { ...this.pending.context, ...patch.context } : this.pending.context }
      : patch;
    this.batch ??= newBatch();
    const { done } = this.batch;
    if (!this.writing) this.draining = this.drain();
    return done;
  }

  /**
   * Resolves once every report made so far is written (or found the activity ended). The hub
   * waits for it before ending the work, so a report the work did not await is not overtaken by
   * the end: `void ctx.progress(100, 'last'); return result` shows 100 and 'last', then completed.
   */
  settled(): Promise<void> {
    return this.draining;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.pending) {
      const turn = turnIfDue();
      if (turn) await turn;
      const patch = this.pending;
      const batch = this.batch;
      this.pending = null;
      this.batch = null;
      if (patch) await this.write(patch);
      batch?.resolve();
    }
    this.writing = false;
  }
}

function newBatch(): { done: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { done, resolve };
}
