import { randomUUID } from 'node:crypto';
import { deserialize } from 'node:v8';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InvalidArgumentError, SerializationError, StoreConnectionError } from '../../src/errors.js';
import { StoreOperationError } from '../../src/errors.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { freePort } from '../setup/redis-server.js';
import { describeWithRedis } from './redis-available.js';

describeWithRedis('RedisStore on a real redis-server', (url) => {
  let raw: Redis;
  let prefix: string;
  beforeAll(() => {
    raw = new Redis(url);
    prefix = `redis-store-test:${randomUUID().slice(0, 8)}:`;
  });
  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await raw.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    raw.disconnect();
  });

  it('stores JSON under keyPrefix + scopes, with the TTL set by PX', async () => {
    const store = new RedisStore({ url, keyPrefix: prefix });
    await store.scope('user').scope('admin').set('1', { name: 'root', at: new Date(0) });
    expect(JSON.parse((await raw.get(`${prefix}user:admin:1`))!)).toEqual({ name: 'root', at: { $date: '1970-01-01T00:00:00.000Z' } });
    await store.set('ttl', 1, { ttl: 1500 });
    const pttl = await raw.pttl(`${prefix}ttl`);
    expect(pttl).toBeGreaterThan(1000);
    expect(pttl).toBeLessThanOrEqual(1500);
    await store.set('ttl', 2); // overwriting without a ttl clears it
    expect(await raw.pttl(`${prefix}ttl`)).toBe(-1);
    await store.close();
  });

  it('lists and clears keys with SCAN, never KEYS, and batches with MGET and pipelines', async () => {
    const store = new RedisStore({ url, keyPrefix: `${prefix}batch:` });
    const monitor = await new Redis(url).monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((a) => a.includes(`${prefix}batch:`))) commands.push(args[0]!.toUpperCase());
    });
    await store.setMany(Array.from({ length: 50 }, (_, i) => [`k${i}`, i] as const));
    expect(await store.getMany(['k0', 'k49', 'nope'])).toEqual([0, 49, undefined]);
    expect((await store.keys('k4*')).length).toBe(11);
    for await (const key of store.scope('none').scan()) throw new Error(`unexpected ${key}`);
    await store.clear();
    expect(await store.keys()).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    monitor.disconnect();
    expect(commands.filter((c) => c === 'SET').length).toBe(50);
    expect(commands.filter((c) => c === 'MGET').length).toBe(1);
    expect(commands.filter((c) => c === 'GET').length).toBe(0);
    expect(commands).toContain('SCAN');
    expect(commands).toContain('UNLINK');
    expect(commands).not.toContain('KEYS');
    await store.close();
  });

  it('getMany with 150,000 keys: chunked MGETs, results in key order, missing keys undefined', async () => {
    const store = new RedisStore({ url, keyPrefix: `${prefix}big:`, commandTimeout: 30_000 });
    const n = 150_000;
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    await store.setMany(keys.filter((_, i) => i % 3 !== 0).map((k, i) => [k, i] as const));
    const asked = [...keys].reverse();
    asked.splice(70_000, 0, 'missing');
    const values = await store.getMany(asked);
    expect(values).toHaveLength(n + 1);
    const expected = new Map<string, number>();
    keys.filter((_, i) => i % 3 !== 0).forEach((k, i) => expected.set(k, i));
    for (let i = 0; i < asked.length; i++) {
      if (values[i] !== expected.get(asked[i]!)) throw new Error(`getMany[${i}] (${asked[i]}) is ${values[i]}, not ${expected.get(asked[i]!)}`);
    }
    expect(values[70_000]).toBeUndefined();
    expect(await store.deleteMany(keys)).toBe(expected.size);
    await store.close();
  });

  it('getMany sends one MGET per 1,000 keys, in one pipeline', async () => {
    const store = new RedisStore({ url, keyPrefix: `${prefix}chunks:` });
    await store.setMany(Array.from({ length: 2500 }, (_, i) => [`k${i}`, i] as const));
    const monitor = await new Redis(url).monitor();
    const mgets: number[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]!.toUpperCase() === 'MGET' && args[1]!.startsWith(`${prefix}chunks:`)) mgets.push(args.length - 1);
    });
    const keys = Array.from({ length: 2500 }, (_, i) => `k${2499 - i}`);
    expect(await store.getMany(keys)).toEqual(keys.map((k) => Number(k.slice(1))));
    await new Promise((r) => setTimeout(r, 50));
    monitor.disconnect();
    expect(mgets).toEqual([1000, 1000, 500]);
    await store.clear();
    await store.close();
  });

  it('clear() unlinks in chunks even when SCAN pages are huge (scanCount 1,000,000)', async () => {
    const store = new RedisStore({ url, keyPrefix: `${prefix}clear:`, scanCount: 1_000_000, commandTimeout: 30_000 });
    await store.setMany(Array.from({ length: 250_000 }, (_, i) => [`k${i}`, i] as const));
    const [, page] = await raw.scan('0', 'MATCH', `${prefix}clear:*`, 'COUNT', 1_000_000);
    expect(page.length).toBeGreaterThan(200_000); // one SCAN page: too many keys for one UNLINK(...keys)
    await store.clear();
    expect(await store.keys()).toEqual([]);
    await store.close();
  });

  it('structured values are stored as v8 bytes', async () => {
    const store = new RedisStore({ url, keyPrefix: prefix, serializer: 'structured' });
    await store.set('map', new Map([['a', 1n]]));
    expect(deserialize((await raw.getBuffer(`${prefix}map`))!)).toEqual(new Map([['a', 1n]]));
    expect(await store.get('map')).toEqual(new Map([['a', 1n]]));
    await store.close();
  });

  it('data written by another program: undecodable → SerializationError, wrong Redis type → StoreOperationError', async () => {
    const store = new RedisStore({ url, keyPrefix: prefix });
    await raw.set(`${prefix}foreign`, 'not json {');
    await raw.hset(`${prefix}hash`, 'field', 'value');
    await expect(store.get('foreign')).rejects.toBeInstanceOf(SerializationError);
    const error = await store.get('hash').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOperationError);
    expect((error as Error).message).toMatch(/WRONGTYPE.*delete it or use another keyPrefix/);
    await store.close();
  });

  it('uses a client it is given and leaves it open on close()', async () => {
    const client = new Redis(url);
    const store = new RedisStore({ client, keyPrefix: prefix });
    await store.set('via-client', 1);
    expect(await store.get('via-client')).toBe(1);
    await store.close();
    expect(await client.get(`${prefix}via-client`)).toBe('1');
    client.disconnect();
  });

  it('refuses a client with its own keyPrefix, a url with a client, and a url that is not Redis', () => {
    const prefixed = new Redis(url, { keyPrefix: 'x:', lazyConnect: true });
    expect(() => new RedisStore({ client: prefixed })).toThrow(/without its own keyPrefix/);
    expect(() => new RedisStore({ client: prefixed, url })).toThrow(InvalidArgumentError);
    expect(() => new RedisStore({ url: 'http://localhost:6379' })).toThrow(/url must be a Redis URL/);
    expect(() => new RedisStore({ url, commandTimeout: 0 })).toThrow(/commandTimeout must be a whole number of milliseconds from 1 to 2147483647/);
    prefixed.disconnect();
  });

  it('refuses connectTimeout and commandTimeout above 2^31−1 ms (a Node timer would fire after 1 ms); takes the maximum', async () => {
    for (const name of ['connectTimeout', 'commandTimeout'] as const) {
      let error: unknown;
      try {
        new RedisStore({ url, [name]: 2 ** 31 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(new RegExp(`^${name} must be a whole number of milliseconds from 1 to 2147483647 \\(2\\^31−1 ms`));
    }
    expect(() => new RedisStore({ url, ttl: 2 ** 53 })).toThrow(/ttl must be a positive number of milliseconds up to Number\.MAX_SAFE_INTEGER/);
    const store = new RedisStore({ url, keyPrefix: prefix, connectTimeout: 2_147_483_647, commandTimeout: 2_147_483_647 });
    await store.set('max-timeouts', 1, { ttl: 2 ** 31 });
    expect(await store.get('max-timeouts')).toBe(1);
    expect(await raw.pttl(`${prefix}max-timeouts`)).toBeGreaterThan(2 ** 31 - 1000);
    await store.close();
  });

  it('when nothing listens, fails with StoreConnectionError within connectTimeout', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeout: 300 });
    const started = performance.now();
    const error = await store.set('k', 1).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect((error as Error).message).toMatch(/is not reachable \(last error: .*ECONNREFUSED.*set "k" was not performed/);
    expect(elapsed).toBeLessThan(300 + 250);
    await store.close();
  });

  it('hides the password in messages', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://user:secret@127.0.0.1:${port}/2`, connectTimeout: 50 });
    const error = await store.get('k').catch((e: unknown) => e);
    expect((error as Error).message).toContain(`redis://user:***@127.0.0.1:${port}/2`);
    expect((error as Error).message).not.toContain('secret');
    await store.close();
  });
});
