import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Command } from 'ioredis';
import { respText } from '../src/scripts.js';

// A write call's text is made here, not by ioredis: it must be byte for byte what ioredis writes.
const ioredisText = (name: string, args: string[]) => new Command(name, args).toWritable({}) as string;

describe('respText', () => {
  it('is the text ioredis writes, ASCII or not', () => {
    for (const args of [[], ['sha', '0', 'p:', '10000'], ['', 'a'], ['écrit ✓ 😀', '{"subtitle":"ß"}'], ['\ud800', 'x']]) {
      expect(respText('evalsha', args)).toBe(ioredisText('evalsha', args));
    }
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' })), (args) => {
      expect(respText('eval', args)).toBe(ioredisText('eval', args));
    }));
  });
});
