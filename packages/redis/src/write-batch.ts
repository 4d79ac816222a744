import { toStoreError } from './unavailable.js';

/**
 * At most this many writes per script call. Smaller calls overlap better — the node handles the
 * first call's events while Redis runs the next — at a fixed cost per call in Redis; 16 measured
 * better than 128 and about as well as 8 (bench:redis, noisy).
 */
const MAX_ITEMS = 16;

/**
 * Told of every script call: when it is sent, and when it is answered with the seq range its writes
 * took (`first` exclusive, `last` inclusive; equal when none was written) or failed (`null`).
 * `answered` runs after every write of the call has resolved (and its caller's continuation has run).
 */
export interface CallObserver {
  sent(): void;
  answered(range: { first: number; last: number } | null): void;
}

const unobserved: CallObserver = { sent() {}, answered() {} };

/** One queued write: its script arguments, and who waits for its seq. */
interface Queued {
  args: Array<string | number>;
  resolve: (seq: number | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends the activity writes queued during one event-loop turn as one `write-many` script call
 * (like the SQLite store's group commit): a script call costs Redis several times the commands
 * inside it, so 32 writes in flight cost one call, not 32. Each write keeps its own CAS and its own
 * result (its new `seq`, or `null` when its condition failed); if the call fails, every write of
 * the batch rejects with the error (a lost connection as the coded 503 `UnavailableError`, as
 * `guarded` maps it), so none was acknowledged.
 */
export class WriteBatch {
  private queue: Queued[] = [];
  private scheduled = false;

  /**
   * @param send runs the script with the items' arguments concatenated; resolves one seq (0: failed)
   * per item, then the seq before the call's first.
   */
  constructor(
    private readonly send: (args: Array<string | number>) => Promise<number[]>,
    private readonly observer: CallObserver = unobserved,
  ) {}

  /** Queues one write for this turn's call; resolves to its new `seq`, or `null` if its condition failed. */
  enqueue(args: Array<string | number>): Promise<number | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queue;
    this.queue = [];
    // Bounded calls, so one busy turn never holds Redis (single-threaded) for long, and replies overlap.
    for (let i = 0; i < queued.length; i += MAX_ITEMS) this.sendBatch(queued.slice(i, i + MAX_ITEMS));
  }

  private sendBatch(batch: Queued[]): void {
    const args: Array<string | number> = [];
    for (const q of batch) for (const a of q.args) args.push(a);
    this.observer.sent();
    this.send(args).then(
      (seqs) => {
        const first = Number(seqs[batch.length] ?? 0);
        let last = first;
        for (let i = 0; i < batch.length; i++) {
          const seq = seqs[i] ? Number(seqs[i]) : null;
          if (seq !== null && seq > last) last = seq;
          batch[i]!.resolve(seq);
        }
        // After the writes' own continuations (queued by the resolves above), which record their events.
        queueMicrotask(() => this.observer.answered({ first, last }));
      },
      (error: unknown) => {
        this.observer.answered(null);
        const mapped = toStoreError(error);
        for (const q of batch) q.reject(mapped);
      },
    );
  }
}
