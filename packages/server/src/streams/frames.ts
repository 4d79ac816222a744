import { wireJson, type StreamItem } from '@activityd/core';

/**
 * Each item is serialised once per transport, however many subscribers receive it: the hub hands
 * every subscriber the same event object, so the cache hits for all but the first. A fan-out asks
 * for the same item many times in a row, so the last item is checked before the `WeakMap`.
 */
export function cachedFrames(serialise: (item: StreamItem) => string): (item: StreamItem) => Buffer {
  const cache = new WeakMap<StreamItem, Buffer>();
  let lastItem: StreamItem | undefined;
  let lastFrame: Buffer | undefined;
  return (item) => {
    if (item === lastItem) return lastFrame!;
    let frame = cache.get(item);
    if (!frame) cache.set(item, (frame = Buffer.from(serialise(item))));
    lastItem = item;
    lastFrame = frame;
    return frame;
  };
}

let lastJsonItem: StreamItem | undefined;
let lastJson = '';

/**
 * The event JSON, shared by both transports' frames. It comes from core's `wireJson`, which the
 * SQLite store fills as it writes the event's log row.
 */
function jsonOf(item: StreamItem): string {
  if (item === lastJsonItem) return lastJson;
  lastJson = wireJson(item);
  lastJsonItem = item;
  return lastJson;
}

/** `id: <seq>`, `event: <type>`, `data: <the event JSON>`. */
export const sseFrame = cachedFrames((item) => `id: ${item.seq}\nevent: ${item.type}\ndata: ${jsonOf(item)}\n\n`);

/** One event per text frame: the event JSON. */
export const wsFrame = cachedFrames(jsonOf);
