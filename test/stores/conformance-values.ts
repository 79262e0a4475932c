import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, SerializationError } from '../../src/errors.js';
import type { ConformanceContext } from './conformance.js';

/** TTL used by the cases: short enough to sleep through on Redis, long enough not to expire by accident. */
const TTL = 200;

/** Values, serializers, single and batch operations, TTLs. */
export function valueCases({ fresh, make }: ConformanceContext): void {
  describe('values', () => {
    it('returns undefined for a missing key and round-trips JSON values', async () => {
      const store = await fresh();
      expect(await store.get('missing')).toBeUndefined();
      const values: [string, unknown][] = [
        ['string', 'hello'],
        ['empty', ''],
        ['number', -12.5],
        ['zero', 0],
        ['true', true],
        ['false', false],
        ['null', null],
        ['array', [1, 'two', [3], { four: 4 }]],
        ['object', { a: { b: { c: [null, 'd'] } }, 'key with spaces': 1, ü: 'ünïcödé ✓ 🚀' }],
        ['ключ:日本', 'unicode key'],
      ];
      for (const [key, value] of values) await store.set(key, value);
      for (const [key, value] of values) expect(await store.get(key)).toEqual(value);
    });

    it('keeps a large value intact', async () => {
      const store = await fresh();
      const big = { rows: Array.from({ length: 20_000 }, (_, i) => ({ i, s: `row-${i}` })) };
      await store.set('big', big);
      expect(await store.get('big')).toEqual(big);
    });

    it('keeps deeply nested values (deeper than any fast path)', async () => {
      const store = await fresh();
      let deep: unknown = 'leaf';
      for (let i = 0; i < 300; i++) deep = i % 2 ? { next: deep, at: new Date(i) } : [deep];
      await store.set('deep', deep);
      expect(await store.get('deep')).toEqual(deep);
    });

    it('never aliases: later changes to the written or the read object do not reach the store', async () => {
      const store = await fresh();
      const value = { list: [1, 2], nested: { n: 1 } };
      await store.set('k', value);
      value.list.push(3);
      value.nested.n = 99;
      const read = (await store.get('k')) as typeof value;
      expect(read).toEqual({ list: [1, 2], nested: { n: 1 } });
      read.list.push(4);
      expect(await store.get('k')).toEqual({ list: [1, 2], nested: { n: 1 } });
    });

    it('json: Dates come back as Dates, and objects that look like tags or use $ keys come back unchanged', async () => {
      const store = await fresh();
      const value = {
        at: new Date('2024-05-06T07:08:09.010Z'),
        list: [new Date(0), { when: new Date(86_400_000) }],
        invalid: new Date(Number.NaN),
        lookalike: { $date: '2024-01-01T00:00:00.000Z' },
        dollars: { $: 1, $$x: [2], $date: 3, plain: 4 },
      };
      await store.set('dates', value);
      const read = (await store.get('dates')) as typeof value;
      expect(read.at).toBeInstanceOf(Date);
      expect(read.at.toISOString()).toBe('2024-05-06T07:08:09.010Z');
      expect(read.list[0]).toEqual(new Date(0));
      expect((read.list[1] as { when: Date }).when).toEqual(new Date(86_400_000));
      expect(Number.isNaN(read.invalid.getTime())).toBe(true);
      expect(read.lookalike).toEqual({ $date: '2024-01-01T00:00:00.000Z' });
      expect(read.lookalike).not.toBeInstanceOf(Date);
      expect(read.dollars).toEqual({ $: 1, $$x: [2], $date: 3, plain: 4 });
      await store.set('bare-date', new Date(5));
      expect(await store.get('bare-date')).toEqual(new Date(5));
    });

    it('structured: Map, Set, BigInt, typed arrays, NaN and undefined round-trip', async () => {
      const store = await fresh({ serializer: 'structured' });
      const value = {
        map: new Map<unknown, unknown>([['a', 1], [2, new Set(['x'])]]),
        big: 2n ** 70n,
        bytes: new Uint8Array([1, 2, 3]),
        floats: new Float64Array([0.5, -1]),
        nan: Number.NaN,
        inf: -Infinity,
        undef: undefined,
        date: new Date(7),
      };
      await store.set('rich', value);
      expect(await store.get('rich')).toEqual(value);
      await store.set('undefined', undefined);
      expect(await store.exists('undefined')).toBe(true);
    });

    it.each([
      ['a function', { user: { profile: { handler: () => 1 } } }, 'k.user.profile.handler', /function handler is not serializable/],
      ['a Map', { cache: new Map() }, 'k.cache', /Map is not serializable/],
      ['a BigInt', { n: 1n }, 'k.n', /BigInt/],
      ['NaN', { n: Number.NaN }, 'k.n', /NaN/],
      ['undefined in an array', { list: [1, undefined] }, 'k.list[1]', /undefined/],
      ['a class instance', { socket: new (class Socket {})() }, 'k.socket', /Socket is not serializable/],
      ['undefined', undefined, 'k', /undefined/],
      ['undefined inside an object', { a: { b: undefined, c: 1 } }, 'k.a.b', /undefined is not JSON-serializable/],
      ['an own "__proto__" key', JSON.parse('{"a":{"__proto__":{"isAdmin":true}}}'), 'k.a.__proto__', /"__proto__" is not stored/],
    ])('json: refuses %s with a SerializationError naming the path, and writes nothing', async (_label, value, path, reason) => {
      const store = await fresh();
      await store.set('k', 'before');
      const error = await store.set('k', value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toBe(path);
      expect((error as Error).message).toMatch(reason);
      expect(await store.get('k')).toBe('before');
    });

    it('json: refuses a circular value', async () => {
      const store = await fresh();
      const value: Record<string, unknown> = { a: { b: {} } };
      (value.a as Record<string, Record<string, unknown>>).b!.loop = value;
      const error = await store.set('loop', value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toBe('loop.a.b.loop');
      expect(await store.exists('loop')).toBe(false);
    });

    it('structured: refuses functions and class instances with the path', async () => {
      const store = await fresh({ serializer: 'structured' });
      const error = await store.set('s', { m: new Map([['x', { f: () => 1 }]]) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toBe('s.m.get("x").f');
      await expect(store.set('t', { at: new (class Point {})() })).rejects.toThrow(/t\.at: Point is not serializable/);
    });

    it('names the path inside a scope from the root of the store', async () => {
      const store = await fresh();
      await expect(store.scope('user').set('1', { profile: { socket: Symbol('s') } })).rejects.toThrow(/^user:1\.profile\.socket: /);
    });
  });

  describe('basic operations', () => {
    it('delete reports whether a value was removed; exists follows', async () => {
      const store = await fresh();
      await store.set('a', 1);
      expect(await store.exists('a')).toBe(true);
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.exists('a')).toBe(false);
      expect(await store.get('a')).toBeUndefined();
      await store.set('n', null);
      expect(await store.exists('n')).toBe(true);
      expect(await store.get('n')).toBeNull();
    });

    it('getMany keeps the order and gives undefined for missing keys; setMany takes a Map, pairs or an object', async () => {
      const store = await fresh();
      await store.setMany(new Map<string, unknown>([['a', 1], ['b', { two: 2 }]]));
      await store.setMany([['c', [3]]]);
      await store.setMany({ d: 'four', e: null });
      expect(await store.getMany(['e', 'missing', 'a', 'b', 'c', 'd'])).toEqual([null, undefined, 1, { two: 2 }, [3], 'four']);
      expect(await store.getMany([])).toEqual([]);
      expect(await store.keys()).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('setMany writes nothing when one value cannot be serialized', async () => {
      const store = await fresh();
      const error = await store.setMany([['ok', 1], ['bad', { f: () => 0 }], ['ok2', 2]]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toBe('bad.f');
      expect(await store.keys()).toEqual([]);
    });

    it('deleteMany counts only the values it removed', async () => {
      const store = await fresh();
      await store.setMany([['a', 1], ['b', 2], ['c', 3]]);
      expect(await store.deleteMany(['a', 'c', 'zz', 'a'])).toBe(2);
      expect(await store.keys()).toEqual(['b']);
      expect(await store.deleteMany([])).toBe(0);
    });

    it('handles batches bigger than one backend page', async () => {
      const store = await fresh();
      const entries = Array.from({ length: 2500 }, (_, i) => [`k${i}`, i] as const);
      await store.setMany(entries);
      const keys = entries.map(([k]) => k);
      expect(await store.getMany(keys)).toEqual(entries.map(([, v]) => v));
      expect((await store.keys()).length).toBe(2500);
      const scanned: string[] = [];
      for await (const key of store.scan()) scanned.push(key);
      expect(scanned.sort()).toEqual([...keys].sort());
      expect(await store.deleteMany(keys)).toBe(2500);
      expect(await store.keys()).toEqual([]);
    });

    it('clear() removes everything', async () => {
      const store = await fresh();
      await store.setMany([['a', 1], ['b', 2]]);
      await store.scope('s').set('c', 3);
      await store.clear();
      expect(await store.keys()).toEqual([]);
      expect(await store.get('a')).toBeUndefined();
    });

    it('stays consistent under many concurrent operations from a store and its scopes', async () => {
      const store = await fresh();
      const a = store.scope('a');
      const b = store.scope('b');
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) {
        ops.push(store.set(`root${i % 20}`, i), a.set(`k${i % 10}`, i), b.set(`k${i % 10}`, -i));
        if (i % 7 === 0 && i < 150) ops.push(a.delete(`k${i % 10}`));
      }
      await Promise.all(ops);
      // The last write to a key wins, as if they ran one at a time in the order issued.
      expect(await store.get('root19')).toBe(199);
      expect(await b.getMany(['k0', 'k9'])).toEqual([-190, -199]);
      expect(await a.keys()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
      expect((await store.keys('a:*')).length + (await store.keys('b:*')).length + (await store.keys('root*')).length).toBe(40);
    });
  });

  describe('TTL', () => {
    it('expires a value after its ttl: get, exists, keys, getMany, delete all agree', async () => {
      const { store, advance } = await make();
      await store.set('short', 1, { ttl: TTL });
      await store.set('forever', 2);
      await advance(TTL / 4);
      expect(await store.get('short')).toBe(1);
      await advance(TTL);
      expect(await store.get('short')).toBeUndefined();
      expect(await store.exists('short')).toBe(false);
      expect(await store.getMany(['short', 'forever'])).toEqual([undefined, 2]);
      expect(await store.keys()).toEqual(['forever']);
      expect(await store.delete('short')).toBe(false);
    });

    it('overwriting resets the ttl (and a set without ttl keeps the value for good)', async () => {
      const { store, advance } = await make();
      await store.set('k', 1, { ttl: TTL });
      await advance((TTL * 3) / 4);
      await store.set('k', 2, { ttl: TTL });
      // Past the first expiry, well before the second (a margin for a loaded machine on Redis, which sleeps).
      await advance(TTL / 2);
      expect(await store.get('k')).toBe(2);
      await store.set('k', 3);
      await advance(TTL * 2);
      expect(await store.get('k')).toBe(3);
    });

    it('applies the store default ttl, which ttl: Infinity overrides', async () => {
      const { store, advance } = await make({ ttl: TTL });
      await store.set('default', 1);
      await store.set('forever', 2, { ttl: Infinity });
      await store.setMany([['batch', 3]]);
      await store.setMany([['batch-forever', 4]], { ttl: Infinity });
      await advance(TTL * 1.5);
      expect(await store.keys()).toEqual(['batch-forever', 'forever']);
    });

    it('setMany applies its ttl to every entry', async () => {
      const { store, advance } = await make();
      await store.setMany([['a', 1], ['b', 2]], { ttl: TTL });
      await store.set('c', 3);
      await advance(TTL * 1.5);
      expect(await store.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
    });

    it('a TTL longer than a Node timer can wait (2^31 ms and more) keeps the value, without a TimeoutOverflowWarning', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => void warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const { store, advance } = await make({ ttl: 2 ** 31 + 1000 });
        await store.set('default', 1);
        await store.set('long', 2, { ttl: 2 ** 31 });
        await store.set('longest', 3, { ttl: Number.MAX_SAFE_INTEGER });
        await store.setMany([['batch', 4]], { ttl: 2 ** 40 });
        await advance(TTL);
        await new Promise((resolve) => setTimeout(resolve, 20)); // a timer misfiring after ~1 ms would have run
        expect(await store.getMany(['default', 'long', 'longest', 'batch'])).toEqual([1, 2, 3, 4]);
        expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it.each([0, -5, Number.NaN, '100', null, 2 ** 53, 1e21])('refuses ttl %s with an InvalidArgumentError', async (ttl) => {
      const store = await fresh();
      const error = await store.set('k', 1, { ttl: ttl as number }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/options\.ttl must be a positive number of milliseconds/);
      expect(await store.exists('k')).toBe(false);
    });
  });
}
