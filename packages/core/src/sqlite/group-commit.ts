import type { Database } from './driver.js';

/** One queued piece of work: runs inside the batch's transaction, then `after` runs once it committed. */
interface Queued {
  run: () => unknown;
  after: ((value: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What the owner of the batch does around each transaction. */
export interface GroupCommitHooks {
  /** Before the transaction: note what must be undone if it rolls back. */
  begin(): void;
  /** The transaction rolled back: undo what `begin` noted (counters, caches). */
  rollback(): void;
  /** The transaction committed, before any `after` runs. */
  committed(): void;
}

/**
 * Group commit (DESIGN §8): work queued during one event-loop turn runs in one SQLite
 * transaction, in the order it was queued, at the end of that turn (`setImmediate`). Each piece
 * resolves only after the commit — with WAL and `synchronous=NORMAL` the commit is in the WAL file,
 * so it survives a killed process — and its `after` (emitting events) runs in queue order first.
 * If the transaction fails, every piece of the batch rejects with the error: none of them was
 * acknowledged, so nothing acknowledged is lost.
 */
export class GroupCommit {
  private queue: Queued[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly db: () => Database,
    private readonly hooks: GroupCommitHooks,
  ) {}

  /** Queues `run` for this turn's transaction; resolves to its value once committed. */
  enqueue<T>(run: () => T, after?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, after: after as ((value: unknown) => void) | undefined, resolve: resolve as (value: unknown) => void, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Is work queued that has not committed yet? */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Resolves once the batch queued now has committed or failed (at once when nothing is queued). */
  settled(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Runs the queued work now, in one transaction. Called at the end of the turn, and by `close`. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batch = this.queue;
    const waiters = this.waiters;
    this.queue = [];
    this.waiters = [];
    if (batch.length > 0) this.commit(batch);
    for (const wake of waiters) wake();
  }

  private commit(batch: Queued[]): void {
    let values: unknown[];
    this.hooks.begin();
    try {
      values = this.db().transaction(() => batch.map((q) => q.run()))();
    } catch (error) {
      this.hooks.rollback();
      for (const q of batch) q.reject(error);
      return;
    }
    this.hooks.committed();
    batch.forEach((q, i) => q.after?.(values[i]));
    batch.forEach((q, i) => q.resolve(values[i]));
  }
}
