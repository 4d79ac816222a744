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
 * A call may be told of before its writes are queued (see `WriteBatch`): if none come, it is
 * answered as one that wrote nothing.
 */
export interface CallObserver {
  sent(): void;
  answered(range: { first: number; last: number } | null): void;
}

const unobserved: CallObserver = { sent() {}, answered() {} };

/**
 * Sends the activity writes queued during one event-loop turn as one `write-many` script call
 * (like the SQLite store's group commit): a script call costs Redis several times the commands
 * inside it, so 32 writes in flight cost one call, not 32. Each write keeps its own CAS and its own
 * result (its new `seq`, or `null` when its condition failed); if the call fails, every write of
 * the batch rejects with the error (a lost connection as the coded 503 `UnavailableError`, as
 * `guarded` maps it), so none was acknowledged.
 *
 * A write's arguments are copied into the turn's arguments as it is queued, and its resolvers kept
 * in arrays by position: no object per write is held until the answer. V8 pretenures an allocation
 * site whose objects outlive a scavenge (as held writes did in some runs, in a process's first
 * seconds), and a pretenured object dead in the old generation keeps what it points at through
 * every scavenge until a full GC: each write's arguments (its live fields' JSON) were then promoted.
 */
export class WriteBatch {
  /** The queued writes' arguments, concatenated, and where each write's end. */
  private args: Array<string | number> = [];
  private ends: number[] = [];
  private settles: Array<(seq: number | null) => unknown> = [];
  private resolvers: Array<(value: unknown) => void> = [];
  private rejecters: Array<(error: unknown) => void> = [];
  private scheduled = false;
  /** Calls sent and not answered yet. */
  private inFlight = 0;
  /** The next call was told of already (see `expectNext`). */
  private announced = false;

  /**
   * @param send runs the script with the items' arguments concatenated (`args[start..end)`, not
   * copied); resolves one seq (0: failed) per item, then the seq before the call's first.
   */
  constructor(
    private readonly send: (args: ReadonlyArray<string | number>, start: number, end: number) => Promise<number[]>,
    private readonly observer: CallObserver = unobserved,
  ) {}

  /**
   * Queues one write for this turn's call. `settle` is given its new `seq`, or `null` if its
   * condition failed, as soon as the answer is read, and the write resolves to what it returns (or
   * rejects with what it throws): the writer's own step after the write runs there, not one promise
   * job later in an async function of its own (a promise, a suspended function and a job fewer per
   * write).
   */
  enqueue<T>(args: ReadonlyArray<string | number>, settle: (seq: number | null) => T): Promise<T> {
    for (let i = 0; i < args.length; i++) this.args.push(args[i]!);
    this.ends.push(this.args.length);
    this.settles.push(settle);
    return new Promise<T>((resolve, reject) => {
      this.resolvers.push(resolve as (value: unknown) => void);
      this.rejecters.push(reject);
      this.schedule();
    });
  }

  /**
   * The last call in flight was answered: its writers (progress loops) mostly write again as soon as
   * their writes resolve, a few promise jobs after the answer is handled. The observer is told of
   * that next call now, so it does not see a moment with no call in flight between the two: a
   * writing node's reader would take that moment to send a read of the stream, ahead of the call
   * (one more socket write on the way to Redis) and woken by its own entries (6 % of calls at
   * saturation). If no write comes this turn, the call told of is answered as one that wrote nothing.
   */
  private expectNext(): void {
    this.announced = true;
    this.observer.sent();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.ends.length === 0) {
      if (this.announced) {
        this.announced = false;
        this.observer.answered({ first: 0, last: 0 });
      }
      return;
    }
    const { args, ends, settles, resolvers, rejecters } = this;
    this.args = [];
    this.ends = [];
    this.settles = [];
    this.resolvers = [];
    this.rejecters = [];
    // Bounded calls, so one busy turn never holds Redis (single-threaded) for long, and replies overlap.
    for (let i = 0; i < ends.length; i += MAX_ITEMS) {
      const last = Math.min(i + MAX_ITEMS, ends.length);
      this.sendBatch(args, i === 0 ? 0 : ends[i - 1]!, ends[last - 1]!, settles.slice(i, last), resolvers.slice(i, last), rejecters.slice(i, last));
    }
  }

  private sendBatch(
    args: ReadonlyArray<string | number>, start: number, end: number, settles: Array<(seq: number | null) => unknown>,
    resolvers: Array<(value: unknown) => void>, rejecters: Array<(error: unknown) => void>,
  ): void {
    if (this.announced) this.announced = false;
    else this.observer.sent();
    this.inFlight++;
    this.send(args, start, end).then(
      (seqs) => {
        if (--this.inFlight === 0) this.expectNext();
        const first = Number(seqs[resolvers.length] ?? 0);
        let last = first;
        for (let i = 0; i < resolvers.length; i++) {
          const seq = seqs[i] ? Number(seqs[i]) : null;
          if (seq !== null && seq > last) last = seq;
          settleOne(settles[i]!, seq, resolvers[i]!, rejecters[i]!);
        }
        // After the writes' settling (their events recorded) and their callers' continuations.
        queueMicrotask(() => this.observer.answered({ first, last }));
      },
      (error: unknown) => {
        this.inFlight--;
        this.observer.answered(null);
        const mapped = toStoreError(error);
        for (const reject of rejecters) reject(mapped);
      },
    );
  }
}

function settleOne(settle: (seq: number | null) => unknown, seq: number | null, resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  try {
    resolve(settle(seq));
  } catch (error) {
    reject(error);
  }
}
