/**
 * Fenced writes on a real redis-server: applied all-or-nothing while no newer token exists, refused with
 * FencedOutError (nothing applied) once one does; conditions; keys outside the worker refused; values encoded as
 * RedisStore encodes them, so the store reads back what a fenced writer wrote.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fencedWriter } from '../../src/cluster/fenced-store.js';
import { leaseKeys, workerKeyPrefix } from '../../src/cluster/keys.js';
import { FencedOutError, InvalidArgumentError } from '../../src/errors.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { describeWithRedis } from '../stores/redis-available.js';

const run = `${process.pid}-${Date.now().toString(36)}`;

describeWithRedis('fenced writes', (url) => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(url);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('applies while the token is current, and refuses everything once a newer token exists', async () => {
    const w = `fw-${run}-1`;
    const p = workerKeyPrefix(w);
    await redis.set(leaseKeys('', w).fence, '3');
    const current = fencedWriter(redis, w, 3);
    await current.writeAtomically([[`${p}a`, { n: 1 }], [`${p}b`, 'x', 60_000]], []);
    expect(await redis.get(`${p}a`)).toBe('{"n":1}');
    expect(await redis.pttl(`${p}b`)).toBeGreaterThan(50_000);

    await redis.incr(leaseKeys('', w).fence); // another node took the worker: token 4
    const error = await current.writeAtomically([[`${p}a`, { n: 2 }], [`${p}c`, 1]], [`${p}b`]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FencedOutError);
    expect(error).toMatchObject({ code: 'FENCED_OUT', workerId: w, token: 3, currentToken: 4 });
    expect(await redis.get(`${p}a`)).toBe('{"n":1}'); // nothing of the batch applied
    expect(await redis.exists(`${p}b`, `${p}c`)).toBe(1);
    await expect(fencedWriter(redis, w, 2).apply({ ops: [{ op: 'delete', key: `${p}a` }] })).rejects.toThrow(FencedOutError);

    const next = fencedWriter(redis, w, 4);
    await next.writeAtomically([[`${p}c`, 1]], [`${p}a`, `${p}b`]);
    expect(await redis.exists(`${p}a`, `${p}b`)).toBe(0);
    expect(await redis.get(`${p}c`)).toBe('1');
  });

  it('conditions are checked in the same script: false and nothing applied when one fails', async () => {
    const w = `fw-${run}-2`;
    const p = workerKeyPrefix(w);
    await redis.set(leaseKeys('', w).fence, '1');
    const writer = fencedWriter(redis, w, 1);
    const accept = () => writer.apply({ conditions: [{ key: `${p}job:1`, absent: true }], ops: [{ op: 'set', key: `${p}job:1`, value: 'accepted' }] });
    expect(await accept()).toBe(true);
    expect(await accept()).toBe(false);
    const finish = () =>
      writer.apply({
        conditions: [{ key: `${p}job:1`, equals: 'accepted' }],
        ops: [
          { op: 'set', key: `${p}job:1`, value: 'done' },
          { op: 'increment', key: `${p}count`, by: 5 },
        ],
      });
    expect(await finish()).toBe(true);
    expect(await finish()).toBe(false);
    expect(await redis.mget(`${p}job:1`, `${p}count`)).toEqual(['"done"', '5']);
  });

  it('refuses keys outside the worker, the lease and fence keys, and bad tokens, with InvalidArgumentError', async () => {
    const w = `fw-${run}-3`;
    expect(() => fencedWriter(redis, w, 0)).toThrow(InvalidArgumentError);
    expect(() => fencedWriter(redis, '', 1)).toThrow(InvalidArgumentError);
    // A brace in a worker id is percent-encoded, so the id stays the keys' hash tag.
    expect(workerKeyPrefix('a}b')).toBe('routilux:{a%7Db}:');
    expect(() => fencedWriter(redis, w, 1, { keyPrefix: '{x}' })).toThrow(InvalidArgumentError);
    const writer = fencedWriter(redis, w, 1);
    await expect(writer.writeAtomically([['routilux:{other}:x', 1]])).rejects.toThrow(/a key of worker/);
    await expect(writer.writeAtomically([[`${workerKeyPrefix(w)}fence`, 1]])).rejects.toThrow(/not the lease or fence key/);
    await expect(writer.apply({ ops: [{ op: 'increment', key: `${workerKeyPrefix(w)}n`, by: 0.5 }] })).rejects.toThrow(InvalidArgumentError);
  });

  it('writes values as RedisStore encodes them (json with Dates, structured with Maps) under its keyPrefix', async () => {
    for (const serializer of ['json', 'structured'] as const) {
      const w = `fw-${run}-${serializer}`;
      const keyPrefix = `app-${serializer}:`;
      await redis.set(leaseKeys(keyPrefix, w).fence, '1');
      const value = serializer === 'json' ? { at: new Date(5), $tag: 'x', list: [1, 'a'] } : { m: new Map([[1, 2n]]) };
      await fencedWriter(redis, w, 1, { keyPrefix, serializer }).writeAtomically([[`${workerKeyPrefix(w)}v`, value]]);
      const store = new RedisStore({ url, keyPrefix, serializer });
      try {
        expect(await store.get(`${workerKeyPrefix(w)}v`)).toEqual(value);
      } finally {
        await store.close();
      }
    }
  });
});
