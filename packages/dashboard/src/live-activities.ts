import { batch, signal } from '@preact/signals';
import { ProgressEstimator, type Activity, type ActivityEvent, type ResetSnapshot } from '@activityd/client';
import { ActivityKinds } from './activity-kinds.js';
import { FrameGate } from './frame-gate.js';
import { frameStats } from './frame-stats.js';

/** One step of an activity's history as the page saw it. */
export interface TimelineEntry {
  seq: number;
  at: number;
  type: string;
  state: Activity['state'];
  progress: number | null;
  subtitle: string | null;
}

/** An activity with what the page derives from its events: rate and ETA, and a short timeline. */
export interface Tracked {
  activity: Activity;
  estimator: ProgressEstimator;
  timeline: TimelineEntry[];
}

/** The newest steps kept per activity: enough for a detail panel, bounded for 10,000 activities. */
const TIMELINE_LENGTH = 30;
/**
 * A snapshot or listing is taken this many activities per task: a reset of 10,000 taken at once
 * was one task of 45-60 ms of CPU (issue 10). Later slices wait for a task of their own, in order;
 * events are applied at once meanwhile, which is safe because each activity's newest `seq` wins
 * and an ended state is never undone by an older running one.
 */
const SLICE = 500;

/**
 * Every visible activity, kept current from the event stream. Changes land in a plain map at once;
 * the signals the page renders from move at most once per animation frame. `order` moves only when
 * the list's shape changes (an activity appears, ends or leaves), so progress alone never re-sorts.
 */
export class LiveActivities {
  readonly byId = new Map<string, Tracked>();
  /** Bumped once per frame in which anything changed. */
  readonly version = signal(0);
  /** Bumped once per frame in which an activity appeared, ended or left. */
  readonly shape = signal(0);
  /** The types and owners present; {@link kindsVersion} moves when one appears or vanishes. */
  readonly kinds = new ActivityKinds();
  /** Bumped once per frame in which a type or owner appeared or vanished (the filter bar's options). */
  readonly kindsVersion = signal(0);
  private changed = false;
  private reshaped = false;
  private oldestUnshownAt: number | null = null;
  private readonly gate = new FrameGate(() => this.flush());
  /** Slices of snapshots and listings not taken yet, oldest first. */
  private readonly backlog: Array<() => void> = [];

  /** Applies one activity event. Older news than what is shown (by `seq`) is ignored. */
  applyEvent(event: ActivityEvent): void {
    if (this.upsert(event.activity, event.type, event.at)) this.touch(event.at);
  }

  /** Replaces everything with a snapshot (the server's answer to a cursor it no longer has). */
  applyReset(reset: ResetSnapshot): void {
    const keep = new Set(reset.activities.map((a) => a.id));
    for (const id of this.byId.keys()) if (!keep.has(id)) this.drop(id);
    this.reshaped = true;
    this.inSlices(reset.activities, (activity) => this.upsert(activity, 'snapshot', activity.updatedAt, true));
  }

  /**
   * Takes what a list call returned, and drops `missing` ids the server no longer has. A newer
   * server may have restarted its `seq` count, so an ended activity wins over a running one whatever its `seq`.
   */
  applyListed(activities: Activity[], missing: string[] = []): void {
    this.inSlices(activities, (activity) => this.upsert(activity, 'listed', activity.updatedAt, true), () => {
      for (const id of missing) if (this.drop(id)) this.reshaped = true;
    });
  }

  /** Applies `items` a slice per task (at once if that is one slice and nothing waits), then `after`. */
  private inSlices(items: Activity[], apply: (activity: Activity) => void, after?: () => void): void {
    const idle = this.backlog.length === 0;
    for (let i = 0; i < Math.max(1, items.length); i += SLICE) {
      const slice = items.slice(i, i + SLICE);
      const last = i + SLICE >= items.length;
      this.backlog.push(() => {
        for (const item of slice) apply(item);
        if (last) after?.();
        this.touch(Date.now());
      });
    }
    if (idle && items.length <= SLICE) this.drain();
    else if (idle) setTimeout(() => this.drain(), 0); // not in the task that parsed a large reply
  }

  private drain(): void {
    this.backlog.shift()?.();
    if (this.backlog.length) setTimeout(() => this.drain(), 0);
  }

  /**
   * Asks for one more frame with nothing new from the server (a view that draws in steps), through
   * the same gate as the events, so the page still renders at most once per frame.
   */
  redraw(): void {
    this.changed = true;
    this.gate.request();
  }

  /** Running activities, for checking after a reconnect that none is shown running by mistake. */
  runningIds(): string[] {
    return [...this.byId.values()].filter((t) => t.activity.state === 'running').map((t) => t.activity.id);
  }

  /** Records `activity` unless what is known is newer; says whether anything changed. */
  private upsert(activity: Activity, type: string, at: number, authoritative = false): boolean {
    const known = this.byId.get(activity.id);
    const endsIt = known?.activity.state === 'running' && activity.state !== 'running';
    if (known && activity.seq <= known.activity.seq && !(authoritative && endsIt)) return false;
    const tracked = known ?? { activity, estimator: new ProgressEstimator(), timeline: [] };
    if (known && (known.activity.type !== activity.type || known.activity.owner !== activity.owner)) {
      this.kinds.remove(known.activity); // neither changes on the API; counted right if one ever did
      this.kinds.add(activity);
    }
    tracked.activity = activity;
    if (activity.state === 'running') tracked.estimator.sample(activity.progress, activity.updatedAt);
    tracked.timeline.push({ seq: activity.seq, at, type, state: activity.state, progress: activity.progress, subtitle: activity.subtitle });
    if (tracked.timeline.length > TIMELINE_LENGTH) tracked.timeline.shift();
    if (!known) {
      this.byId.set(activity.id, tracked);
      this.kinds.add(activity);
    }
    if (!known || endsIt) this.reshaped = true;
    return true;
  }

  private drop(id: string): boolean {
    const known = this.byId.get(id);
    if (known) {
      this.byId.delete(id);
      this.kinds.remove(known.activity);
    }
    return known !== undefined;
  }

  /** Marks a change made known by the server at `serverAt`, to be drawn in the next frame. */
  private touch(serverAt: number): void {
    this.changed = true;
    if (this.oldestUnshownAt === null || serverAt < this.oldestUnshownAt) this.oldestUnshownAt = serverAt;
    this.gate.request();
  }

  private flush(): void {
    if (!this.changed) return;
    if (this.oldestUnshownAt !== null) frameStats.record(Math.max(0, Date.now() - this.oldestUnshownAt));
    this.oldestUnshownAt = null;
    const reshaped = this.reshaped;
    this.changed = false;
    this.reshaped = false;
    batch(() => {
      this.version.value++;
      if (reshaped) this.shape.value++;
      if (this.kinds.takeChanged()) this.kindsVersion.value++;
    });
  }
}
