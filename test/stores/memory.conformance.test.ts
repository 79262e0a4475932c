import { MemoryStore } from '../../src/stores/memory-store.js';
import { describeConformance } from './conformance.js';

describeConformance('MemoryStore', async (options) => {
  let now = 1_000;
  const store = new MemoryStore({ ...options, now: () => now });
  return {
    store,
    advance: async (ms) => {
      now += ms;
    },
  };
});

describeConformance('MemoryStore (bounded, swept)', async (options) => {
  let now = 1_000;
  const store = new MemoryStore({ ...options, maxEntries: 100_000, sweepInterval: 5, now: () => now });
  return {
    store,
    advance: async (ms) => {
      now += ms;
    },
  };
});
