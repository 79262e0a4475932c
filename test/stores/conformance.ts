/**
 * The behaviour every KeyValueStore backend shares. Each backend's test file calls `describeConformance` with a
 * factory; the cases are the same for memory, Redis and SQLite.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { KeyValueStore } from '../../src/stores/types.js';
import { atomicCases } from './conformance-atomic.js';
import { keyspaceCases } from './conformance-keyspace.js';
import { valueCases } from './conformance-values.js';

export interface HarnessOptions {
  readonly ttl?: number;
  readonly serializer?: 'json' | 'structured';
  readonly keyPrefix?: string;
}

export interface Harness {
  readonly store: KeyValueStore;
  /** Lets `ms` pass for the store's TTLs: moves a fake clock, or sleeps for a server that keeps its own time. */
  advance(ms: number): Promise<void>;
}

/**
 * Creates a store on the backend under test. Stores made with the same `testId` share one backend (database
 * file, Redis key space) where the backend can be shared, so keyPrefix isolation is tested for real there.
 */
export type HarnessFactory = (options: HarnessOptions, testId: number) => Promise<Harness>;

export interface ConformanceContext {
  /** A new store on the backend under test, closed after the test. */
  fresh(options?: HarnessOptions): Promise<KeyValueStore>;
  /** The same, with the harness (to let time pass). */
  make(options?: HarnessOptions): Promise<Harness>;
}

export function describeConformance(name: string, factory: HarnessFactory): void {
  describe(`${name}: KeyValueStore conformance`, () => {
    const open: KeyValueStore[] = [];
    let testId = 0;
    beforeEach(() => {
      testId++;
    });
    const make = async (options: HarnessOptions = {}) => {
      const harness = await factory(options, testId);
      open.push(harness.store);
      return harness;
    };
    const fresh = async (options: HarnessOptions = {}) => (await make(options)).store;
    afterEach(async () => {
      for (const store of open.splice(0)) {
        await store.clear().catch(() => undefined);
        await store.close();
      }
    });

    valueCases({ fresh, make });
    keyspaceCases({ fresh, make });
    atomicCases({ fresh, make });
  });
}
