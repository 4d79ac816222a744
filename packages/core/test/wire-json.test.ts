import { describe, expect, it, vi } from 'vitest';
import { rememberWireJson, wireJson } from '../src/index.js';

// The cached text lives on the object itself (a non-enumerable symbol property): it must never
// leak into what is sent or compared, and a copy of the object, which may then be changed, must
// never answer with the original's text.

describe('wireJson', () => {
  it('serialises an object once and answers the recorded text after', () => {
    const event = { seq: 1, type: 'activity.updated', activity: { id: 'a', progress: 5 } };
    const text = wireJson(event);
    expect(text).toBe(JSON.stringify(event));
    expect(wireJson(event)).toBe(text);
    const written = { id: 'b', progress: 7 };
    rememberWireJson(written, '{"id":"b","progress":7}');
    expect(wireJson(written)).toBe('{"id":"b","progress":7}');
  });

  it('leaves no trace in keys, JSON, equality or copies', () => {
    const activity = { id: 'a', progress: 5 };
    rememberWireJson(activity, JSON.stringify(activity));
    expect(Object.keys(activity)).toEqual(['id', 'progress']);
    expect(JSON.stringify(activity)).toBe('{"id":"a","progress":5}');
    expect(activity).toStrictEqual({ id: 'a', progress: 5 });
    const copy = { ...activity, progress: 6 };
    expect(wireJson(copy)).toBe('{"id":"a","progress":6}');
    expect(wireJson(structuredClone(activity))).toBe('{"id":"a","progress":5}');
  });

  it('works for frozen objects too', () => {
    const frozen = Object.freeze({ id: 'f' });
    expect(wireJson(frozen)).toBe('{"id":"f"}');
    rememberWireJson(frozen, '{"id":"f"}');
    expect(wireJson(frozen)).toBe('{"id":"f"}');
  });

  it('builds an event around its activity\'s known text instead of serialising the activity again', () => {
    const activity = { id: 'a', progress: 5, context: { n: [1, 'x'] } };
    expect(wireJson(activity)).toBe(JSON.stringify(activity));
    const event = { seq: 7, type: 'activity.updated', at: 1_700_000_000_000, activity };
    const stringify = vi.spyOn(JSON, 'stringify');
    const text = wireJson(event);
    expect(stringify.mock.calls.some(([value]) => value === activity || value === event)).toBe(false);
    stringify.mockRestore();
    expect(text).toBe(JSON.stringify(event));
    // Another shape (an extra key, another order) is serialised whole.
    const extra = { seq: 8, type: 'activity.updated', at: 1, activity, more: true };
    expect(wireJson(extra)).toBe(JSON.stringify(extra));
    const reordered = { type: 'activity.updated', seq: 9, at: 1, activity };
    expect(wireJson(reordered)).toBe(JSON.stringify(reordered));
  });
});
