import { describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol/types';
import { applyPatch, newActivity, toPublic, type StoredActivity } from '@activityd/core';
import fc from 'fast-check';
import { liveText, onlyLiveChanged, progressText } from '../src/activity-codec.js';

// The live fields' JSON is what the hash and every node's rebuilt event carry: it must be exactly
// what JSON.stringify of the four fields gives, whatever the remembered digits of the last call.
const live = (progress: unknown, subtitle: unknown, updatedAt: unknown, leaseExpiresAt: unknown) =>
  ({ progress, subtitle, updatedAt, leaseExpiresAt }) as unknown as Activity;
const reference = (a: Activity) =>
  JSON.stringify({ progress: a.progress, subtitle: a.subtitle, updatedAt: a.updatedAt, leaseExpiresAt: a.leaseExpiresAt });

describe('liveText', () => {
  it('is the JSON of the four live fields, call after call', () => {
    const cases = [
      live(12.34, null, 1_764_000_000_123, 1_764_000_030_123),
      live(12.35, null, 1_764_000_000_123, 1_764_000_030_123), // same times, remembered
      live(0, 'copying "a"\n\u00e9\u{1F600}', 1_764_000_000_124, null),
      live(null, 'x', 1_764_000_000_124, 1_764_000_030_124),
      live(100, null, 5, 0),
      live(1e-7, null, 1_764_000_000_125.5, 1_764_000_030_125.5),
      live(50, null, 1_764_000_000_125.5, null),
      live(50, undefined, 1_764_000_000_126, 1_764_000_030_126), // a field left out, as JSON.stringify does
    ];
    for (const a of cases) {
      expect(liveText(a)).toBe(reference(a));
      JSON.parse(liveText(a));
    }
  });
});

describe('progressText', () => {
  it('is JSON.stringify of any progress: hundredths, other fractions, -0, null, out of range', () => {
    for (const p of [null, 0, -0, 0.01, 0.07, 0.1, 0.29, 1.005, 12.3, 12.34, 12.345, 33.33, 99.99, 99.995, 100, 1e-7, 5e-324, 1e9 - 0.01, 1e9, 1e21, -1.5]) {
      expect(progressText(p)).toBe(JSON.stringify(p));
    }
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (c) => {
      expect(progressText(c / 100)).toBe(JSON.stringify(c / 100));
      expect(progressText(c / 10)).toBe(JSON.stringify(c / 10));
    }));
    fc.assert(fc.property(fc.double({ min: 0, max: 1e10, noNaN: true }), (p) => {
      expect(progressText(p)).toBe(JSON.stringify(p));
    }));
  });
});

describe('onlyLiveChanged', () => {
  const made = () => {
    const a = newActivity({ type: 'copy', title: 'one', progress: 0, groups: ['g'], owner: 7 }, 1_000, { leaseMs: 30_000, heartbeatMs: 10_000 }, null);
    a.seq = 5;
    return a;
  };
  const LIVE = ['progress', 'subtitle', 'updatedAt', 'leaseExpiresAt', 'seq'];

  it('holds for a progress report, not for any other field of a hub-made activity', () => {
    const a = made();
    expect(onlyLiveChanged(toPublic(a), null, applyPatch(a, { progress: 50, subtitle: 'half' }, 2_000))).toBe(true);
    expect(onlyLiveChanged(toPublic(a), null, applyPatch(a, { title: 'two' }, 2_000))).toBe(false);
    expect(onlyLiveChanged(toPublic(a), null, applyPatch(a, { context: { k: 1 } }, 2_000))).toBe(false);
    // Every field in turn, given another value (or an equal copy: compared by identity).
    for (const key of Object.keys(a) as Array<keyof StoredActivity>) {
      const value = a[key];
      const other = Array.isArray(value) ? [...value] : typeof value === 'object' && value !== null ? { ...value } : typeof value === 'number' ? value + 1 : `${String(value)}!`;
      const next = { ...a, [key]: other } as StoredActivity;
      expect([key, onlyLiveChanged(toPublic(a), null, next)]).toEqual([key, LIVE.includes(key)]);
    }
  });

  it('fails for an ended activity, or one run by another runner', () => {
    const a = made();
    expect(onlyLiveChanged(toPublic(a), 'node-a', { ...a })).toBe(false);
    expect(onlyLiveChanged(toPublic(a), null, { ...a, state: 'completed' })).toBe(false);
    expect(onlyLiveChanged({ ...toPublic(a), state: 'failed' }, null, { ...a })).toBe(false);
  });
});
