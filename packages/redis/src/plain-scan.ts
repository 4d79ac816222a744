/**
 * The live reader's fast path through a `write-many` entry made only of plain items (see
 * `stream-items.ts`): it reads the item fields straight from the reply's bytes, in the exact shape
 * `write-many.lua` and `liveText` write them —
 * `[{"seq":N,"id":"ID","d":N,"live":{"progress":P,"subtitle":S,"updatedAt":N,"leaseExpiresAt":L}},…]`
 * — with no string of the entry, no `JSON.parse` and no object per item. Anything else (a full item,
 * an escape in a string, another key order, a number it cannot read exactly) makes `next` answer
 * `false`, and the caller parses the entry as text. What it does read is what `JSON.parse` gives.
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
  /** `true` once the closing bracket was read. */
  done = false;

  /** Starts on an entry's value; `false` when it is not a JSON array. */
  start(text: Buffer): boolean {
    this.text = text;
    this.at = 1;
    this.done = false;
    return text.length > 1 && text[0] === OPEN_ARRAY;
  }

  /** Reads the next item; `false` when it is not a plain item in the exact shape (or the text ends). */
  next(): boolean {
    const t = this.text;
    let i = this.keys(t, this.at);
    if (i < 0 || !literal(t, i, PROGRESS)) return false;
    i = this.liveFields(t, i + PROGRESS.length);
    if (i < 0 || t[i] !== CLOSE_OBJECT || t[i + 1] !== CLOSE_OBJECT) return false;
    i += 2;
    if (t[i] === COMMA) {
      this.at = i + 1;
      return true;
    }
    this.done = t[i] === CLOSE_ARRAY && i + 1 === t.length;
    return this.done;
  }

  /** `{"seq":N,"id":"ID","d":N`: where it ends, or -1. */
  private keys(t: Buffer, i: number): number {
    if (!literal(t, i, SEQ)) return -1;
    i = this.uint(t, i + SEQ.length);
    if (i < 0) return -1;
    this.seq = this.value;
    if (!literal(t, i, ID)) return -1;
    this.idStart = i + ID.length;
    this.idEnd = stringEnd(t, this.idStart);
    if (this.idEnd < 0 || !literal(t, this.idEnd + 1, D)) return -1;
    i = this.uint(t, this.idEnd + 1 + D.length);
    this.d = this.value;
    return i;
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
const SEQ = bytes('{"seq":');
const ID = bytes(',"id":"');
const D = bytes(',"d":');
const PROGRESS = bytes(',"live":{"progress":');
const SUBTITLE = bytes(',"subtitle":');
const UPDATED_AT = bytes(',"updatedAt":');
const LEASE = bytes(',"leaseExpiresAt":');
const NULL = bytes('null');
const code = (char: string) => char.charCodeAt(0);
const OPEN_ARRAY = code('['), CLOSE_ARRAY = code(']'), CLOSE_OBJECT = code('}'), COMMA = code(','), QUOTE = code('"'), BACKSLASH = code('\\');
const ZERO = code('0'), NINE = code('9'), DOT = code('.'), MINUS = code('-'), PLUS = code('+'), LOWER_E = code('e'), UPPER_E = code('E');
