import { ByteLines } from './byte-lines.js';

/** One Server-Sent Event. */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads Server-Sent Events from a fetch body, so custom headers (the token) work everywhere,
 * unlike `EventSource`. Handles `\n`, `\r\n` and `\r` line ends and multi-line `data:`. A message with
 * an `id:` and no `data:` (the cursor a stream starts after) is yielded with `event` and `data` empty.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const lines = new ByteLines();
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  let idOnly = false;
  let sinceYield = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      const bytes = done ? EMPTY : value;
      if ((sinceYield += bytes.length) > YIELD_EVERY_BYTES) {
        sinceYield = 0;
        await nextTask();
      }
      for (const line of lines.split(bytes)) {
        if (line === '') {
          if (data.length) yield { id, event: event || 'message', data: data.join('\n') };
          // An `id:` alone moves the cursor without an event (EventSource keeps it silently).
          else if (idOnly) yield { id, event: '', data: '' };
          idOnly = false;
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        // slice, not replace(/^ /, ''): a multi-megabyte `data:` line is not copied again
        const text = colon < 0 ? '' : line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
        if (field === 'data') data.push(text);
        else if (field === 'event') event = text;
        else if (field === 'id') {
          id = text;
          idOnly = data.length === 0;
        }
      }
      if (done) break;
    }
  } finally {
    // Cancelling the reader cancels the body: the connection closes when the caller stops early.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Bytes read between two yields to the event loop. Chunks already received resolve `read()` at once,
 * so a large backlog (a `reset` snapshot of thousands of activities is one line of megabytes) was
 * decoded and split in one task: in the dashboard, 20-30 ms of a 76 ms task before `JSON.parse`.
 */
const YIELD_EVERY_BYTES = 512 * 1024;
const EMPTY = new Uint8Array(0);

/** Resolves in a later task of the event loop (browsers and Node alike). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
