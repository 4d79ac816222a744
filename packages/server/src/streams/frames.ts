import { wireJson, type StreamItem } from '@activityd/core';
import { textFrame } from './ws-frame.js';

/**
 * Each item is serialised once per transport, however many subscribers receive it: the hub hands
 * every subscriber the same event object, so the cache hits for all but the first. The frame is
 * kept on the item under this transport's own symbol, as a non-enumerable property (a copy of the
 * item leaves it behind): a `WeakMap` entry per event cost the young-generation GC more than the
 * lookup saved. A frozen item is served from a `WeakMap`. A fan-out asks for the same item many
 * times in a row, so the last item is checked first.
 */
export function cachedFrames(serialise: (item: StreamItem) => string, frame: (bytes: Buffer) => Buffer = (bytes) => bytes): (item: StreamItem) => Buffer {
  const FRAME = Symbol('activityd.frame');
  const frozen = new WeakMap<StreamItem, Buffer>();
  let lastItem: StreamItem | undefined;
  let lastFrame: Buffer | undefined;
  return (item) => {
    if (item === lastItem) return lastFrame!;
    let built = (item as StreamItem & { [FRAME]?: Buffer })[FRAME] ?? frozen.get(item);
    if (!built) {
      built = frame(Buffer.from(serialise(item)));
      if (Object.isExtensible(item)) Object.defineProperty(item, FRAME, { value: built, configurable: true });
      else frozen.set(item, built);
    }
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
