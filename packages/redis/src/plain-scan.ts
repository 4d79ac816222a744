/**
 * The live reader's fast path through a `write-many` entry made only of plain items (see
 * `stream-items.ts`): it reads the items straight from the reply's bytes, in the exact shape
 * `write-many.lua` and `liveText` write them — the first seq, then per item its id, its document's
 * seq and `{"progress":P,"subtitle":S,"updatedAt":N,"leaseExpiresAt":L}`, one line each — with no
 * string of the entry, no `JSON.parse` and no object per item. Anything else (a full item, an id
 * that is not printable ASCII, an escape in a string, another key order, a number it cannot read
 * exactly) makes `next` answer `false`, and the caller parses the entry as text. What it does read is
 * what that parse gives.
 *
 * On a busy reading node `JSON.parse` of the entries was its largest cost in JavaScript (about 0.55 µs
 * of an event, two thirds of decoding and rebuilding one).
 */
export class PlainScanner {
  /** The item just read (valid after `next` answered `true`). */
  seq = 0;
  d = 0;
  progress: number | null = null;
  subtitle: string | null = null;
  updatedAt = 0;
  leaseExpiresAt: number | null = null;
  private text: Buffer = EMPTY;
  private at = 0;
  private idStart = 0;
  private idEnd = 0;
  /** `true` once the last item was read. */
  done = false;

  /** Starts on an entry's lines; `false` when they do not start with a seq. */
  start(text: Buffer): boolean {
    this.text = text;
    this.done = false;
    const i = this.uint(text, 0);
    if (i < 0 || text[i] !== NEWLINE) return false;
    // Each item takes the seq after the one before.
    this.seq = this.value - 1;
    this.at = i + 1;
    return true;
  }

  /** Reads the next item; `false` when it is not a plain item in the exact shape (or the text ends). */
  next(): boolean {
    const t = this.text;
    let i = this.heading(t, this.at);
    if (i < 0 || !literal(t, i, PROGRESS)) return false;
    i = this.liveFields(t, i + PROGRESS.length);
    if (i < 0 || t[i] !== CLOSE_OBJECT) return false;
    i++;
    this.seq++;
    if (t[i] === NEWLINE) {
      this.at = i + 1;
      return true;
    }
    this.done = i === t.length;
    return this.done;
  }

  /**
   * The id line and the document seq's line: where the next line starts, or -1. A line starting
   * with `{` is a full item. The id must be printable ASCII, whose bytes compare with a string's
   * characters one for one (`idIs`).
   */
  private heading(t: Buffer, i: number): number {
    if (t[i] === OPEN_OBJECT) return -1;
    this.idStart = i;
    for (let c = t[i]; c !== NEWLINE; c = t[++i]) {
      if (c === undefined || c <= SPACE || c >= DELETE) return -1;
    }
    if (i === this.idStart) return -1;
    this.idEnd = i;
    i = this.uint(t, i + 1);
    if (i < 0 || t[i] !== NEWLINE) return -1;
    this.d = this.value;
    return i + 1;
  }

  /** The live fields after `"progress":`, up to their closing brace (excluded): where they end, or -1. */
  private liveFields(t: Buffer, i: number): number {
    i = this.numberOrNull(t, i, false);
    if (i < 0) return -1;
    this.progress = this.nullable;
    if (!literal(t, i, SUBTITLE)) return -1;
    i = this.stringOrNull(t, i + SUBTITLE.length);
    if (i < 0 || !literal(t, i, UPDATED_AT)) return -1;
    i = this.uint(t, i + UPDATED_AT.length);
    if (i < 0) return -1;
    this.updatedAt = this.value;
    if (!literal(t, i, LEASE)) return -1;
    i = this.numberOrNull(t, i + LEASE.length, true);
    this.leaseExpiresAt = this.nullable;
    return i;
  }

  /** `null`, or a number (an unsigned integer with `integer`): in `nullable`. */
  private numberOrNull(t: Buffer, i: number, integer: boolean): number {
    if (literal(t, i, NULL)) {
      this.nullable = null;
      return i + NULL.length;
    }
    i = integer ? this.uint(t, i) : this.number(t, i);
    this.nullable = this.value;
    return i;
  }

  /** Is the item's id `id`? Compared byte by byte, without making a string of it. */
  idIs(id: string): boolean {
    const t = this.text;
    const start = this.idStart;
    if (this.idEnd - start !== id.length) return false;
    for (let k = 0; k < id.length; k++) if (t[start + k] !== id.charCodeAt(k)) return false;
    return true;
  }

