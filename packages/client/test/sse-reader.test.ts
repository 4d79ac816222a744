// readSse: Server-Sent Events from a fetch body, whatever the chunking and line ends.
import { describe, expect, it } from 'vitest';
import { readSse, type SseMessage } from '@activityd/client';

/** A body delivering `chunks` one by one. */
const body = (chunks: string[]) => new ReadableStream<Uint8Array>({
  start(controller) {
    const encoder = new TextEncoder();
    for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
    controller.close();
  },
});

async function read(chunks: string[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of readSse(body(chunks))) out.push(message);
  return out;
}

describe('readSse', () => {
  it('reads id, event and data; skips comments and retry; a message without data is dropped', async () => {
    expect(await read([': ping\n\nretry: 1000\n\nid: 3\nevent: activity.updated\ndata: {"seq":3}\n\nevent: empty\n\n'])).toEqual([
      { id: '3', event: 'activity.updated', data: '{"seq":3}' },
    ]);
  });

  it('an id with no data is yielded as a cursor, with event and data empty (EventSource keeps it silently)', async () => {
    expect(await read(['retry: 1000\n\nid: 41\n\nid: 42\nevent: activity.started\ndata: {}\n\n'])).toEqual([
      { id: '41', event: '', data: '' },
      { id: '42', event: 'activity.started', data: '{}' },
    ]);
  });

  it('joins multi-line data; the event defaults to `message`; the last id carries over', async () => {
    expect(await read(['id: 7\ndata: one\ndata:two\n\ndata: three\n\n'])).toEqual([
      { id: '7', event: 'message', data: 'one\ntwo' },
      { id: '7', event: 'message', data: 'three' },
    ]);
  });

  it('handles \\r\\n and \\r line ends, and frames split anywhere (even inside a multi-byte character)', async () => {
    const text = 'id: 1\r\nevent: a\r\ndata: é→\r\n\r\nid: 2\revent: b\rdata: x\r\r';
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte])); // one byte per chunk: \r | \n split too
        controller.close();
      },
    });
    const out: SseMessage[] = [];
    for await (const message of readSse(stream)) out.push(message);
    expect(out).toEqual([
      { id: '1', event: 'a', data: 'é→' },
      { id: '2', event: 'b', data: 'x' },
    ]);
  });

  it('decodes every line whole: ASCII in script across its 8 KiB steps, other text and bad bytes as TextDecoder does; a leading BOM is skipped', async () => {
    const ascii = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(32 + (i % 95))).join('');
    const wide = `${'ü'.repeat(40_000)}日本語 🚀`; // over 64 KiB of UTF-8: the decoder's path
    const bytes = [
      new Uint8Array([0xef, 0xbb, 0xbf]), new TextEncoder().encode(`data: ${ascii}\n\ndata: ${wide}\n\ndata: a`),
      new Uint8Array([0xff, 0xc3]), new TextEncoder().encode('b\n\n'), // 0xff is invalid; 0xc3 lacks its second byte
    ];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of bytes) controller.enqueue(chunk);
        controller.close();
      },
    });
    const out: SseMessage[] = [];
    for await (const message of readSse(stream)) out.push(message);
    expect(out.map((m) => m.data)).toEqual([ascii, wide, 'a\uFFFD\uFFFDb']);
  });

  it('a long line of text outside ASCII, in chunks that split its characters, is decoded as it arrives and comes out whole', async () => {
    const wide = `${'ü日'.repeat(30_000)}🚀`;
    const bytes = new TextEncoder().encode(`data: ${wide}\n\ndata: next ü\n\n`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 1001) controller.enqueue(bytes.slice(at, at + 1001)); // odd size: splits characters
        controller.close();
      },
    });
    const out: SseMessage[] = [];
    for await (const message of readSse(stream)) out.push(message);
    expect(out.map((m) => m.data)).toEqual([wide, 'next ü']);
  });

  it('mixes \\n, \\r\\n and \\r in one chunk, with a \\r\\n split across chunks', async () => {
    expect(await read(['data: a\r\rdata: b\n\ndata: c\r\n\r\ndata: d\r', '\n\r', '\ndata: e\n\n'])).toEqual([
      { id: undefined, event: 'message', data: 'a' },
      { id: undefined, event: 'message', data: 'b' },
      { id: undefined, event: 'message', data: 'c' },
      { id: undefined, event: 'message', data: 'd' },
      { id: undefined, event: 'message', data: 'e' },
    ]);
  });

  it('a line of megabytes arriving in many chunks (a large reset snapshot) comes out whole', async () => {
    const big = JSON.stringify({ activities: Array.from({ length: 20_000 }, (_, i) => ({ id: `a${i}`, title: 'x'.repeat(200) })) });
    const text = `id: 9\nevent: reset\ndata: ${big}\r\n\r\nid: 10\ndata: after\n\n`;
    const chunks: string[] = [];
    for (let at = 0; at < text.length; at += 65_536) chunks.push(text.slice(at, at + 65_536));
    expect(chunks.length).toBeGreaterThan(60);
    const out = await read(chunks);
    expect(out.map((m) => [m.id, m.event, m.data.length])).toEqual([['9', 'reset', big.length], ['10', 'message', 5]]);
    expect(out[0]!.data).toBe(big);
  });

  it('a backlog of megabytes already received is read over several tasks, so timers (and a page) get their turn', async () => {
    const line = `data: ${'y'.repeat(4 * 1024 * 1024)}\n\n`;
    const chunks = Array.from({ length: Math.ceil(line.length / 65_536) }, (_, i) => line.slice(i * 65_536, (i + 1) * 65_536));
    let timers = 0;
    const tick = setInterval(() => timers++, 0);
    try {
      const messages = await read(chunks); // every chunk is queued before the first read
      expect(messages).toHaveLength(1);
      expect(messages[0]!.data).toHaveLength(4 * 1024 * 1024);
      expect(timers).toBeGreaterThanOrEqual(4); // one turn at least every 512 K characters
    } finally {
      clearInterval(tick);
    }
  });

  it('stopping early cancels the body', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: tick\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const message of readSse(stream)) {
      expect(message.data).toBe('tick');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
