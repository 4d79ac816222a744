import type { StreamFilterInput } from '@activityd/core';
import { ValidationError, type StreamQuery } from '@activityd/protocol';
import { listParam } from '../query.js';

/** Filters and cursor of a stream request; SSE's `Last-Event-ID` wins over `since`. */
export function streamRequest(query: StreamQuery, lastEventId?: string | string[]): { filters: StreamFilterInput; since: number | undefined } {
  let since = query.since;
  if (typeof lastEventId === 'string' && lastEventId !== '') {
    if (!/^\d{1,15}$/.test(lastEventId)) throw new ValidationError(`Last-Event-ID must be an event seq, not '${lastEventId}'`);
    since = Number(lastEventId);
  }
  return {
    since,
    filters: {
      id: listParam(query.id),
      type: listParam(query.type),
      state: listParam(query.state),
      owner: listParam(query.owner),
      parentId: listParam(query.parentId),
      feed: query.feed,
    },
  };
}
