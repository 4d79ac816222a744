import type { Activity } from '@activityd/client';

/** What the list shows; kept in the address bar so a view can be shared and survives a reload. */
export interface Filters {
  /** `all`, `active` (running), `ended`, or one state. */
  state: string;
  type: string;
  /** An owner's user id as text, `system` for work with no user, or empty for everyone. */
  owner: string;
  /** Free text over title, subtitle, type, id and context. */
  q: string;
}

export const NO_FILTERS: Filters = { state: 'all', type: '', owner: '', q: '' };

const KEYS = ['state', 'type', 'owner', 'q'] as const;

/** The filters in a query string; anything missing is "no filter". */
export function filtersFrom(search: string): Filters {
  const params = new URLSearchParams(search);
  const filters = { ...NO_FILTERS };
  for (const key of KEYS) filters[key] = params.get(key) ?? NO_FILTERS[key];
  return filters;
}

/** Writes `filters` (and the selected activity) to the address bar, without a history entry per keystroke. */
export function writeUrl(filters: Filters, selected: string | null): void {
  const url = new URL(location.href);
  for (const key of KEYS) {
    if (filters[key] && filters[key] !== NO_FILTERS[key]) url.searchParams.set(key, filters[key]);
    else url.searchParams.delete(key);
  }
  if (selected) url.searchParams.set('id', selected);
  else url.searchParams.delete('id');
  if (url.href !== location.href) history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}

/** The selected activity in the address bar, if any. */
export function selectedFrom(search: string): string | null {
  return new URLSearchParams(search).get('id');
}

/** Does `activity` pass `filters`? `text` is the lower-cased free text, computed once per pass. */
export function matches(activity: Activity, filters: Filters, text: string): boolean {
  const { state } = filters;
  if (state === 'active' || state === 'running') {
    if (activity.state !== 'running') return false;
  } else if (state === 'ended') {
    if (activity.state === 'running') return false;
  } else if (state !== 'all' && state !== '' && activity.state !== state) return false;
  if (filters.type && !typeMatches(activity.type, filters.type)) return false;
  if (filters.owner && (activity.owner === null ? 'system' : String(activity.owner)) !== filters.owner) return false;
  return !text || searchText(activity).includes(text);
}

/** `media.*` matches as a prefix, as on the API. */
function typeMatches(type: string, filter: string): boolean {
  return filter.endsWith('.*') ? type.startsWith(filter.slice(0, -1)) : type === filter;
}

function searchText(a: Activity): string {
  return `${a.title}\n${a.subtitle ?? ''}\n${a.type}\n${a.id}\n${Object.values(a.context).join('\n')}`.toLowerCase();
}
