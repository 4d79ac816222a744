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
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  let idOnly = false;
  try {
    for (let ended = false; !ended; ) {
      const { value, done } = await reader.read();
      ended = done;
      if (!done) buffer += value;
      let match: RegExpExecArray | null;
      while ((match = /\r\n|\r|\n/.exec(buffer))) {
        // A `\r` that ends the chunk may be the first half of a `\r\n`: wait for the next chunk.
        if (!ended && match[0] === '\r' && match.index === buffer.length - 1) break;
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
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
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(text);
        else if (field === 'event') event = text;
        else if (field === 'id') {
          id = text;
          idOnly = data.length === 0;
        }
      }
    }
  } finally {
    // Cancelling the reader cancels the body through the pipe (the body itself is locked by it,
    // so `body.cancel()` would only reject): the connection closes when the caller stops early.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
