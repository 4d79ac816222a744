import type { Activity } from '@activityd/protocol/types';
import { ForbiddenError, NotFoundError } from '@activityd/protocol/errors';

/** What a caller may do. */
export type Scope = 'read' | 'report' | 'cancel' | 'admin';

/**
 * Who is asking. Every hub call that reads or changes an activity takes one, so the rules below
 * apply the same way on every surface (list, get, result, update, cancel, long-poll, streams).
 */
export interface Principal {
  /** The user's integer id; `null` for the built-in admin and for work with no user. */
  userId: number | null;
  /** Sees and may do everything. */
  admin: boolean;
  scopes: readonly Scope[];
  /** The security groups the user belongs to (what it may share new activities with). */
  groups: readonly string[];
  /** Its groups and every group below them in the tree: what it may see. */
  visibleGroups: readonly string[];
  /** A backend reporting on behalf of users: may update any activity it can see. */
  service: boolean;
}

/** The principal of the hub's own in-process work and of the admin token. */
export const SYSTEM: Principal = Object.freeze({
  userId: null, admin: true, scopes: Object.freeze(['read', 'report', 'cancel', 'admin'] as const), groups: [], visibleGroups: [], service: true,
});

/**
 * May `who` see `activity` (or a change-feed entry)? The one visibility rule of every surface:
 * admins see all; others what they own, or what is shared with one of their groups or a group
 * below one of them (never above).
 */
export function canSee(who: Pick<Principal, 'admin' | 'userId' | 'visibleGroups'>, item: { owner: number | null; groups: readonly string[] }): boolean {
  if (who.admin) return true;
  if (who.userId !== null && item.owner === who.userId) return true;
  return item.groups.some((g) => who.visibleGroups.includes(g));
}

function hasScope(who: Principal, scope: Scope): boolean {
  return who.admin || who.scopes.includes('admin') || who.scopes.includes(scope);
}

/** Throws unless `who` has `scope`. */
export function requireScope(who: Principal, scope: Scope): void {
  if (!hasScope(who, scope)) throw new ForbiddenError(`this call needs the '${scope}' scope`, { scope });
}

/** An invisible activity is reported exactly like an unknown one, so ids leak nothing. */
export function requireVisible<T extends { owner: number | null; groups: readonly string[] }>(who: Principal, id: string, activity: T | undefined): T {
  if (!activity || !canSee(who, activity)) throw new NotFoundError(`activity ${id} not found`, { id });
  return activity;
}

/** Reporting progress or ending an activity: its owner, an admin, or a service principal. */
export function requireReporter(who: Principal, activity: Pick<Activity, 'owner' | 'groups'>): void {
  requireScope(who, 'report');
  if (who.admin || who.service) return;
  if (who.userId !== null && activity.owner === who.userId) return;
  throw new ForbiddenError('only the owner of an activity or a service token may report on it');
}
