import type { ActivitydError} from '@activityd/protocol/errors';
import { EndedError, NotCancellableError, ValidationError } from '@activityd/protocol/errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyCancel, applyEnd, applyPatch, checkProgress, newActivity, normaliseResult, toPublic, type StoredActivity,
} from '../src/index.js';

type Op =
  | { kind: 'patch'; progress?: number | null; subtitle?: string | null; title?: string }
  | { kind: 'end'; state: 'completed'; result: unknown }
  | { kind: 'end'; state: 'failed' | 'cancelled' | 'expired' }
  | { kind: 'cancel' };

const validProgress = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(null));
const invalidProgress = fc.constantFrom(-1, 101, -0.0001, 100.0001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
const anyResult = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), fc.string(), fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('patch' as const), progress: fc.oneof(validProgress, invalidProgress) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('patch' as const), subtitle: fc.option(fc.string({ maxLength: 8 })), title: fc.string({ maxLength: 8 }) }, { requiredKeys: ['kind'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const), state: fc.constant('completed' as const), result: anyResult }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const), state: fc.constantFrom('failed' as const, 'cancelled' as const, 'expired' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const) }) },
);

function apply(a: StoredActivity, o: Op, now: number): StoredActivity {
  switch (o.kind) {
    case 'patch': {
      const { kind: _kind, ...patch } = o;
      return applyPatch(a, patch, now);
    }
    case 'cancel':
      return applyCancel(a, now);
    case 'end':
      return o.state === 'completed'
        ? applyEnd(a, { state: 'completed', result: o.result }, now)
        : applyEnd(a, { state: o.state, error: { code: o.state, message: `it ${o.state}` } }, now);
  }
}

/** What the op must do, from the state alone: the error class it throws, or `null` for success. */
function expectedError(a: StoredActivity, o: Op): (new (...args: never[]) => ActivitydError) | null {
  if (a.state !== 'running') return EndedError;
  if (o.kind === 'cancel' && !a.cancellable) return NotCancellableError;
  if (o.kind === 'patch' && 'progress' in o) {
    const p = o.progress;
    if (p !== null && p !== undefined && !(Number.isFinite(p) && p >= 0 && p <= 100)) return ValidationError;
  }
  return null;
}

