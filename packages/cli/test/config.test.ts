import { describe, expect, it } from 'vitest';
import { parseServeConfig } from '../src/config.js';
import { parseDuration } from '../src/duration.js';

describe('serve configuration', () => {
  it('has the documented defaults', () => {
    const config = parseServeConfig([], {});
    expect(config).toMatchObject({ port: 4600, host: '127.0.0.1', store: 'sqlite', retentionMs: 86_400_000, feedRetentionMs: 60_000, leaseMs: undefined });
    expect(config.dataDir).toMatch(/\.activityd$/);
  });

  it('takes flags before ACTIVITYD_* env', () => {
    const env = { ACTIVITYD_PORT: '5000', ACTIVITYD_LEASE_TIMEOUT: '2m', ACTIVITYD_HOST: '0.0.0.0' };
    expect(parseServeConfig(['--port', '6000'], env)).toMatchObject({ port: 6000, leaseMs: 120_000, host: '0.0.0.0' });
  });

  it('reads the admin token only from env, and CORS origins as a list', () => {
    const config = parseServeConfig(['--cors-origin', 'http://a.test, http://b.test'], { ACTIVITYD_ADMIN_TOKEN: 'x' });
    expect(config.adminToken).toBe('x');
    expect(config.corsOrigin).toEqual(['http://a.test', 'http://b.test']);
  });

  it('selects the Redis store when only --redis is given, and memory for demo without a data dir', () => {
    expect(parseServeConfig(['--redis', 'redis://127.0.0.1:6379'], {}).store).toBe('redis');
    expect(parseServeConfig([], {}, { store: 'memory' }).store).toBe('memory');
    expect(parseServeConfig(['--data-dir', '/tmp/x'], {}, { store: 'memory' }).store).toBe('sqlite');
  });

  it('takes the Redis URL, key prefix, node id and node timeout from flags or ACTIVITYD_* env', () => {
    expect(parseServeConfig(['--redis', 'redis://r:6379', '--redis-prefix', 'x:', '--node-id', 'a', '--node-timeout', '3s'], {}))
      .toMatchObject({ store: 'redis', redis: 'redis://r:6379', redisPrefix: 'x:', nodeId: 'a', nodeTimeoutMs: 3_000 });
    expect(parseServeConfig([], { ACTIVITYD_REDIS: 'redis://r:6379', ACTIVITYD_REDIS_PREFIX: 'y:', ACTIVITYD_NODE_ID: 'b' }))
      .toMatchObject({ store: 'redis', redis: 'redis://r:6379', redisPrefix: 'y:', nodeId: 'b', nodeTimeoutMs: undefined });
    expect(parseServeConfig([], {})).toMatchObject({ redisPrefix: 'activityd:', nodeId: undefined });
    expect(() => parseServeConfig(['--store', 'redis'], {})).toThrow(/--redis/);
  });

  it('refuses what cannot work, saying which flag', () => {
    expect(() => parseServeConfig(['--port', '70000'], {})).toThrow(/--port/);
    expect(() => parseServeConfig(['--store', 'postgres'], {})).toThrow(/--store/);
    expect(() => parseServeConfig(['--retention', 'soon'], {})).toThrow(/--retention/);
    expect(() => parseServeConfig(['--bogus'], {})).toThrow(/bogus/);
  });
});

describe('durations', () => {
  it.each([['90s', 90_000], ['24h', 86_400_000], ['500ms', 500], ['1.5m', 90_000], ['250', 250], ['1d', 86_400_000]])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text, 'x')).toBe(ms);
  });
  it.each(['', '-1s', '0s', '10 parsecs', 's'])('%j is refused', (text) => {
    expect(() => parseDuration(text, '--x')).toThrow(/--x/);
  });
});
