/**
 * Store constructors refuse option bags that are not plain objects and `null` for options typed "value or
 * undefined" (null is never taken for "not set").
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';

const construct = {
  MemoryStore: (options: unknown) => new MemoryStore(options as never),
  RedisStore: (options: unknown) => new RedisStore(options as never),
  SqliteStore: (options: unknown) => new SqliteStore(options as never),
};

function refusal(make: () => unknown): unknown {
  try {
    const store = make() as { close(): Promise<void> };
    void store.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('store option bags', () => {
  it.each(Object.entries(construct))('%s refuses bags that are not plain objects', (_name, make) => {
    for (const bag of [new Date(), 'x', 5, null, [], new Map(), () => ({})]) {
      expect(refusal(() => make(bag)), String(bag)).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it.each([
    ['MemoryStore', { maxEntries: null }],
    ['MemoryStore', { ttl: null }],
    ['MemoryStore', { sweepInterval: null }],
    ['MemoryStore', { serializer: null }],
    ['MemoryStore', { keyPrefix: null }],
    ['MemoryStore', { onEvict: null }],
    ['MemoryStore', { now: null }],
    ['RedisStore', { url: null }],
    ['RedisStore', { client: null }],
    ['RedisStore', { ttl: null }],
    ['RedisStore', { serializer: null }],
    ['RedisStore', { connectTimeout: null }],
    ['RedisStore', { commandTimeout: null }],
    ['RedisStore', { scanCount: null }],
    ['RedisStore', { keyPrefix: null }],
    ['SqliteStore', { path: ':memory:', table: null }],
    ['SqliteStore', { path: ':memory:', ttl: null }],
    ['SqliteStore', { path: ':memory:', serializer: null }],
    ['SqliteStore', { path: ':memory:', sweepInterval: null }],
    ['SqliteStore', { path: ':memory:', synchronous: null }],
    ['SqliteStore', { path: ':memory:', busyTimeout: null }],
    ['SqliteStore', { path: ':memory:', now: null }],
    ['SqliteStore', { path: ':memory:', keyPrefix: null }],
  ] as const)('%s refuses %j', (name, options) => {
    const error = refusal(() => construct[name](options));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const option = Object.keys(options).find((k) => k !== 'path')!;
    expect((error as Error).message).toContain(option);
  });

  it('accepts Object.create(null) bags', async () => {
    const store = new MemoryStore(Object.assign(Object.create(null) as object, { maxEntries: 2 }));
    await store.set('a', 1);
    expect(await store.get('a')).toBe(1);
    await store.close();
  });
});
