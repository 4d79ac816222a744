import { isActivityEvent, type ActivityState, type HubEvent } from '@activityd/protocol/types';
import { ValidationError } from '@activityd/protocol/errors';
import { canSee, type Principal } from '../access/rules.js';
import { statesOf } from '../state-filter.js';
import { typeMatches } from '../store.js';

/** What a stream subscriber asks for, in wire names; every filter optional. */
export interface StreamFilterInput {
  id?: string[];
  type?: string[];
  /** The five states, or `active`, `ended`, `all`. */
  state?: string[];
  owner?: Array<number | string>;
  parentId?: string[];
  /** Include change-feed events (default `true`). */
  feed?: boolean;
}

/** Filters, checked and normalised once per subscription. */
export interface StreamFilter {
  ids: ReadonlySet<string> | null;
  types: readonly string[] | null;
  states: ReadonlySet<ActivityState> | null;
  owners: ReadonlySet<number> | null;
  parentIds: ReadonlySet<string> | null;
  feed: boolean;
}

const nonEmpty = <T>(items: readonly T[] | undefined): readonly T[] | null => (items && items.length ? items : null);

/** Checks and normalises filters; throws a coded 400 on an unknown state or a non-integer owner. */
export function streamFilter(input: StreamFilterInput = {}): StreamFilter {
  const states = nonEmpty(input.state);
  const owners = nonEmpty(input.owner)?.map((o) => {
    const n = typeof o === 'number' ? o : /^\d{1,15}$/.test(o) ? Number(o) : NaN;
    if (!Number.isSafeInteger(n)) throw new ValidationError(`owner must be a user id, not '${String(o)}'`);
    return n;
  });
  const ids = nonEmpty(input.id);
  const parentIds = nonEmpty(input.parentId);
  return {
    ids: ids ? new Set(ids) : null,
    types: nonEmpty(input.type),
    states: states ? new Set(statesOf(states)) : null,
    owners: owners ? new Set(owners) : null,
    parentIds: parentIds ? new Set(parentIds) : null,
    feed: input.feed ?? true,
  };
}

/**
 * Does `who` see `event`, and does it pass `filter`? The one check every stream applies to every
 * event; visibility comes from the same rule as every other surface (`canSee`). Activity filters
 * select activity events; change-feed events are selected by `feed` alone.
 */
export function eventPasses(who: Principal, filter: StreamFilter, event: HubEvent): boolean {
  if (!isActivityEvent(event)) return filter.feed && canSee(who, event.change);
  const a = event.activity;
  if (!canSee(who, a)) return false;
  if (filter.ids && !filter.ids.has(a.id)) return false;
  // A subscriber following running activities learns when one leaves that set: its end passes.
  if (filter.states && !filter.states.has(a.state) && !(event.type === 'activity.ended' && filter.states.has('running'))) return false;
  if (filter.owners && (a.owner === null || !filter.owners.has(a.owner))) return false;
  if (filter.parentIds && (a.parentId === null || !filter.parentIds.has(a.parentId))) return false;
  if (filter.types && !filter.types.some((t) => typeMatches(t, a.type))) return false;
  return true;
}
