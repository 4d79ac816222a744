// The page's model of the activities: newest news wins by `seq`, an ended activity is never shown
// running again, resets replace everything, and however many events arrive, one redraw per frame.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Activity, ActivityEvent } from '@activityd/client';
import { LiveActivities } from '../src/live-activities.js';

let frames: Array<() => void> = [];
beforeEach(() => {
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => frames.push(callback));
});
afterEach(() => vi.unstubAllGlobals());
const nextFrame = () => frames.splice(0).forEach((callback) => callback());

let seq = 0;
const activity = (patch: Partial<Activity> = {}): Activity => ({
  id: 'a1', type: 'upload', title: 'holiday.mov', subtitle: null, state: 'running', progress: 0, cancellable: true, owner: null,
  groups: [], context: {}, result: null, error: null, parentId: null, createdAt: 1_000, updatedAt: 1_000, endedAt: null,
  leaseExpiresAt: null, leaseMs: null, heartbeatMs: null, seq: ++seq, ...patch,
});
const event = (a: Activity, type: ActivityEvent['type'] = 'activity.updated'): ActivityEvent => ({ seq: a.seq, type, at: a.updatedAt, activity: a });

describe('LiveActivities', () => {
  it('draws once per frame however many events arrive, and re-sorts only when the shape changes', () => {
    const live = new LiveActivities();
    live.applyEvent(event(activity({ progress: 1 }), 'activity.started'));
    for (let p = 2; p <= 500; p++) live.applyEvent(event(activity({ progress: p % 100, updatedAt: 1_000 + p })));
    expect([live.version.value, live.shape.value]).toEqual([0, 0]);
    expect(frames).toHaveLength(1);
    nextFrame();
    expect([live.version.value, live.shape.value]).toEqual([1, 1]);
    live.applyEvent(event(activity({ progress: 50, updatedAt: 2_000 })));
    nextFrame();
    expect([live.version.value, live.shape.value]).toEqual([2, 1]);
    live.applyEvent(event(activity({ state: 'completed', progress: 100, endedAt: 3_000 }), 'activity.ended'));
    nextFrame();
    expect([live.version.value, live.shape.value]).toEqual([3, 2]);
  });

  it('ignores news older than what it shows, so a late event never moves a bar back', () => {
    const live = new LiveActivities();
    const newer = activity({ progress: 60 });
    const older = { ...activity({ progress: 30 }), seq: newer.seq - 1 };
    live.applyEvent(event(newer));
    live.applyEvent(event(older));
    expect(live.byId.get('a1')!.activity.progress).toBe(60);
  });

  it('takes a listed ended activity over a running one whatever its seq (a restarted server counts anew)', () => {
    const live = new LiveActivities();
    live.applyEvent(event(activity({ seq: 900 })));
    live.applyListed([activity({ seq: 3, state: 'failed', error: { code: 'interrupted', message: 'restarted' } })]);
    expect(live.byId.get('a1')!.activity.state).toBe('failed');
    live.applyEvent(event(activity({ id: 'gone', seq: 901 })));
    live.applyListed([], ['gone']);
    expect(live.byId.has('gone')).toBe(false);
    expect(live.runningIds()).toEqual([]);
  });

  it('a reset replaces everything with its snapshot', () => {
    const live = new LiveActivities();
    live.applyEvent(event(activity({ id: 'old' })));
    live.applyReset({ type: 'reset', seq: 10, activities: [activity({ id: 'new' })] });
    expect([...live.byId.keys()]).toEqual(['new']);
  });

  it('takes a large reset a slice per task, in order, and events meanwhile are never undone by it', () => {
    vi.useFakeTimers();
    try {
      const live = new LiveActivities();
      const snapshot = Array.from({ length: 1_200 }, (_, i) => activity({ id: `s${i}` }));
      live.applyReset({ type: 'reset', seq: 10, activities: snapshot });
      expect(live.byId.size).toBe(0); // not in the task that parsed the reply
      live.applyEvent(event(activity({ id: 's1100', state: 'succeeded', endedAt: 2_000 }), 'activity.succeeded'));
      vi.advanceTimersByTime(0);
      expect(live.byId.size).toBe(501);
      live.applyListed([activity({ id: 'listed' })], ['s0']); // waits behind the reset's slices
      expect(live.byId.has('listed')).toBe(false);
      vi.runAllTimers();
      expect(live.byId.size).toBe(1_200);
      expect(live.byId.get('s1100')!.activity.state).toBe('succeeded');
      expect(live.byId.has('s0')).toBe(false);
      expect(frames.length).toBeLessThanOrEqual(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the types and owners of what it holds, moving kindsVersion only in a frame where one appeared or vanished', () => {
    const live = new LiveActivities();
    live.applyEvent(event(activity({ id: 'u1', type: 'upload', owner: 1 }), 'activity.started'));
    live.applyEvent(event(activity({ id: 'u2', type: 'upload', owner: 1 }), 'activity.started'));
    nextFrame();
    expect(live.kindsVersion.value).toBe(1);
    live.applyEvent(event(activity({ id: 'u3', type: 'upload', owner: 1 }), 'activity.started'));
    nextFrame();
    expect(live.kindsVersion.value).toBe(1);
    live.applyReset({ type: 'reset', seq: 10, activities: [activity({ id: 't1', type: 'media.transcode', owner: null })] });
    live.applyListed([activity({ id: 'l1', type: 'library.scan', owner: 2 })], ['t1']);
    nextFrame();
    expect(live.kindsVersion.value).toBe(2);
    expect([live.kinds.typeList(), live.kinds.ownerList()]).toEqual([['library.scan'], [2]]);
  });

  it('estimates rate and ETA from progress, and keeps a bounded timeline', () => {
    const live = new LiveActivities();
    for (let i = 0; i <= 40; i++) live.applyEvent(event(activity({ progress: i, updatedAt: 1_000 + i * 1_000 })));
    const tracked = live.byId.get('a1')!;
    expect(tracked.estimator.estimate().ratePerSecond).toBeCloseTo(1, 5);
    expect(tracked.estimator.estimate().etaMs).toBeCloseTo(60_000, -2);
    expect(tracked.timeline).toHaveLength(30);
    expect(tracked.timeline.at(-1)!.progress).toBe(40);
  });
});
