import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { isActivityEvent, type ActivityEvent, type ChangeModelEvent, type HubEvent } from '@activityd/protocol';
import { PendingQueue } from '../../src/index.js';

// PendingQueue on its own: conflation of superseded updates, nothing else ever dropped, seq order
// kept, and the same answers after the internal array is compacted.

type Kind = 'activity.started' | 'activity.updated' | 'activity.ended';
const act = (seq: number, type: Kind, id: string): ActivityEvent =>
  ({ seq, type, at: seq, activity: { id, seq, state: type === 'activity.ended' ? 'completed' : 'running' } as never });
const change = (seq: number, id: string): ChangeModelEvent =>
  ({ seq, type: 'change.model', at: seq, change: { model: 'm', id, action: 'update', at: seq, owner: null, groups: [] } });
const drain = (q: PendingQueue): HubEvent[] => {
  const out: HubEvent[] = [];
  for (let e = q.shift(); e; e = q.shift()) out.push(e);
  return out;
};
const seqs = (events: HubEvent[]) => events.map((e) => e.seq);

describe('PendingQueue', () => {
  it('drops an update a later event of the same activity supersedes, and nothing else', () => {
    const q = new PendingQueue();
    const input = [
      act(1, 'activity.started', 'a'), act(2, 'activity.updated', 'a'), act(3, 'activity.updated', 'a'),
      act(4, 'activity.updated', 'b'), change(5, 'a'), act(6, 'activity.updated', 'a'), act(7, 'activity.ended', 'b'),
      change(8, 'a'),
    ];
    for (const e of input) q.push(e);
    expect(q.size).toBe(5);
    expect(q.peek()?.seq).toBe(1);
    // Updates 2 and 3 lose to 6; update 4 loses to b's end. The started, the end and feed events stay.
    expect(seqs(drain(q))).toEqual([1, 5, 6, 7, 8]);
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('never drops started or ended, and keeps an update already sent out of the bookkeeping', () => {
    const q = new PendingQueue();
    q.push(act(1, 'activity.updated', 'a'));
    expect(q.shift()?.seq).toBe(1);
    q.push(act(2, 'activity.updated', 'a'));
    q.push(act(3, 'activity.started', 'c'));
    q.push(act(4, 'activity.ended', 'a'));
    q.push(act(5, 'activity.ended', 'c'));
    expect(seqs(drain(q))).toEqual([3, 4, 5]);
  });

  it('stays correct across compaction (thousands of shifts with updates still pending)', () => {
    const q = new PendingQueue();
    let seq = 0;
    // 3,000 distinct activities started, each with one update behind it; shift most of them.
    for (let i = 0; i < 3_000; i++) q.push(act(++seq, 'activity.started', `s${i}`));
    for (let i = 0; i < 100; i++) q.push(act(++seq, 'activity.updated', `u${i}`));
    const shifted = [];
    for (let i = 0; i < 2_900; i++) shifted.push(q.shift()!.seq);
    expect(shifted).toEqual(Array.from({ length: 2_900 }, (_, i) => i + 1));
    // After compaction the pending updates must still be found and superseded.
    for (let i = 0; i < 100; i += 2) q.push(act(++seq, 'activity.updated', `u${i}`));
    const rest = drain(q);
    expect(rest.filter((e) => e.type === 'activity.started')).toHaveLength(100);
    const updates = rest.filter((e) => e.type === 'activity.updated') as ActivityEvent[];
    expect(updates).toHaveLength(100);
    for (const u of updates) {
      const i = Number(u.activity.id.slice(1));
      expect(u.seq, u.activity.id).toBe(i % 2 === 0 ? 3_100 + i / 2 + 1 : 3_000 + i + 1);
    }
    expect(seqs(rest)).toEqual([...seqs(rest)].sort((a, b) => a - b));
  });

  it('property: output in order, a subsequence of the input, every non-update kept, each activity ending on its last event', () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ push: fc.constant(true as const), id: fc.integer({ min: 0, max: 40 }), kind: fc.constantFrom<Kind | 'change'>('activity.started', 'activity.updated', 'activity.updated', 'activity.updated', 'activity.ended', 'change') }) },
      { weight: 1, arbitrary: fc.record({ push: fc.constant(false as const), n: fc.integer({ min: 1, max: 3 }) }) },
    );
    // Pushes outpace shifts, so the queue rarely empties and its array is compacted in many runs.
    const compactions = vi.spyOn(PendingQueue.prototype as unknown as { compact(): void }, 'compact');
    fc.assert(fc.property(fc.array(op, { minLength: 0, maxLength: 4_000, size: 'max' }), (ops) => {
      const q = new PendingQueue();
      const input: HubEvent[] = [];
      const output: HubEvent[] = [];
      // An exact model, kept naive: a list with tombstones; an activity event drops its activity's pending update.
      const model: HubEvent[] = [];
      const dropped = new Set<HubEvent>();
      const pendingUpdate = new Map<string, HubEvent>();
      let head = 0;
      let seq = 0;
      for (const o of ops) {
        if (o.push) {
          const e = o.kind === 'change' ? change(++seq, `a${o.id}`) : act(++seq, o.kind, `a${o.id}`);
          input.push(e);
          q.push(e);
          if (e.type !== 'change.model') {
            const superseded = pendingUpdate.get(e.activity.id);
            if (superseded) dropped.add(superseded);
            if (e.type === 'activity.updated') pendingUpdate.set(e.activity.id, e);
            else pendingUpdate.delete(e.activity.id);
          }
          model.push(e);
        } else {
          for (let i = 0; i < o.n; i++) {
            while (head < model.length && dropped.has(model[head]!)) head++;
            const expected = head < model.length ? model[head++] : undefined;
            if (expected?.type === 'activity.updated' && pendingUpdate.get(expected.activity.id) === expected) pendingUpdate.delete(expected.activity.id);
            const e = q.shift();
            if (e !== expected) expect(e?.seq).toBe(expected?.seq);
            if (e) output.push(e);
          }
        }
      }
      output.push(...drain(q));
      expect(q.size).toBe(0);
      // In order, and a subsequence of the input (each output event is an input event, seqs increasing).
      expect(output.every((e, i) => i === 0 || e.seq > output[i - 1]!.seq)).toBe(true);
      expect(output.every((e) => input[e.seq - 1] === e)).toBe(true);
      // Every non-update survives.
      expect(seqs(output.filter((e) => e.type !== 'activity.updated'))).toEqual(seqs(input.filter((e) => e.type !== 'activity.updated')));
      // Each activity's last input event is delivered.
      const last = new Map<string, HubEvent>();
      for (const e of input) if (isActivityEvent(e)) last.set(e.activity.id, e);
      const delivered = new Set(output);
      for (const e of last.values()) expect(delivered.has(e), `seq ${e.seq}`).toBe(true);
    }), { numRuns: 100, interruptAfterTimeLimit: 10_000 }); // bounded shrinking of long op lists
    expect(compactions.mock.calls.length).toBeGreaterThan(10);
    compactions.mockRestore();
  });
});
