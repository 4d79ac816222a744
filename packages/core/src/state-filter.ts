import { END_STATES, STATES, type ActivityState, type StateFilter } from '@activityd/protocol/types';
import { ValidationError } from '@activityd/protocol/errors';

const GROUPS: Record<'active' | 'ended' | 'all', readonly ActivityState[]> = {
  active: ['running'],
  ended: END_STATES,
  all: STATES,
};

/** Is `value` a state or one of the groups `active`, `ended`, `all`? */
export function isStateFilter(value: string): value is StateFilter {
  return (STATES as readonly string[]).includes(value) || Object.hasOwn(GROUPS, value);
}

/** The states a filter names, groups expanded; throws on an unknown name. */
export function statesOf(filters: readonly string[]): ActivityState[] {
  const states = new Set<ActivityState>();
  for (const f of filters) {
    if (!isStateFilter(f)) throw new ValidationError(`unknown state '${f}'`, { state: f });
    for (const s of f in GROUPS ? GROUPS[f as keyof typeof GROUPS] : [f as ActivityState]) states.add(s);
  }
  return [...states];
}
