// Filters: what each one keeps, and their round trip through the address bar's query string.
import { describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/client';
import { filtersFrom, matches, NO_FILTERS } from '../src/filters.js';

const activity = (patch: Partial<Activity>): Activity => ({
  id: 'a1', type: 'media.transcode', title: 'Transcoding Alien (1979)', subtitle: '1080p → 720p', state: 'running', progress: 10,
  cancellable: true, owner: 7, groups: ['root'], context: { mediaContainerId: 42 }, result: null, error: null, parentId: null,
  createdAt: 1, updatedAt: 2, endedAt: null, leaseExpiresAt: null, leaseMs: null, heartbeatMs: null, seq: 1, ...patch,
});

describe('filters', () => {
  it('read from a query string, with anything missing meaning no filter', () => {
    expect(filtersFrom('')).toEqual(NO_FILTERS);
    expect(filtersFrom('?state=ended&type=media.*&owner=7&q=alien&id=x')).toEqual({ state: 'ended', type: 'media.*', owner: '7', q: 'alien' });
  });

  it.each([
    [{ state: 'active' }, activity({}), true],
    [{ state: 'active' }, activity({ state: 'failed' }), false],
    [{ state: 'ended' }, activity({ state: 'cancelled' }), true],
    [{ state: 'ended' }, activity({}), false],
    [{ state: 'failed' }, activity({ state: 'failed' }), true],
    [{ state: 'failed' }, activity({ state: 'expired' }), false],
    [{ type: 'media.*' }, activity({}), true],
    [{ type: 'media.*' }, activity({ type: 'upload' }), false],
    [{ type: 'media' }, activity({}), false],
    [{ owner: '7' }, activity({}), true],
    [{ owner: '8' }, activity({}), false],
    [{ owner: 'system' }, activity({ owner: null }), true],
    [{ owner: 'system' }, activity({}), false],
  ])('%o keeps %# as %s', (filter, a, kept) => {
    expect(matches(a, { ...NO_FILTERS, ...filter }, '')).toBe(kept);
  });

  it('free text looks at title, subtitle, type, id and context values, case-insensitively (given lower-cased)', () => {
    for (const text of ['alien', '720p', 'transcode', 'a1', '42']) expect(matches(activity({}), NO_FILTERS, text)).toBe(true);
    expect(matches(activity({}), NO_FILTERS, 'heat')).toBe(false);
  });
});
