/**
 * MemoryStore against a deliberately naive model (a Map in recency order, expiry checked by brute force) under
 * random operations, TTLs, clock advances and LRU bounds. Seeded, so every run checks the same cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/stores/memory-store.js';
import type { EvictionReason } from '../../src/stores/types.js';

type Event = [key: string, value: unknown, reason: EvictionReason];

class Model {
  /** Oldest use first. */
  readonly entries = new Map<string, { value: number; expires: number }>();
  readonly events: Event[] = [];
  now = 0;

  constructor(
    readonly max: number,
    readonly defaultTtl: number | undefined,
  ) {}

  #expired(key: string): boolean {
    return this.entries.get(key)!.expires <= this.now;
  }

  #drop(key: string, reason: EvictionReason): void {
    this.events.push([key, this.entries.get(key)!.value, reason]);
    this.entries.delete(key);
  }

  get(key: string): number | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.#expired(key)) {
      this.#drop(key, 'expired');
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: number, ttl: number | undefined): void {
    const t = ttl ?? this.defaultTtl;
    const expires = t === undefined ? Infinity : this.now + t;
    if (this.entries.has(key)) this.#drop(key, this.#expired(key) ? 'expired' : 'overwritten');
    else if (this.entries.size >= this.max) {
      // Expired entries give up their places first; only then is a live one evicted.
      this.purge();
      if (this.entries.size >= this.max) this.#drop(this.entries.keys().next().value!, 'evicted');
    }
    this.entries.set(key, { value, expires });
  }

  delete(key: string): boolean {
    if (!this.entries.has(key)) return false;
    const live = !this.#expired(key);
    this.#drop(key, live ? 'deleted' : 'expired');
    return live;
  }

  exists(key: string): boolean {
    if (!this.entries.has(key)) return false;
    if (!this.#expired(key)) return true;
    this.#drop(key, 'expired');
    return false;
  }

  keys(prefix: string): string[] {
    return [...this.entries.keys()]
      .filter((k) => k.startsWith(prefix) && !this.#expired(k))
      .map((k) => k.slice(prefix.length))
      .sort();
  }

  purge(): number {
    const expired = [...this.entries.keys()].filter((k) => this.#expired(k));
    for (const key of expired) this.#drop(key, 'expired');
    return expired.length;
  }

  clear(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.#drop(key, this.#expired(key) ? 'expired' : 'deleted');
  }
}

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 's:a', 's:b');
const ttl = fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined });
const command = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.integer(), ttl }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('exists' as const), key }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('keys' as const), scoped: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('purge' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('getMany' as const), keys: fc.array(key, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setMany' as const), keys: fc.uniqueArray(key, { maxLength: 4 }), value: fc.integer(), ttl }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteMany' as const), keys: fc.array(key, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('scopedSet' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer(), ttl }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('scopedGet' as const), key: fc.constantFrom('a', 'b', 'c') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const), scoped: fc.boolean() }) },
);

describe('MemoryStore behaves like the model', () => {
  it('under random operations, TTLs, clock advances and LRU bounds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined }),
        fc.constantFrom('json', 'none') as fc.Arbitrary<'json' | 'none'>,
        async (commands, max, defaultTtl, serializer) => {
          const model = new Model(max, defaultTtl);
          const events: Event[] = [];
          const store = new MemoryStore<number>({
            maxEntries: max,
            ...(defaultTtl !== undefined ? { ttl: defaultTtl } : {}),
            serializer,
            sweepInterval: 0,
            now: () => model.now,
            onEvict: (k, v, r) => void events.push([k, v, r]),
          });
          const scope = store.scope('s');
          for (const c of commands) {
            let actual: unknown;
            let expected: unknown;
            switch (c.op) {
              case 'set':
                actual = await store.set(c.key, c.value, c.ttl === undefined ? undefined : { ttl: c.ttl });
                expected = model.set(c.key, c.value, c.ttl);
                break;
              case 'get':
                [actual, expected] = [await store.get(c.key), model.get(c.key)];
                break;
              case 'delete':
                [actual, expected] = [await store.delete(c.key), model.delete(c.key)];
                break;
              case 'exists':
                [actual, expected] = [await store.exists(c.key), model.exists(c.key)];
                break;
              case 'advance':
                model.now += c.ms;
                break;
              case 'keys':
                [actual, expected] = [await (c.scoped ? scope : store).keys(), model.keys(c.scoped ? 's:' : '')];
                break;
              case 'purge':
                [actual, expected] = [store.purgeExpired(), model.purge()];
                break;
              case 'getMany':
                [actual, expected] = [await store.getMany(c.keys), c.keys.map((k) => model.get(k))];
                break;
              case 'setMany':
                actual = await store.setMany(
                  c.keys.map((k) => [k, c.value] as const),
                  c.ttl === undefined ? undefined : { ttl: c.ttl },
                );
                for (const k of c.keys) model.set(k, c.value, c.ttl);
                break;
              case 'deleteMany':
                [actual, expected] = [await store.deleteMany(c.keys), c.keys.filter((k) => model.delete(k)).length];
                break;
              case 'scopedSet':
                actual = await scope.set(c.key, c.value, c.ttl === undefined ? undefined : { ttl: c.ttl });
                model.set(`s:${c.key}`, c.value, c.ttl);
                break;
              case 'scopedGet':
                [actual, expected] = [await scope.get(c.key), model.get(`s:${c.key}`)];
                break;
              case 'clear':
                actual = await (c.scoped ? scope : store).clear();
                model.clear(c.scoped ? 's:' : '');
                break;
            }
            expect(actual, JSON.stringify(c)).toEqual(expected);
            expect(events, JSON.stringify(c)).toEqual(model.events);
            expect(store.size).toBe(model.entries.size);
            expect(store.size).toBeLessThanOrEqual(max);
          }
          await store.close();
        },
      ),
      { seed: 20_240_601, numRuns: 1000 },
    );
  });
});
