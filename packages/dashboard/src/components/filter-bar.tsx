import type { ComponentChildren } from 'preact';
import type { Filters } from '../filters.js';

const STATES: Array<[string, string]> = [
  ['all', 'All states'], ['active', 'Running'], ['ended', 'Ended'], ['completed', 'Completed'],
  ['failed', 'Failed'], ['cancelled', 'Cancelled'], ['expired', 'Expired'],
];

export interface FilterBarProps {
  filters: Filters;
  types: readonly string[];
  owners: ReadonlyArray<[string, string]>;
  /** The count of activities shown, drawn by a component of its own ({@link ActivityCount}). */
  children: ComponentChildren;
  onChange: (filters: Filters) => void;
}

/** State, type, owner and free text; every change lands in the address bar. */
export function FilterBar({ filters, types, owners, children, onChange }: FilterBarProps) {
  const set = (key: keyof Filters) => (event: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    onChange({ ...filters, [key]: event.currentTarget.value });
  const withCurrent = (values: readonly string[], current: string) => (current && !values.includes(current) ? [...values, current] : values);
  return (
    <form class="filters" role="search" aria-label="Filter activities" onSubmit={(e) => e.preventDefault()}>
      <label>State
        <select name="state" value={filters.state} onChange={set('state')}>
          {STATES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
      </label>
      <label>Type
        <select name="type" value={filters.type} onChange={set('type')}>
          <option value="">All types</option>
          {withCurrent(types, filters.type).map((type) => <option key={type} value={type}>{type}</option>)}
        </select>
      </label>
      <label>Owner
        <select name="owner" value={filters.owner} onChange={set('owner')}>
          <option value="">Everyone</option>
          {owners.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          {filters.owner && !owners.some(([value]) => value === filters.owner) && <option value={filters.owner}>{filters.owner}</option>}
        </select>
      </label>
      <label class="search">Search
        <input name="q" type="search" value={filters.q} placeholder="title, subtitle, id, context" onInput={set('q')} />
      </label>
      {children}
    </form>
  );
}

/**
 * How many activities are shown, of how many. A component of its own so that it alone renders when the
 * count moves, once a frame while a burst arrives, not the filter bar and its option lists; its box has a
 * fixed size (styles.css) so a new count never lays the filter bar or the list out again.
 */
export function ActivityCount({ shown, total }: { shown: number; total: number }) {
  return <output class="count" aria-live="polite">{shown === total ? `${total} ${total === 1 ? 'activity' : 'activities'}` : `${shown} of ${total}`}</output>;
}
