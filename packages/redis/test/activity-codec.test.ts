import { describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol/types';
import { leaseArg, liveText } from '../src/activity-codec.js';

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

  it('gives the lease as digits for the script, empty when there is none', () => {
    expect(leaseArg(live(1, null, 1, 1_764_000_030_127))).toBe('1764000030127');
    expect(leaseArg(live(1, null, 1, 1_764_000_030_127))).toBe('1764000030127');
    expect(leaseArg(live(1, null, 1, null))).toBe('');
    expect(leaseArg(live(1, null, 1, 7))).toBe('7');
  });
});
