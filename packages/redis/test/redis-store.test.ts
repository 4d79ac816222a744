import { describe, it } from 'vitest';
import { describeStoreConformance } from '../../core/test/store-conformance.js';
import { redisAvailable, redisFixture } from './redis-fixture.js';

// Top-level await: the suite is declared only when a Redis answers; otherwise one visible skip
// (or, with ACTIVITYD_REQUIRE_REDIS=1, a failed file).
const available = await redisAvailable('RedisStore conformance');

if (available) {
  describeStoreConformance('RedisStore', async (options = {}) => {
    const fixture = redisFixture(options);
    const store = fixture.make();
    return { store, reopen: async () => fixture.make(), cleanup: fixture.cleanup };
  }, { durable: true });
} else {
  describe('RedisStore conformance', () => {
    // Reason: no Redis answers on this machine. The skip is visible in the report, and under
    // ACTIVITYD_REQUIRE_REDIS=1 (set by .ci/run) `available` throws instead, so CI never gets here.
    it.skip('needs a Redis (none answers; see the warning above)', () => {});
  });
}
