import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ReadonlyStoreError, SerializationError, StoreValueTypeError } from '../../src/errors.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import type { ConformanceContext } from './conformance.js';

/** TTL used by the cases: short enough to sleep through on Redis, long enough not to expire by accident. */
const TTL = 200;

/** increment, setIfAbsent, compareAndSet and batch: atomic on every backend, also under concurrency. */
export function atomicCases({ fresh, make }: ConformanceContext): void {
  describe('increment', () => {
    it('counts from 0 for a missing key, by 1 unless told, and the stored value is a plain number', async () => {
      const store = await fresh();
      expect(await store.increment('hits')).toBe(1);
      expect(await store.increment('hits')).toBe(2);
      expect(await store.increment('hits', 10)).toBe(12);
      expect(await store.increment('hits', -20)).toBe(-8);
      expect(await store.increment('zero', 0)).toBe(0);
      expect(await store.get('hits')).toBe(-8);
      await store.set('set-first', 41);
      expect(await store.increment('set-first')).toBe(42);
    });

    it('sets the ttl only when it creates the key; an existing key keeps its own', async () => {
      const { store, advance } = await make();
      expect(await store.increment('window', 1, { ttl: TTL })).toBe(1);
      expect(await store.increment('window', 1, { ttl: TTL * 50 })).toBe(2);
      await store.set('forever', 5);
      expect(await store.increment('forever', 1, { ttl: TTL })).toBe(6);
      await advance(TTL * 1.5);
      expect(await store.get('window')).toBeUndefined();
      expect(await store.get('forever')).toBe(6);
      expect(await store.increment('window', 1, { ttl: TTL })).toBe(1); // an expired key counts as missing
    });

    it('applies the store default ttl to a key it creates', async () => {
      const { store, advance } = await make({ ttl: TTL });
      expect(await store.increment('n')).toBe(1);
      await advance(TTL * 1.5);
      expect(await store.exists('n')).toBe(false);
    });

    it.each([
      ['a string', 'ten'],
      ['a numeric string', '10'],
      ['a fraction', 1.5],
      ['an object', { n: 1 }],
      ['null', null],
    ])('refuses a key holding %s with StoreValueTypeError and changes nothing', async (_label, value) => {
      const store = await fresh();
      await store.set('k', value);
      const error = await store.increment('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreValueTypeError);
      expect((error as Error).message).toMatch(/Cannot increment "k"/);
      expect(await store.get('k')).toEqual(value);
    });

    it('refuses to pass Number.MAX_SAFE_INTEGER', async () => {
      const store = await fresh();
      await store.set('big', Number.MAX_SAFE_INTEGER - 1);
      expect(await store.increment('big')).toBe(Number.MAX_SAFE_INTEGER);
      await expect(store.increment('big')).rejects.toBeInstanceOf(StoreValueTypeError);
      expect(await store.get('big')).toBe(Number.MAX_SAFE_INTEGER);
      await store.set('low', -Number.MAX_SAFE_INTEGER);
      await expect(store.increment('low', -1)).rejects.toBeInstanceOf(StoreValueTypeError);
    });

    it.each([1.5, '1', Number.NaN, Infinity, null, 2 ** 60])('refuses by = %j with InvalidArgumentError', async (by) => {
      const store = await fresh();
      await expect(store.increment('k', by as number)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await store.exists('k')).toBe(false);
    });

    it('refuses ttl: null and options that are not an object', async () => {
      const store = await fresh();
      await expect(store.increment('k', 1, { ttl: null as unknown as number })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.increment('k', 1, 5 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await store.exists('k')).toBe(false);
    });

    it('100 concurrent increments end at exactly 100, each result seen once', async () => {
      const store = await fresh();
      const results = await Promise.all(Array.from({ length: 100 }, () => store.increment('counter')));
      expect(await store.get('counter')).toBe(100);
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('works with the structured serializer too (also concurrently)', async () => {
      const store = await fresh({ serializer: 'structured' });
      const results = await Promise.all(Array.from({ length: 30 }, () => store.increment('counter', 2)));
      expect(await store.get('counter')).toBe(60);
      expect(new Set(results).size).toBe(30);
      await store.set('text', 'x');
      await expect(store.increment('text')).rejects.toBeInstanceOf(StoreValueTypeError);
    });
  });

  describe('setIfAbsent', () => {
    it('writes only when the key holds no live value', async () => {
      const { store, advance } = await make();
      expect(await store.setIfAbsent('lock', { owner: 'a' }, { ttl: TTL })).toBe(true);
      expect(await store.setIfAbsent('lock', { owner: 'b' })).toBe(false);
      expect(await store.get('lock')).toEqual({ owner: 'a' });
      await advance(TTL * 1.5);
      expect(await store.setIfAbsent('lock', { owner: 'b' })).toBe(true);
      expect(await store.get('lock')).toEqual({ owner: 'b' });
      await store.set('nothing', null);
      expect(await store.setIfAbsent('nothing', 1)).toBe(false);
    });

    it('of 50 concurrent callers exactly one wins', async () => {
      const store = await fresh();
      const won = await Promise.all(Array.from({ length: 50 }, (_, i) => store.setIfAbsent('leader', i)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await store.get('leader')).toBe(won.indexOf(true));
    });

    it('refuses a value it cannot serialize, writing nothing', async () => {
      const store = await fresh();
      await expect(store.setIfAbsent('k', { f: () => 1 })).rejects.toBeInstanceOf(SerializationError);
      expect(await store.exists('k')).toBe(false);
    });
  });

  describe('compareAndSet', () => {
    it('replaces the value only when it is the expected one', async () => {
      const store = await fresh();
      await store.set('doc', { v: 1, tags: ['a'] });
      expect(await store.compareAndSet('doc', { v: 2, tags: ['a'] }, { v: 3, tags: [] })).toBe(false);
      expect(await store.get('doc')).toEqual({ v: 1, tags: ['a'] });
      const read = await store.get('doc');
      expect(await store.compareAndSet('doc', read, { v: 2, tags: ['a', 'b'] })).toBe(true);
      expect(await store.get('doc')).toEqual({ v: 2, tags: ['a', 'b'] });
    });

    it('expected undefined means "only if missing"', async () => {
      const store = await fresh();
      expect(await store.compareAndSet('k', undefined, 1)).toBe(true);
      expect(await store.compareAndSet('k', undefined, 2)).toBe(false);
      expect(await store.get('k')).toBe(1);
      expect(await store.compareAndSet('missing', 1, 2)).toBe(false);
      expect(await store.exists('missing')).toBe(false);
    });

    it('keeps the key’s ttl unless a ttl is given', async () => {
      const { store, advance } = await make();
      await store.set('kept', 1, { ttl: TTL });
      await store.set('renewed', 1, { ttl: TTL });
      expect(await store.compareAndSet('kept', 1, 2)).toBe(true);
      expect(await store.compareAndSet('renewed', 1, 2, { ttl: TTL * 50 })).toBe(true);
      await advance(TTL * 1.5);
      expect(await store.get('kept')).toBeUndefined();
      expect(await store.get('renewed')).toBe(2);
    });

    it('20 concurrent read-modify-write loops lose no update', async () => {
      const store = await fresh();
      await store.set('list', []);
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          for (;;) {
            const current = (await store.get('list')) as number[];
            if (await store.compareAndSet('list', current, [...current, i])) return;
          }
        }),
      );
      expect(((await store.get('list')) as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });
  });

  describe('batch', () => {
    it('applies sets (each with its own ttl) and deletes, later operations winning', async () => {
      const { store, advance } = await make();
      await store.setMany([['old', 1], ['keep', 2]]);
      await store.batch([
        { op: 'set', key: 'a', value: { n: 1 } },
        { op: 'set', key: 'short', value: 's', ttl: TTL },
        { op: 'delete', key: 'old' },
        { op: 'set', key: 'b', value: 1 },
        { op: 'set', key: 'b', value: 2 },
        { op: 'delete', key: 'missing' },
      ]);
      expect(await store.getMany(['a', 'short', 'old', 'b', 'keep'])).toEqual([{ n: 1 }, 's', undefined, 2, 2]);
      await advance(TTL * 1.5);
      expect(await store.keys()).toEqual(['a', 'b', 'keep']);
      await store.batch([]);
    });

    it('applies nothing when one value cannot be serialized', async () => {
      const store = await fresh();
      await store.set('a', 'before');
      const error = await store
        .batch([
          { op: 'set', key: 'a', value: 'after' },
          { op: 'delete', key: 'a' },
          { op: 'set', key: 'bad', value: { when: undefined } },
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toBe('bad.when');
      expect(await store.keys()).toEqual(['a']);
      expect(await store.get('a')).toBe('before');
    });

    it.each([
      ['not an array', { op: 'set', key: 'a', value: 1 }],
      ['an unknown op', [{ op: 'set', key: 'a', value: 1 }, { op: 'put', key: 'b', value: 1 }]],
      ['a bad key', [{ op: 'set', key: 'a', value: 1 }, { op: 'delete', key: '' }]],
      ['a symbol key', [{ op: 'delete', key: Symbol('k') }]],
      ['ttl: null', [{ op: 'set', key: 'a', value: 1, ttl: null }]],
      ['a misspelt field', [{ op: 'set', key: 'a', valeu: 1 }]],
      ['null', [null]],
    ])('refuses %s with InvalidArgumentError and applies nothing', async (_label, operations) => {
      const store = await fresh();
      await expect(store.batch(operations as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await store.keys()).toEqual([]);
    });
  });

  describe('through views', () => {
    it('a scope keeps its prefix; a read-only view refuses every atomic write', async () => {
      const store = await fresh();
      const scope = store.scope('rate');
      expect(await scope.increment('ip')).toBe(1);
      expect(await scope.setIfAbsent('first', true)).toBe(true);
      expect(await scope.compareAndSet('first', true, false)).toBe(true);
      await scope.batch([{ op: 'set', key: 'b', value: 1 }]);
      expect(await store.keys()).toEqual(['rate:b', 'rate:first', 'rate:ip']);
      const view = store.readonly() as unknown as KeyValueStore;
      for (const call of [
        () => view.increment('rate:ip'),
        () => view.setIfAbsent('x', 1),
        () => view.compareAndSet('rate:first', false, true),
        () => view.batch([{ op: 'delete', key: 'rate:b' }]),
        () => (store.scope('rate').readonly() as unknown as KeyValueStore).increment('ip'),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(ReadonlyStoreError);
      }
      expect(await store.getMany(['rate:ip', 'rate:first', 'rate:b'])).toEqual([1, false, 1]);
    });
  });
}
