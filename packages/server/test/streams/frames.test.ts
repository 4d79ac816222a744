import type { StreamItem } from '@activityd/core';
import { describe, expect, it } from 'vitest';
import { Receiver } from 'ws';
import { cachedFrames, sseFrame, wsFrame } from '../../src/streams/frames.js';
import { textFrame } from '../../src/streams/ws-frame.js';

/** What a WebSocket client makes of `frame`: decoded by `ws`'s own parser, as a client's would be. */
function received(frame: Buffer): { text: string; binary: boolean }[] {
  const messages: { text: string; binary: boolean }[] = [];
  const receiver = new Receiver({ isServer: false });
  receiver.on('message', (data: Buffer, binary: boolean) => messages.push({ text: data.toString(), binary }));
  receiver.on('error', (error) => {
    throw error;
  });
  receiver.write(frame);
  return messages;
}

// Fan-out cost: each item is serialised once per transport, however many subscribers get it and in
// whatever order (a subscriber that fell behind asks for older items after newer ones).

const item = (seq: number): StreamItem => ({ type: 'reset', seq, activities: [] });

describe('frames', () => {
  it('serialises an item once, for 10,000 subscribers in a row and for late ones in any order', () => {
    let calls = 0;
    const frame = cachedFrames((i) => {
      calls++;
      return JSON.stringify(i);
    });
    const [a, b] = [item(1), item(2)];
    const first = frame(a);
    for (let n = 0; n < 10_000; n++) expect(frame(a)).toBe(first);
    frame(b);
    expect(frame(a)).toBe(first);
    frame(b);
    expect(calls).toBe(2);
  });

  it('SSE and WebSocket frames of one item: each built once, from one JSON text', () => {
    const a = item(7);
    expect(sseFrame(a)).toBe(sseFrame(a));
    expect(wsFrame(a)).toBe(wsFrame(a));
    expect(received(wsFrame(a))).toEqual([{ text: JSON.stringify(a), binary: false }]);
    expect(sseFrame(a).toString()).toBe(`id: 7\nevent: reset\ndata: ${JSON.stringify(a)}\n\n`);
  });

  it('a WebSocket frame is a whole text frame, at every length boundary', () => {
    for (const length of [1, 125, 126, 127, 65_535, 65_536, 200_000]) {
      const text = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
      expect(Buffer.byteLength(text)).toBe(length);
      expect(received(textFrame(Buffer.from(text)))).toEqual([{ text, binary: false }]);
    }
    expect(textFrame(Buffer.alloc(0)).length).toBe(0); // nothing to send
  });

  it('a copy of an item gets its own frame, and the item shows no trace of its cached frame', () => {
    const a = item(9);
    const frame = wsFrame(a);
    expect(Object.keys(a)).toEqual(['type', 'seq', 'activities']);
    expect(received(wsFrame({ ...a, seq: 10 }))).toEqual([{ text: JSON.stringify({ ...a, seq: 10 }), binary: false }]);
    expect(wsFrame(a)).toBe(frame);
    const frozen = Object.freeze(item(11));
    expect(wsFrame(frozen)).toBe(wsFrame(frozen));
  });
});
