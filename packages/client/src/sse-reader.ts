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
  // Decoded by a TextDecoderStream, not by `TextDecoder.decode(chunk)` on each chunk: a chunk handed to
  // `decode` is a buffer the browser must wrap for the call, and each such wrapper is freed through a
  // weak handle. In Chromium those add up to one main-thread task of 180-250 ms at a major GC while
  // 1,000 activities update 5×/s ("V8.GCPhantomHandleProcessingCallback", 10 s of bench/dashboard's
  // stream; none with the stream decoder, whose chunks never reach script). That task is no `longtask`
  // entry, yet the page draws no frame meanwhile.
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const lines = new LineSplitter();
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  let idOnly = false;
  let sinceYield = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      const text = done ? '' : value;
      if ((sinceYield += text.length) > YIELD_EVERY_CHARS) {
        sinceYield = 0;
        await nextTask();
      }
      for (const line of lines.split(text)) {
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
 * Text read between two yields to the event loop. Chunks already received resolve `read()` at once,
 * so a large backlog (a `reset` snapshot of thousands of activities is one line of megabytes) was
 * decoded and split in one task: in the dashboard, 20-30 ms of a 76 ms task before `JSON.parse`.
 */
const YIELD_EVERY_CHARS = 512 * 1024;

/** Resolves in a later task of the event loop (browsers and Node alike). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Splits text arriving in chunks into lines (`\n`, `\r\n` or `\r`). Each chunk is scanned once: a
 * line still open at a chunk's end is kept in pieces, joined when its end arrives. (Scanning the
 * whole buffer again for every chunk made a multi-megabyte line, a `reset` snapshot of thousands of
 * activities, cost time quadratic in its length: a 117 ms task in the dashboard benchmark.) Line ends
 * are found with `indexOf`, not a regular expression: on such a line the regex scan was ~20 ms of a
 * 63 ms task in the dashboard (issue 10), `indexOf` a few. A chunk with no `\r` (what activityd sends)
 * needs only the `\n` search.
 */
class LineSplitter {
  private pieces: string[] = [];
  /** The last chunk ended in `\r`: a `\n` first in the next one belongs to that line end. */
  private afterCarriageReturn = false;

  *split(chunk: string): Generator<string> {
    let from = this.afterCarriageReturn && chunk.startsWith('\n') ? 1 : 0;
    this.afterCarriageReturn = false;
    // The next `\r` and `\n` at or after `from` (-1: none left), each searched again only once passed.
    let cr = chunk.indexOf('\r', from);
    let lf = chunk.indexOf('\n', from);
    for (;;) {
      if (cr !== -1 && cr < from) cr = chunk.indexOf('\r', from);
      if (lf !== -1 && lf < from) lf = chunk.indexOf('\n', from);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      const tail = chunk.slice(from, end);
      let line = tail;
      if (this.pieces.length) {
        this.pieces.push(tail);
        line = this.pieces.join('');
        this.pieces = [];
      }
      from = end + (end === cr && lf === end + 1 ? 2 : 1);
      if (end === cr && lf !== end + 1 && from === chunk.length) this.afterCarriageReturn = true;
      yield line;
    }
    if (from < chunk.length) this.pieces.push(chunk.slice(from));
  }
}
