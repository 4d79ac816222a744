import { wireJson, type StreamItem } from '@activityd/core';

// Each item is serialised once per transport, however many subscribers receive it: the hub hands
// every subscriber the same event object, so these caches hit for all but the first.
const sseFrames = new WeakMap<StreamItem, Buffer>();
const wsFrames = new WeakMap<StreamItem, Buffer>();
// The JSON text itself comes from core, which the SQLite store fills as it writes the event's log row.
const jsonOf = (item: StreamItem): string => wireJson(item);

/** `id: <seq>`, `event: <type>`, `data: <the event JSON>`. */
export function sseFrame(item: StreamItem): Buffer {
  let frame = sseFrames.get(item);
  if (!frame) sseFrames.set(item, (frame = Buffer.from(`id: ${item.seq}\nevent: ${item.type}\ndata: ${jsonOf(item)}\n\n`)));
  return frame;
}

/** One event per text frame: the event JSON. */
export function wsFrame(item: StreamItem): Buffer {
  let frame = wsFrames.get(item);
  if (!frame) wsFrames.set(item, (frame = Buffer.from(jsonOf(item))));
  return frame;
}

/** A per-item cache of a serialiser: each item is serialised once however many subscribers get it. */
export function cachedFrames(serialise: (item: StreamItem) => string): (item: StreamItem) => Buffer {
  const cache = new WeakMap<StreamItem, Buffer>();
  return (item) => {
    let frame = cache.get(item);
    if (!frame) cache.set(item, (frame = Buffer.from(serialise(item))));
    return frame;
  };
}
