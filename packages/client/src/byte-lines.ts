const LF = 0x0a;
const CR = 0x0d;

/**
 * Lines up to this many bytes are decoded in script (most lines of an event stream: one event each);
 * longer ones, a `reset` snapshot of megabytes, by `TextDecoder`, which is faster on those, and as
 * their chunks arrive (a read of megabytes at once would be one long task).
 */
const DECODED_IN_SCRIPT = 64 * 1024;

/**
 * Splits bytes arriving in chunks into lines (`\n`, `\r\n` or `\r`) and decodes each as UTF-8.
 *
 * Lines are decoded one by one, and ASCII ones (every line activityd sends, but for titles and the
 * like in other scripts) by `String.fromCharCode` in script rather than by the browser's decoder. In
 * Chromium a string the browser makes (`TextDecoder`, `TextDecoderStream`) is tracked through a weak
 * handle until it dies; the chunks of a busy stream that outlived a young-generation GC were all
 * released at the next major GC, in one main-thread task of 40-140 ms (`V8.GCPhantomHandleProcessingCallback`)
 * every few seconds while 1,000 activities updated 5×/s: no `longtask` entry, yet no frame drawn
 * (issue 10, bench/dashboard). Strings made in script have no such handle.
 *
 * Each chunk is scanned once: a line still open at a chunk's end is kept in pieces, joined when its end
 * arrives (scanning it again for every chunk made a multi-megabyte line cost time quadratic in its
 * length). Line ends are found with `indexOf`; a chunk with no `\r` (what activityd sends) needs only
 * the `\n` search.
 */
export class ByteLines {
  /** The open line's bytes so far, while it is short. */
  private pieces: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The open line's text so far, once it is long: decoded as it arrives. */
  private textPieces: string[] | null = null;
  /** The last chunk ended in `\r`: a `\n` first in the next one belongs to that line end. */
  private afterCarriageReturn = false;
  /** A byte order mark may start the stream only (and is not part of the first line). */
  private atStart = true;
  private readonly decoder = new TextDecoder();

  *split(chunk: Uint8Array): Generator<string> {
    let from = this.afterCarriageReturn && chunk[0] === LF ? 1 : 0;
    this.afterCarriageReturn = false;
    if (this.atStart && chunk.length) {
      this.atStart = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) from = 3;
    }
    // The next `\r` and `\n` at or after `from` (-1: none left), each searched again only once passed.
    let cr = chunk.indexOf(CR, from);
    let lf = chunk.indexOf(LF, from);
    for (;;) {
      if (cr !== -1 && cr < from) cr = chunk.indexOf(CR, from);
      if (lf !== -1 && lf < from) lf = chunk.indexOf(LF, from);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      const line = this.close(chunk.subarray(from, end));
      from = end + (end === cr && lf === end + 1 ? 2 : 1);
      if (end === cr && lf !== end + 1 && from === chunk.length) this.afterCarriageReturn = true;
      yield line;
    }
    if (from < chunk.length) this.keep(chunk.subarray(from));
  }

  /** The open line, ending with `tail`. */
  private close(tail: Uint8Array): string {
    if (this.textPieces) {
      this.textPieces.push(this.decoder.decode(tail));
      const line = this.textPieces.join('');
      this.textPieces = null;
      return line;
    }
    if (!this.pieces.length) return this.decode(tail);
    this.pieces.push(tail);
    const line = this.decode(joined(this.pieces));
    this.pieces = [];
    this.pendingBytes = 0;
    return line;
  }

  /** Keeps the start of a line whose end is still to come. */
  private keep(bytes: Uint8Array): void {
    if (this.textPieces) {
      this.textPieces.push(this.decoder.decode(bytes, { stream: true }));
      return;
    }
    this.pieces.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > DECODED_IN_SCRIPT) {
      this.textPieces = [this.decoder.decode(joined(this.pieces), { stream: true })];
      this.pieces = [];
      this.pendingBytes = 0;
    }
  }

  private decode(bytes: Uint8Array): string {
    if (bytes.length > DECODED_IN_SCRIPT) return this.decoder.decode(bytes);
    for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return this.decoder.decode(bytes);
    let text = '';
    for (let at = 0; at < bytes.length; at += 8192) {
      text += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
    }
    return text;
  }
}

function joined(pieces: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
