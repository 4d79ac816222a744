import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlainScanner } from '../src/plain-scan.js';
import { decodeEntries, LINES } from '../src/stream-items.js';

// The live reader reads entries of plain items from their bytes: whatever it reads must be exactly
// what the text path (`decodeEntries`: split, JSON.parse) makes of the same entry, and whatever it
// cannot read exactly it must refuse (the entry is then parsed as text).

interface Live { progress: number | null; subtitle: string | null; updatedAt: number; leaseExpiresAt: number | null }
interface Item { seq: number; id: string; d: number; live: Live }
type Written = Omit<Item, 'seq'>;

/** The lines of an entry as `write-many.lua` writes them from `first`, the live fields' JSON as `liveText` does. */
const entryText = (items: Written[], first = 1) => [first, ...items.flatMap((i) => [i.id, i.d, JSON.stringify(i.live)])].join('\n');

/** The items of an entry's lines as the text path reads them. */
const parse = (text: string) => decodeEntries([['1-0', [LINES, text]]], 0);

/** What the scanner reads of `text`, as items; `null` when it refuses an item. */
function scan(text: string): Item[] | null {
  const scanner = new PlainScanner();
  if (!scanner.start(Buffer.from(text))) return null;
  const items: Item[] = [];
  do {
    if (!scanner.next()) return null;
    const { seq, d, progress, subtitle, updatedAt, leaseExpiresAt } = scanner;
    items.push({ seq, id: scanner.id(), d, live: { progress, subtitle, updatedAt, leaseExpiresAt } });
  } while (!scanner.done);
  return items;
}

const epoch = fc.integer({ min: 0, max: 4_102_444_800_000 });
const live = fc.record({
  progress: fc.oneof(fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100)),
  subtitle: fc.oneof(fc.constant(null), fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('part 3 of 10', 'a "quoted" \\ path', 'tab\there', 'é ü — ✓ 🚀')),
  updatedAt: epoch,
  leaseExpiresAt: fc.oneof(fc.constant(null), epoch),
});
/** A character JSON.stringify writes as it is (not a quote, backslash, control character or lone surrogate). */
const unescaped = (c: string) => c !== '"' && c !== '\\' && c >= ' ' && !(c.length === 1 && c >= '\ud800' && c <= '\udfff');
const item = fc.record({ id: fc.oneof(fc.uuid(), fc.stringMatching(/^[\w.:-]{1,40}$/)), d: fc.nat(), live });

describe('PlainScanner', () => {
  it('reads exactly what the text path reads, or refuses', () => {
    fc.assert(fc.property(fc.array(item, { minLength: 1, maxLength: 16 }), (items) => {
      const text = entryText(items);
      const read = scan(text);
      if (read === null) return;
      const parsed = parse(text) as Item[];
      expect(read).toEqual(parsed);
      // toEqual takes 0 for -0: every double must be the same double.
      for (let i = 0; i < read.length; i++) expect(Object.is(read[i]!.live.progress, parsed[i]!.live.progress)).toBe(true);
    }), { numRuns: 2_000 });
  });

  it('reads the plain items progress reporters write, and every number of them exactly', () => {
    fc.assert(fc.property(fc.array(item.map((i) => ({ ...i, live: { ...i.live, subtitle: i.live.subtitle === null ? null : [...i.live.subtitle].filter(unescaped).join('') } })), { minLength: 1, maxLength: 16 }), (items) => {
      const text = entryText(items, 7);
      expect(scan(text)).toEqual(parse(text));
      expect(scan(text)!.map((i) => i.seq)).toEqual(items.map((_, k) => 7 + k));
    }), { numRuns: 2_000 });
    const items = [0.1, 1 / 3, 33.333333333333336, 1e-7, 1.5e300, -2.5, 0.30000000000000004, 123456789012345.6, 2 ** 53 + 2].map((progress) =>
      ({ id: 'a', d: 1, live: { progress, subtitle: null, updatedAt: 1_795_508_197_462, leaseExpiresAt: null } }));
    expect(scan(entryText(items))!.map((i) => i.live.progress)).toEqual(items.map((i) => i.live.progress));
    // JSON.stringify writes -0 as 0; a -0 in the text is read as JSON.parse reads it.
    const negativeZero = scan('1\na\n1\n{"progress":-0,"subtitle":null,"updatedAt":2,"leaseExpiresAt":null}')!;
    expect(Object.is(negativeZero[0]!.live.progress, -0)).toBe(true);
  });

  it('refuses what is not a plain item in the exact shape: a full item, an escape, other keys or key order', () => {
    const plain = 'a\n1\n{"progress":1,"subtitle":null,"updatedAt":2,"leaseExpiresAt":3}';
    expect(scan(`5\n${plain}`)).not.toBeNull();
    for (const text of [
      `4\n{"seq":4,"type":"activity.created","at":1,"activity":{"id":"a"}}\n${plain}`,
      `5\n${plain.replace('"subtitle":null', '"subtitle":"a \\"b\\""')}`,
      `5\n${plain.replace('a\n', 'é\n')}`,
      `5\n${plain.replace('a\n', 'a b\n')}`,
      `5\n${plain.replace('"progress":1,"subtitle":null', '"subtitle":null,"progress":1')}`,
      `5\n${plain.replace('"leaseExpiresAt":3', '"leaseExpiresAt":3,"extra":1')}`,
      `5\n${plain.replace('\n1\n', '\n01\n')}`,
      `05\n${plain}`,
      `5\n${plain} `,
      `5\n${plain}\n`,
      `5\n\n1\n${plain.slice(plain.indexOf('{'))}`,
      plain,
    ]) expect(scan(text)).toBeNull();
  });
});
