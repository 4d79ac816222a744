// The list's order kept up to date by moving only what moved: always the order a full sort gives,
// whatever arrives, ends, leaves or is reset in between, ties included.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import type { Activity } from '@activityd/client';
import { DisplayOrder } from '../src/display-order.js';
import { matches, NO_FILTERS, type Filters } from '../src/filters.js';
import { LiveActivities } from '../src/live-activities.js';

beforeEach(() => vi.stubGlobal('requestAnimationFrame', () => 0));
afterEach(() => vi.unstubAllGlobals());

let seq = 0;
const activity = (id: string, patch: Partial<Activity>): Activity => ({
  id, type: 'upload', title: id, subtitle: null, state: 'running', progress: 0, cancellable: true, owner: null,
  groups: [], context: {}, result: null, error: null, parentId: null, createdAt: 0, updatedAt: 0, endedAt: null,
  leaseExpiresAt: null, leaseMs: null, heartbeatMs: null, seq: ++seq, ...patch,
});

/** One thing the page may learn; times come from a small range so that ties are common. */
const step = fc.oneof(
  fc.record({ op: fc.constant('start' as const), id: fc.nat(8), at: fc.nat(5), type: fc.constantFrom('upload', 'scan') }),
  fc.record({ op: fc.constant('end' as const), id: fc.nat(8), at: fc.nat(5), state: fc.constantFrom('completed' as const, 'failed' as const) }),
  fc.record({ op: fc.constant('progress' as const), id: fc.nat(8), progress: fc.nat(100) }),
  fc.record({ op: fc.constant('drop' as const), id: fc.nat(8) }),
  fc.record({ op: fc.constant('reset' as const), keep: fc.nat(3) }),
  fc.record({ op: fc.constant('frame' as const) }),
);

function apply(live: LiveActivities, s: Step): void {
  const known = live.byId.get(`a${'id' in s ? s.id : ''}`)?.activity;
  if (s.op === 'start' && !known) live.applyEvent({ seq: ++seq, type: 'activity.started', at: s.at, activity: activity(`a${s.id}`, { createdAt: s.at, type: s.type }) });
  if (s.op === 'end' && known?.state === 'running') {
    live.applyEvent({ seq: ++seq, type: 'activity.ended', at: s.at, activity: { ...known, state: s.state, endedAt: known.createdAt + s.at, seq: ++seq } });
  }
  if (s.op === 'progress' && known?.state === 'running') {
    live.applyEvent({ seq: ++seq, type: 'activity.updated', at: 0, activity: { ...known, progress: s.progress, seq: ++seq } });
  }
  if (s.op === 'drop' && known) live.applyListed([], [known.id]);
  if (s.op === 'reset') {
    const kept = [...live.byId.values()].filter((t) => t.arrival % 4 !== s.keep).map((t) => t.activity);
    live.applyReset({ type: 'reset', seq: ++seq, activities: kept });
  }
}
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

describe('DisplayOrder', () => {
  it('moving only what moved gives the order of a full sort, after any sequence of changes and with any filter', () => {
    const filters = fc.constantFrom<Filters>(NO_FILTERS, { ...NO_FILTERS, state: 'active' }, { ...NO_FILTERS, state: 'ended' }, { ...NO_FILTERS, type: 'scan' });
    fc.assert(fc.property(fc.array(step, { minLength: 10, maxLength: 150 }), filters, (steps, filter) => {
      const live = new LiveActivities();
      const order = new DisplayOrder();
      const keep = (a: Activity) => matches(a, filter, '');
      order.rebuild(live.byId.values(), keep);
      live.takeMoved();
      for (const s of [...steps, { op: 'frame' as const }]) {
        apply(live, s);
        if (s.op !== 'frame') continue;
        const moved = live.takeMoved();
        const shown = moved === null ? order.rebuild(live.byId.values(), keep) : order.update(live.byId, moved, keep);
        expect(shown).toEqual(new DisplayOrder().rebuild(live.byId.values(), keep));
      }
    }), { numRuns: 300 });
  });

  it('puts running first, newest first, then ended, latest first; ties in the order they arrived', () => {
    const live = new LiveActivities();
    live.applyListed([
      activity('old', { createdAt: 1 }), activity('new', { createdAt: 3 }), activity('tie', { createdAt: 3 }),
      activity('done-early', { state: 'completed', createdAt: 0, endedAt: 2 }), activity('done-late', { state: 'failed', createdAt: 0, endedAt: 4 }),
    ]);
    expect(new DisplayOrder().rebuild(live.byId.values(), () => true)).toEqual(['new', 'tie', 'old', 'done-late', 'done-early']);
  });

  it('returns the same list when nothing shown moved, so the list does not render for it', () => {
    const live = new LiveActivities();
    live.applyListed([activity('a', { createdAt: 1 }), activity('b', { createdAt: 2, type: 'scan' })]);
    const order = new DisplayOrder();
    const uploads = (a: Activity) => a.type === 'upload';
    const before = order.rebuild(live.byId.values(), uploads);
    live.takeMoved();
    live.applyEvent({ seq: ++seq, type: 'activity.started', at: 3, activity: activity('c', { createdAt: 3, type: 'scan' }) });
    expect(order.update(live.byId, live.takeMoved()!, uploads)).toBe(before);
  });
});
