import { wireJson, type StreamItem } from '@activityd/core';
import { textFrame } from './ws-frame.js';

/**
 * Each item is serialised once per transport, however many subscribers receive it: the hub hands
 * every subscriber the same event object, so the cache hits for all but the first. A fan-out asks
 * for the same item many times in a row, so the last item is checked before the `WeakMap`.
 */
export function cachedFrames(serialise: (item: StreamItem) => string, frame: (bytes: Buffer) => Buffer = (bytes) => bytes): (item: StreamItem) => Buffer {
  const cache = new WeakMap<StreamItem, Buffer>();
  let lastItem: StreamItem | undefined;
  let lastFrame: Buffer | undefined;
  return (item) => {
    if (item === lastItem) return lastFrame!;
    let built = cache.get(item);
    if (!built) cache.set(item, (built = frame(Buffer.from(serialise(item)))));
    lastItem = item;
    lastFrame = built;
    return built;
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

/** One event per text frame (header included: see `ws-frame.ts`): the event JSON. */
export const wsFrame = cachedFrames(jsonOf, textFrame);
