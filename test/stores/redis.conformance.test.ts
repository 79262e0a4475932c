import { randomUUID } from 'node:crypto';
import { RedisStore } from '../../src/stores/redis-store.js';
import { describeConformance } from './conformance.js';
import { describeWithRedis } from './redis-available.js';

describeWithRedis('RedisStore', (url) => {
  // Every test gets its own key space on the shared server: test files run in parallel.
  const run = randomUUID().slice(0, 8);
  describeConformance('RedisStore', async (options, testId) => {
    const store = new RedisStore({ ...options, url, keyPrefix: `conformance:${run}:${testId}:${options.keyPrefix ?? ''}`, commandTimeout: 5000 });
    return {
      store,
      // Redis keeps its own time: let it pass (with a margin for the round trips).
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 20)),
    };
  });
});