  /** The item's id as a string. */
  id(): string {
    return this.text.toString('utf8', this.idStart, this.idEnd);
  }

  /** The number read last by `uint` or `number`, and the value read last by `numberOrNull`. */
  private value = 0;
  private nullable: number | null = null;

  /** An unsigned integer of at most 15 digits (exact in a double, as JSON.parse reads it); -1 if none. */
  private uint(t: Buffer, i: number): number {
    let n = 0;
    const start = i;
    for (let c = t[i]; c !== undefined && c >= ZERO && c <= NINE; c = t[++i]) n = n * 10 + (c - ZERO);
    if (i === start || i - start > 15 || (t[start] === ZERO && i - start > 1)) return -1;
    this.value = n;
    return i;
  }

  /**
   * A JSON number. With at most 15 significant digits and no exponent, digits ÷ 10^fraction digits
   * is one correctly rounded division of two exact doubles: the same double as the decimal text
   * (Clinger's fast path, as JSON.parse's own). Anything else is read by `Number` of its text.
   */
  private number(t: Buffer, i: number): number {
    const start = i;
    const negative = t[i] === MINUS;
    if (negative) i++;
    const intStart = i;
    let n = 0;
    for (let c = t[i]; c !== undefined && c >= ZERO && c <= NINE; c = t[++i]) n = n * 10 + (c - ZERO);
    let digits = i - intStart;
    if (digits === 0 || (t[intStart] === ZERO && digits > 1)) return -1;
    let scale = 1;
    if (t[i] === DOT) {
      const fracStart = ++i;
      for (let c = t[i]; c !== undefined && c >= ZERO && c <= NINE; c = t[++i]) {
        n = n * 10 + (c - ZERO);
        scale *= 10;
      }
      if (i === fracStart) return -1;
      digits += i - fracStart;
    }
    if (t[i] === LOWER_E || t[i] === UPPER_E || digits > 15) {
      let end = i;
      if (t[end] === LOWER_E || t[end] === UPPER_E) {
        end++;
        if (t[end] === PLUS || t[end] === MINUS) end++;
        const expStart = end;
        while (t[end] !== undefined && t[end]! >= ZERO && t[end]! <= NINE) end++;
        if (end === expStart) return -1;
      }
      const value = Number(t.toString('latin1', start, end));
      if (Number.isNaN(value)) return -1;
      this.value = value;
      return end;
    }
    const value = n / scale;
    this.value = negative ? -value : value;
    return i;
  }

  /** `null`, or a string without escapes (its bytes are then its UTF-8 text); -1 otherwise. */
  private stringOrNull(t: Buffer, i: number): number {
    if (literal(t, i, NULL)) {
      this.subtitle = null;
      return i + NULL.length;
    }
    if (t[i] !== QUOTE) return -1;
    const end = stringEnd(t, i + 1);
    if (end < 0) return -1;
    this.subtitle = t.toString('utf8', i + 1, end);
    return end + 1;
  }
}

/**
 * Where the string whose text starts at `i` ends (its closing quote), when it has no escape and no
 * control character (its bytes are then its UTF-8 text); -1 otherwise.
 */
function stringEnd(t: Buffer, i: number): number {
  for (let c = t[i]; c !== undefined; c = t[++i]) {
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

/** Does `t` hold the bytes of `expected` at `i`? */
function literal(t: Buffer, i: number, expected: Uint8Array): boolean {
  if (i + expected.length > t.length) return false;
  for (let k = 0; k < expected.length; k++) if (t[i + k] !== expected[k]) return false;
  return true;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const EMPTY = Buffer.alloc(0);
const PROGRESS = bytes('{"progress":');
const SUBTITLE = bytes(',"subtitle":');
const UPDATED_AT = bytes(',"updatedAt":');
const LEASE = bytes(',"leaseExpiresAt":');
const NULL = bytes('null');
const code = (char: string) => char.charCodeAt(0);
const OPEN_OBJECT = code('{'), CLOSE_OBJECT = code('}'), NEWLINE = code('\n'), QUOTE = code('"'), BACKSLASH = code('\\');
/** Bytes an id line is made of lie between these (excluded): printable ASCII but the space. */
const SPACE = code(' '), DELETE = 0x7f;
const ZERO = code('0'), NINE = code('9'), DOT = code('.'), MINUS = code('-'), PLUS = code('+'), LOWER_E = code('e'), UPPER_E = code('E');
