import { UnavailableError } from '@activityd/protocol/errors';
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { toStoreError } from '../src/unavailable.js';
import { RedisStore } from '../src/index.js';

/** A reply error as ioredis makes them (its class is `redis-errors`' ReplyError). */
function replyError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError' });
}

describe('Redis failures as coded errors', () => {
  it('a lost connection or a Redis that cannot serve now is a coded 503; a bad command is not hidden', () => {
    for (const error of [new Error('Connection is closed.'), new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Command timed out'), replyError('LOADING Redis is loading the dataset in memory'), replyError('READONLY You can\'t write against a read only replica.'),
      replyError('OOM command not allowed when used memory > \'maxmemory\'.')]) {
      const mapped = toStoreError(error);
      expect(mapped).toBeInstanceOf(UnavailableError);
      expect((mapped as UnavailableError).status).toBe(503);
    }
    const bug = replyError('ERR Error running script: attempt to compare nil with number');
    expect(toStoreError(bug)).toBe(bug);
  });

  it('with nothing listening, opening the store fails fast as unavailable instead of hanging on retries', async () => {
    // A port nothing listens on: found by binding and closing it.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'never:' });
    const started = Date.now();
    await expect(store.open()).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(store.get('x')).rejects.toBeInstanceOf(UnavailableError);
    await store.close();
  });
});