function checkInvariants(a: StoredActivity): void {
  expect(a.progress === null || (Number.isFinite(a.progress) && a.progress >= 0 && a.progress <= 100)).toBe(true);
  if (a.state === 'completed') {
    expect(a.progress).toBe(100);
    expect(a.result !== null && typeof a.result === 'object' && !Array.isArray(a.result)).toBe(true);
    expect(a.error).toBeNull();
  }
  if (a.state === 'running') {
    expect(a.endedAt).toBeNull();
    expect(a.leaseExpiresAt).toBe(a.leaseMs === null ? null : a.updatedAt + a.leaseMs);
  } else {
    expect(a.endedAt).not.toBeNull();
    expect(a.leaseExpiresAt).toBeNull();
    if (a.state !== 'completed') expect(a.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  }
}

describe('the activity state machine', () => {
  it('never leaves a terminal state, keeps progress in range, and changes nothing when an op throws', () => {
    fc.assert(fc.property(
      fc.boolean(), fc.boolean(), fc.array(op, { maxLength: 25 }),
      (cancellable, remote, ops) => {
        let a = newActivity({ type: 'upload', cancellable }, 1_000, remote ? { leaseMs: 900, heartbeatMs: 300 } : null, remote ? null : 'node');
        checkInvariants(a);
        let endedAs: StoredActivity | null = null;
        ops.forEach((o, i) => {
          const now = 1_000 + (i + 1) * 10;
          const before = structuredClone(a);
          const expected = expectedError(a, o);
          let thrown: unknown = null;
          let next: StoredActivity | undefined;
          try {
            next = apply(a, o, now);
          } catch (error) {
            thrown = error;
          }
          expect(a).toEqual(before);
          if (expected) {
            expect(thrown).toBeInstanceOf(expected);
            if (thrown instanceof EndedError) expect(thrown.details).toMatchObject({ id: a.id, state: a.state });
            return;
          }
          expect(thrown).toBeNull();
          a = next!;
          expect(a.updatedAt).toBe(now);
          checkInvariants(a);
          if (a.state !== 'running') endedAs ??= structuredClone(a);
        });
        if (endedAs) expect(a).toEqual(endedAs);
      },
    ), { numRuns: 500 });
  });

  it('renews a remote lease on every accepted patch', () => {
    const a = newActivity({ type: 'upload' }, 1_000, { leaseMs: 900, heartbeatMs: 300 }, null);
    expect(a.leaseExpiresAt).toBe(1_900);
    expect(applyPatch(a, {}, 1_500).leaseExpiresAt).toBe(2_400);
    expect(applyPatch(a, { progress: 50 }, 1_700)).toMatchObject({ progress: 50, leaseExpiresAt: 2_600 });
  });

  it('merges context and keeps fields a patch leaves out', () => {
    const a = newActivity({ type: 'upload', subtitle: 's', context: { a: 1, b: 'x' }, progress: 10 }, 0, null, null);
    const b = applyPatch(a, { context: { b: 'y', c: true } }, 5);
    expect(b).toMatchObject({ subtitle: 's', progress: 10, context: { a: 1, b: 'y', c: true } });
    expect(applyPatch(b, { progress: null, subtitle: null }, 6)).toMatchObject({ subtitle: null, progress: null });
  });

  it('cancel ends as cancelled with its reason as the error message', () => {
    const a = applyCancel(newActivity({ type: 'upload' }, 0, null, null), 5, 'user asked');
    expect(a).toMatchObject({ state: 'cancelled', error: { code: 'cancelled', message: 'user asked' }, endedAt: 5, result: null });
  });
});

describe('activity helpers', () => {
  it('normaliseResult stores a non-object as { value } and none as {}', () => {
    expect(normaliseResult(undefined)).toEqual({});
    expect(normaliseResult(null)).toEqual({});
    expect(normaliseResult(42)).toEqual({ value: 42 });
    expect(normaliseResult('done')).toEqual({ value: 'done' });
    expect(normaliseResult(false)).toEqual({ value: false });
    expect(normaliseResult([1, 2])).toEqual({ value: [1, 2] });
    const object = { bytes: 12 };
    expect(normaliseResult(object)).toEqual({ bytes: 12 });
  });

  it('newActivity defaults the title to the type, and the rest to a running, cancellable activity', () => {
    const a = newActivity({ type: 'media.transcode' }, 7, null, 'node-1');
    expect(a).toMatchObject({
      type: 'media.transcode', title: 'media.transcode', subtitle: null, state: 'running', progress: null,
      cancellable: true, owner: null, groups: [], context: {}, parentId: null, createdAt: 7, updatedAt: 7,
      endedAt: null, leaseMs: null, heartbeatMs: null, leaseExpiresAt: null, runner: 'node-1',
    });
    expect(newActivity({ type: 'upload', title: 'photo.jpg' }, 0, null, null).title).toBe('photo.jpg');
    expect(newActivity({ type: 'upload' }, 0, null, null).id).not.toBe(newActivity({ type: 'upload' }, 0, null, null).id);
  });

  it('newActivity refuses a starting progress out of range', () => {
    expect(() => newActivity({ type: 'upload', progress: 101 }, 0, null, null)).toThrow(ValidationError);
    expect(newActivity({ type: 'upload', progress: 0 }, 0, null, null).progress).toBe(0);
  });

  it('checkProgress takes only finite numbers in 0..100 or null, never a numeric string', () => {
    for (const ok of [0, 0.5, 100, null]) expect(() => checkProgress(ok)).not.toThrow();
    for (const bad of ['50', -1, 101, Number.NaN, Infinity, undefined, {}]) expect(() => checkProgress(bad)).toThrow(ValidationError);
  });

  it('toPublic drops the runner and nothing else', () => {
    const a = newActivity({ type: 'upload' }, 0, null, 'node-1');
    const { runner: _runner, ...rest } = a;
    expect(toPublic(a)).toEqual(rest);
    expect(toPublic(a)).not.toHaveProperty('runner');
  });
});
