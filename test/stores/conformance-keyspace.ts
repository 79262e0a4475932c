import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ReadonlyStoreError, StoreClosedError } from '../../src/errors.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import type { ConformanceContext } from './conformance.js';

/** Keys and patterns, scopes, read-only views, argument checks and closing. */
export function keyspaceCases({ fresh }: ConformanceContext): void {
  describe('keys and scan', () => {
    const KEYS = ['user:1', 'user:2', 'user:10', 'users', 'admin', 'a*b', 'a?b', 'axb', '[x]', 'x', 'back\\slash', 'ünï', '日本'];

    it.each([
      ['*', KEYS],
      ['user:*', ['user:1', 'user:10', 'user:2']],
      ['user:?', ['user:1', 'user:2']],
      ['user*', ['user:1', 'user:10', 'user:2', 'users']],
      ['user:[12]', ['user:1', 'user:2']],
      ['user:[0-1]*', ['user:1', 'user:10']],
      ['user:[!1]', ['user:2']],
      ['user:[^1]', ['user:2']],
      ['a\\*b', ['a*b']],
      ['a\\?b', ['a?b']],
      ['a?b', ['a*b', 'a?b', 'axb']],
      ['\\[x\\]', ['[x]']],
      ['[[]*', ['[x]']],
      ['*\\\\*', ['back\\slash']],
      ['??', ['日本']],
      ['ü??', ['ünï']],
      ['admin', ['admin']],
      ['nothing*', []],
    ])('keys(%j)', async (pattern, expected) => {
      const store = await fresh();
      await store.setMany(KEYS.map((k) => [k, k] as const));
      expect(await store.keys(pattern)).toEqual([...expected].sort());
      const scanned: string[] = [];
      for await (const key of store.scan(pattern)) scanned.push(key);
      expect(scanned.sort()).toEqual([...expected].sort());
    });

    it('matches patterns with many stars in linear time (10,000 keys of thirty "a"s)', async () => {
      const store = await fresh();
      const keys = Array.from({ length: 10_000 }, (_, i) => `${'a'.repeat(30)}${i}`);
      await store.setMany(keys.map((k) => [k, 1] as const));
      // A backtracking matcher takes minutes here (and blocks the event loop); the test timeout is 30 s.
      expect(await store.keys('*a*a*a*a*a*a*b')).toEqual([]);
      expect(await store.keys('*a*a*a*a*a*a*9999')).toEqual([`${'a'.repeat(30)}9999`]);
      let scanned = 0;
      for await (const _ of store.scan('*a*a*a*a*a*a*b')) scanned++;
      expect(scanned).toBe(0);
    });

    it.each(['[abc', 'a\\', '[]', '[z-a]', 42])('refuses the pattern %j with an InvalidArgumentError', async (pattern) => {
      const store = await fresh();
      await expect(store.keys(pattern as string)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.scan(pattern as string).next()).rejects.toThrow(/pattern must be a glob pattern/);
    });
  });

  describe('scopes', () => {
    it('nests scopes under "a:b:" and returns keys relative to the scope', async () => {
      const store = await fresh();
      const admin = store.scope('user').scope('admin');
      await admin.set('001', { name: 'root' });
      expect(await store.get('user:admin:001')).toEqual({ name: 'root' });
      expect(await store.scope('user').get('admin:001')).toEqual({ name: 'root' });
      expect(await admin.keys()).toEqual(['001']);
      expect(await store.scope('user').keys()).toEqual(['admin:001']);
      expect(await store.keys()).toEqual(['user:admin:001']);
    });

    it('never crosses into a sibling whose name starts the same, nor into the parent', async () => {
      const store = await fresh();
      const user = store.scope('user');
      const user2 = store.scope('user2');
      await user.set('a', 1);
      await user2.set('a', 2);
      await store.set('user', 'root key named like the scope');
      await store.set('userx', 'root');
      expect(await user.keys()).toEqual(['a']);
      expect(await user2.keys()).toEqual(['a']);
      const scanned: string[] = [];
      for await (const key of user.scan()) scanned.push(key);
      expect(scanned).toEqual(['a']);
      await user.clear();
      expect(await store.keys()).toEqual(['user', 'user2:a', 'userx']);
    });

    it('escapes glob characters in scope names and keys', async () => {
      const store = await fresh();
      const star = store.scope('a*');
      const plain = store.scope('ab');
      const bracket = store.scope('[x]');
      await star.set('k', 'star');
      await plain.set('k', 'plain');
      await bracket.set('k?', 'bracket');
      await store.set('x:k?', 'not in the bracket scope');
      expect(await star.keys()).toEqual(['k']);
      expect(await star.get('k')).toBe('star');
      expect(await bracket.keys('*')).toEqual(['k?']);
      expect(await bracket.keys('k\\?')).toEqual(['k?']);
      await star.clear();
      expect(await plain.get('k')).toBe('plain');
      expect(await store.keys()).toEqual(['[x]:k?', 'ab:k', 'x:k?']);
    });

    it('sees writes made through the parent, and the parent sees the scope’s', async () => {
      const store = await fresh();
      const scope = store.scope('s');
      await store.set('s:from-parent', 1);
      await scope.set('from-scope', 2);
      expect(await scope.getMany(['from-parent', 'from-scope'])).toEqual([1, 2]);
      expect(await store.getMany(['s:from-parent', 's:from-scope'])).toEqual([1, 2]);
      expect(await scope.delete('from-parent')).toBe(true);
      expect(await store.exists('s:from-parent')).toBe(false);
    });

    it('keyPrefix keeps two stores apart and stays out of the keys they return', async () => {
      const one = await fresh({ keyPrefix: 'one:' });
      const two = await fresh({ keyPrefix: 'two:' });
      await one.set('k', 1);
      await two.set('k', 2);
      expect(await one.keys()).toEqual(['k']);
      expect(await one.get('k')).toBe(1);
      await one.clear();
      expect(await two.get('k')).toBe(2);
    });

    it.each(['', 7])('refuses the scope prefix %j', async (prefix) => {
      const store = await fresh();
      expect(() => store.scope(prefix as string)).toThrow(InvalidArgumentError);
    });
  });

  describe('read-only views', () => {
    it('read through, refuse every write at run time, and stay read-only in scopes', async () => {
      const store = await fresh();
      await store.set('s:k', 1);
      const ro = store.readonly();
      const roScope = ro.scope('s');
      expect(await ro.get('s:k')).toBe(1);
      expect(await roScope.get('k')).toBe(1);
      expect(await roScope.keys()).toEqual(['k']);
      for (const view of [ro, roScope, store.scope('s').readonly()]) {
        const writable = view as unknown as KeyValueStore;
        await expect(writable.set('k', 2)).rejects.toBeInstanceOf(ReadonlyStoreError);
        await expect(writable.delete('k')).rejects.toBeInstanceOf(ReadonlyStoreError);
        await expect(writable.setMany([['k', 2]])).rejects.toBeInstanceOf(ReadonlyStoreError);
        await expect(writable.deleteMany(['k'])).rejects.toBeInstanceOf(ReadonlyStoreError);
        await expect(writable.clear()).rejects.toBeInstanceOf(ReadonlyStoreError);
        expect(Object.keys(view)).toEqual([]); // nothing leads back to the writable store
      }
      expect(await store.keys()).toEqual(['s:k']);
      await store.set('s:k', 3);
      expect(await roScope.get('k')).toBe(3);
    });
  });

  describe('arguments and closing', () => {
    it.each([
      ['an empty key', (s: KeyValueStore) => s.get('')],
      ['a number key', (s: KeyValueStore) => s.set(1 as unknown as string, 1)],
      ['a bad key in getMany', (s: KeyValueStore) => s.getMany(['a', ''])],
      ['keys that are not an array', (s: KeyValueStore) => s.deleteMany('abc' as unknown as string[])],
      ['entries that are not pairs', (s: KeyValueStore) => s.setMany(['ab'] as unknown as [string, unknown][])],
      ['entries that are not an object', (s: KeyValueStore) => s.setMany(5 as unknown as [string, unknown][])],
      ['entries with a [Symbol.iterator] that is not a function', (s: KeyValueStore) => s.setMany({ [Symbol.iterator]: 5 } as unknown as [string, unknown][])],
      ['entries whose iterator gives no result objects', (s: KeyValueStore) => s.setMany({ [Symbol.iterator]: () => ({ next: () => 1 }) } as unknown as [string, unknown][])],
      ['a plain object of entries with an empty key', (s: KeyValueStore) => s.setMany({ '': 1, ok: 2 })],
      ['options that are not an object', (s: KeyValueStore) => s.set('k', 1, 100 as unknown as { ttl: number })],
    ])('refuses %s with an InvalidArgumentError', async (_label, call) => {
      const store = await fresh();
      await expect(call(store)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await store.keys()).toEqual([]);
    });

    it('a closed store refuses every operation; closing a view leaves its store open', async () => {
      const store = await fresh();
      await store.set('k', 1);
      const scope = store.scope('s');
      const ro = store.readonly();
      await scope.close();
      await ro.close();
      await expect(scope.get('k')).rejects.toBeInstanceOf(StoreClosedError);
      await expect(ro.get('k')).rejects.toBeInstanceOf(StoreClosedError);
      expect(await store.get('k')).toBe(1);
      const other = store.scope('o');
      await store.close();
      await store.close(); // idempotent
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.set('k', 2)).rejects.toThrow(/Cannot set "k": the store has been closed/);
      await expect(other.keys()).rejects.toBeInstanceOf(StoreClosedError);
    });
  });
}
