import { randomUUID } from 'node:crypto';
import type { Activity, ActivityContext, ActivityError } from '@activityd/protocol/types';
import { EndedError, NotCancellableError, ValidationError } from '@activityd/protocol/errors';

/**
 * The activity state machine, as pure functions: each takes the current activity and returns
 * the next one, or throws a coded error and changes nothing. `running` is the only state that
 * ever changes; terminal states are never left.
 */

/** An activity as the store keeps it: the wire activity plus who runs it in-process. */
export interface StoredActivity extends Activity {
  /** Id of the node running it in-process, `null` for a remote activity. */
  runner: string | null;
}

/** What starts an activity, in-process or remote. */
export interface ActivitySpec {
  type: string;
  title?: string;
  subtitle?: string | null;
  progress?: number | null;
  cancellable?: boolean;
  context?: ActivityContext;
  parentId?: string | null;
  groups?: string[];
  owner?: number | null;
}

/** A progress report; every field optional. */
export interface ActivityPatch {
  progress?: number | null;
  title?: string;
  subtitle?: string | null;
  context?: ActivityContext;
}

/** How an activity ends. */
export type ActivityEnd =
  | { state: 'completed'; result?: unknown }
  | { state: 'failed' | 'cancelled' | 'expired'; error: ActivityError };

/** Throws unless `value` is a progress: a finite number in 0..100, or `null`. */
export function checkProgress(value: unknown): asserts value is number | null {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new ValidationError('progress must be a number from 0 to 100, or null', { progress: String(value) });
  }
}

/** Stores a non-object result as `{ value }`, so a result is always a JSON object. */
export function normaliseResult(result: unknown): Record<string, unknown> {
  if (result === undefined || result === null) return {};
  if (typeof result === 'object' && !Array.isArray(result)) return result as Record<string, unknown>;
  return { value: result };
}

/** A new running activity. `seq` is 0 until the store assigns one. */
export function newActivity(
  spec: ActivitySpec,
  now: number,
  lease: { leaseMs: number; heartbeatMs: number } | null,
  runner: string | null,
): StoredActivity {
  checkProgress(spec.progress ?? null);
  return {
    id: randomUUID(),
    type: spec.type,
    title: spec.title ?? spec.type,
    subtitle: spec.subtitle ?? null,
    state: 'running',
    progress: spec.progress ?? null,
    cancellable: spec.cancellable ?? true,
    owner: spec.owner ?? null,
    groups: spec.groups ?? [],
    context: spec.context ?? {},
    result: null,
    error: null,
    parentId: spec.parentId ?? null,
    createdAt: now,
    updatedAt: now,
    endedAt: null,
    leaseExpiresAt: lease ? now + lease.leaseMs : null,
    leaseMs: lease?.leaseMs ?? null,
    heartbeatMs: lease?.heartbeatMs ?? null,
    seq: 0,
    runner,
  };
}

function requireRunning(a: StoredActivity): void {
  if (a.state !== 'running') {
    throw new EndedError(`activity ${a.id} has already ended (${a.state})`, { id: a.id, state: a.state });
  }
}

/** Applies a progress report and renews the lease. */
export function applyPatch(a: StoredActivity, patch: ActivityPatch, now: number): StoredActivity {
  requireRunning(a);
  if (patch.progress !== undefined) checkProgress(patch.progress);
  return {
    ...a,
    progress: patch.progress !== undefined ? patch.progress : a.progress,
    title: patch.title ?? a.title,
    subtitle: patch.subtitle !== undefined ? patch.subtitle : a.subtitle,
    context: patch.context ? { ...a.context, ...patch.context } : a.context,
    updatedAt: now,
    leaseExpiresAt: a.leaseMs !== null ? now + a.leaseMs : null,
  };
}

/** Ends a running activity. Completion implies progress 100. */
export function applyEnd(a: StoredActivity, end: ActivityEnd, now: number): StoredActivity {
  requireRunning(a);
  const completed = end.state === 'completed';
  return {
    ...a,
    state: end.state,
    progress: completed ? 100 : a.progress,
    result: completed ? normaliseResult(end.result) : null,
    error: completed ? null : end.error,
    updatedAt: now,
    endedAt: now,
    leaseExpiresAt: null,
  };
}

/** Cancels a running, cancellable activity. */
export function applyCancel(a: StoredActivity, now: number, reason = 'cancelled'): StoredActivity {
  requireRunning(a);
  if (!a.cancellable) throw new NotCancellableError(`activity ${a.id} cannot be cancelled`, { id: a.id });
  return applyEnd(a, { state: 'cancelled', error: { code: 'cancelled', message: reason } }, now);
}

/** The wire form of a stored activity: everything but internal bookkeeping. */
export function toPublic(a: StoredActivity): Activity {
  // Field by field rather than `{ runner, ...rest }`: a rest copy builds the object key by key, costs
  // several µs per event and leaves it slower to serialise; the compiler checks this list is complete.
  return {
    id: a.id, type: a.type, title: a.title, subtitle: a.subtitle, state: a.state, progress: a.progress,
    cancellable: a.cancellable, owner: a.owner, groups: a.groups, context: a.context, result: a.result,
    error: a.error, parentId: a.parentId, createdAt: a.createdAt, updatedAt: a.updatedAt, endedAt: a.endedAt,
    leaseExpiresAt: a.leaseExpiresAt, leaseMs: a.leaseMs, heartbeatMs: a.heartbeatMs, seq: a.seq,
  };
}
