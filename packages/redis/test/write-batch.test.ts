import { describe, expect, it } from 'vitest';
import { WriteBatch, type CallObserver } from '../src/write-batch.js';

// The batch tells its observer (a node's event reader) of every call; the reader reads the stream
// only while it counts none in flight, so that count must not drop to zero between a call's answer
// and the calls its writers make at once.

/** Counts calls as the event reader does, and records each moment it saw none in flight. */
function countingObserver() {
  const seen = { inFlight: 0, idle: 0, answered: [] as Array<{ first: number; last: number } | null> };
  const observer: CallObserver = {
    sent() { seen.inFlight++; },
    answered(range) {
      seen.answered.push(range);
      if (--seen.inFlight === 0) seen.idle++;
    },
  };
  return { seen, observer };
}

/** A script call answered when `answer` is called: consecutive seqs for its items (one value each). */
function heldCalls() {
  let seq = 0;
  const held: Array<() => void> = [];
  const send = (args: ReadonlyArray<string | number>, start: number, end: number) => new Promise<number[]>((resolve) => {
    held.push(() => {
      const first = seq;
      const seqs = [];
      for (let i = start; i < end; i++) seqs.push(++seq);
      resolve([...seqs, first]);
    });
  });
  return { send, held };
}

const asIs = (seq: number | null) => seq;

/** A few event-loop turns: the answers' promise jobs, then the batch's flush on `setImmediate`. */
const turns = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('WriteBatch', () => {
  it('counts the calls writers make on an answer before the answer, also when every call was answered at once', async () => {
    const { seen, observer } = countingObserver();
    const { send, held } = heldCalls();
    const batch = new WriteBatch(send, observer);
    let stop = false;
    const written: number[] = [];
    // 32 writers, each writing again as soon as its write resolved (a progress loop, some awaits deep).
    const writer = async () => {
      while (!stop) {
        const seq = await batch.enqueue(['x'], asIs);
        written.push(seq!);
        await Promise.resolve();
      }
    };
    const writers = Array.from({ length: 32 }, writer);
    await turns();
    expect(held).toHaveLength(2); // 16 writes a call
    for (let round = 0; round < 5; round++) {
      // Both calls answered in one turn: no call in flight, until the writers' next ones go out.
      for (const answer of held.splice(0)) answer();
      await turns();
      expect(held).toHaveLength(2);
    }
    expect(seen.idle).toBe(0);
    stop = true;
    for (const answer of held.splice(0)) answer();
    await Promise.all(writers);
    await turns();
    // The call told of ahead of writes that never came is answered as one that wrote nothing.
    expect(seen.inFlight).toBe(0);
    expect(seen.answered.at(-1)).toEqual({ first: 0, last: 0 });
    expect(written).toHaveLength(32 * 6);
    expect(new Set(written).size).toBe(written.length);
  });

  it('counts a call once, whether it was told of ahead of its writes or when it was made', async () => {
    const { seen, observer } = countingObserver();
    const { send, held } = heldCalls();
    const batch = new WriteBatch(send, observer);
    const first = batch.enqueue(['a'], asIs);
    await turns();
    expect(seen.inFlight).toBe(1);
    held.shift()!();
    // Written on the answer: the call it goes in was counted already.
    const second = first.then(() => batch.enqueue(['b'], asIs));
    await turns();
    expect(seen.inFlight).toBe(1);
    expect(held).toHaveLength(1);
    held.shift()!();
    expect(await second).toBe(2);
    await turns();
    expect(seen.inFlight).toBe(0);
    expect(seen.idle).toBe(1); // only once no write came on the last answer
  });

  it('settles each write as the answer is read, before the call is answered; a settle that throws rejects its write only', async () => {
    const order: string[] = [];
    const observer: CallObserver = { sent() {}, answered(range) { order.push(`answered ${range?.first}-${range?.last}`); } };
    const { send, held } = heldCalls();
    const batch = new WriteBatch(send, observer);
    const writes = [
      batch.enqueue(['a'], (seq) => { order.push(`settled ${seq}`); return `event ${seq}`; }),
      batch.enqueue(['b'], () => { throw new Error('no event'); }),
      batch.enqueue(['c'], (seq) => { order.push(`settled ${seq}`); return `event ${seq}`; }),
    ];
    for (const write of writes) void write.then((value) => order.push(`resolved ${String(value)}`), () => {});
    await turns();
    held.shift()!();
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('no event'));
    expect(order.slice(0, 4)).toEqual(['settled 1', 'settled 3', 'resolved event 1', 'resolved event 3']);
    expect(order[4]).toBe('answered 0-3');
  });
});
