import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { createStore } from '../../src/stores/create-store.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import { describeWithRedis } from './redis-available.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-create-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createStore(env)', () => {
  it('defaults to memory, with json', async () => {
    const store = createStore({});
    expect(store).toBeInstanceOf(MemoryStore);
    await store.set('d', new Date(3));
    expect(await store.get('d')).toEqual(new Date(3));
    await expect(store.set('m', new Map())).rejects.toThrow(/Map is not serializable/);
  });

  it('reads prefix, ttl and serializer', async () => {
    const path = join(dir, 'env.db');
    const store = createStore({
      ROUTILUX_STORE: `sqlite:${path}`,
      ROUTILUX_STORE_PREFIX: 'app:',
      ROUTILUX_STORE_TTL: '60000',
      ROUTILUX_STORE_SERIALIZER: 'structured',
    });
    expect(store).toBeInstanceOf(SqliteStore);
    await store.set('m', new Map([[1, 2]]));
    expect(await store.get('m')).toEqual(new Map([[1, 2]]));
    await store.close();
    const raw = new SqliteStore({ path, serializer: 'structured' });
    expect(await raw.keys()).toEqual(['app:m']);
    await raw.close();
  });

  it('accepts sqlite::memory:', async () => {
    const store = createStore({ ROUTILUX_STORE: 'sqlite::memory:' });
    await store.set('k', 1);
    expect(await store.get('k')).toBe(1);
    await store.close();
  });

  it.each([
    [{ ROUTILUX_STORE: 'mongo://x' }, /^ROUTILUX_STORE must be "memory", a Redis URL .*received "mongo:\/\/x"/],
    [{ ROUTILUX_STORE: 'redis://localhost:6379/cache' }, /^ROUTILUX_STORE must be .*database after the port must be a number/],
    [{ ROUTILUX_STORE: 'redis://:bad port' }, /^ROUTILUX_STORE must be .*does not parse/],
    [{ ROUTILUX_STORE: 'sqlite:' }, /^ROUTILUX_STORE must be .*path after "sqlite:" is empty/],
    [{ ROUTILUX_STORE_TTL: '1h' }, /^ROUTILUX_STORE_TTL must be a positive whole number of milliseconds.*received "1h"/],
    [{ ROUTILUX_STORE_TTL: '0' }, /^ROUTILUX_STORE_TTL must be/],
    [{ ROUTILUX_STORE_SERIALIZER: 'pickle' }, /^ROUTILUX_STORE_SERIALIZER must be "json" or "structured"; received "pickle"/],
    [{ ROUTILUX_STORE_TTTL: '100' }, /^ROUTILUX_STORE_TTTL must be left out: it is not a setting/],
  ])('names the variable when a value is bad: %j', (env, message) => {
    let error: unknown;
    try {
      createStore(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(message);
  });
});

describeWithRedis('createStore(env) with Redis', (url) => {
  it('creates a RedisStore from a redis:// URL with a db number', async () => {
    const store = createStore({ ROUTILUX_STORE: `${url}/3`, ROUTILUX_STORE_PREFIX: 'create-store-test:' });
    expect(store).toBeInstanceOf(RedisStore);
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    const db0 = createStore({ ROUTILUX_STORE: `${url}/0`, ROUTILUX_STORE_PREFIX: 'create-store-test:' });
    expect(await db0.get('k')).toBeUndefined();
    await store.clear();
    await store.close();
    await db0.close();
  });
});

describe('createStore(env): variables that are not strings', () => {
  it.each(['ROUTILUX_STORE', 'ROUTILUX_STORE_PREFIX', 'ROUTILUX_STORE_TTL', 'ROUTILUX_STORE_SERIALIZER'])('%s: 5 or null is refused naming the variable', (name) => {
    for (const value of [5, null, { url: 'x' }]) {
      const error = (() => {
        try {
          createStore({ [name]: value } as never);
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(name);
    }
  });
});
