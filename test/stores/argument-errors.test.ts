/**
 * Every store method that returns a promise reports a bad argument by rejecting with a RoutiluxError (mostly
 * InvalidArgumentError): never by throwing synchronously, never with a raw TypeError or RangeError. Checked on
 * every backend and every kind of view.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RoutiluxError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import { typedStore } from '../../src/stores/typed-store.js';
import type { KeyValueStore, ReadonlyKeyValueStore } from '../../src/stores/types.js';
import { withHooks } from '../../src/stores/with-hooks.js';
import { describeWithRedis } from './redis-available.js';

type AnyStore = KeyValueStore<unknown, never>;
type Call = (store: AnyStore) => Promise<unknown>;

const badKeys: unknown[] = [undefined, null, 5, '', Symbol('key'), {}, ['k']];
const badKeyLists: unknown[] = [undefined, null, 'abc', 5, [Symbol('key')], [''], { length: 1, 0: 'k' }];
const badEntries: unknown[] = [undefined, null, 5, 'ab', [['k']], [[Symbol('key'), 1]], { [Symbol.iterator]: 5 }, { [Symbol.iterator]: () => ({ next: () => null }) }];
const badOptions: unknown[] = [5, null, 'ttl', { ttl: Symbol('ttl') }, { ttl: '100' }, { ttl: 2 ** 53 }, { ttl: null }, { tll: 100 }, new Date(), [100]];
const badBy: unknown[] = [null, '1', 1.5, Number.NaN, Symbol('by'), 2 ** 60, {}];
const badBatches: unknown[] = [undefined, null, 'set', 5, {}, [null], [5], [{ op: 'set' }], [{ op: 'put', key: 'k' }], [{ op: 'delete', key: Symbol('k') }], [{ op: 'set', key: 'k', value: 1, ttl: null }], [{ op: 'set', key: 'k', value: 1, extra: true }]];
const badPatterns: unknown[] = [null, 5, Symbol('pattern'), {}, '[abc'];

/** A short readable label for a test name (String() throws on a symbol). */
function label(value: unknown): string {
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (value instanceof Date) return 'a Date';
  if (Array.isArray(value)) return `[${value.map(label).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    if (Symbol.iterator in value) return 'a broken iterable';
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${label(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value) ?? String(value);
}

const calls: [string, Call][] = [
  ...badKeys.flatMap((key): [string, Call][] => [
    [`get(${label(key)})`, (s) => s.get(key as string)],
    [`set(${label(key)})`, (s) => s.set(key as string, 1 as never)],
    [`delete(${label(key)})`, (s) => s.delete(key as string)],
    [`exists(${label(key)})`, (s) => s.exists(key as string)],
    [`increment(${label(key)})`, (s) => s.increment(key as string)],
    [`setIfAbsent(${label(key)})`, (s) => s.setIfAbsent(key as string, 1 as never)],
    [`compareAndSet(${label(key)})`, (s) => s.compareAndSet(key as string, undefined, 1 as never)],
  ]),
  ...badBy.map((by): [string, Call] => [`increment(k, ${label(by)})`, (s) => s.increment('k', by as number)]),
  ...badBatches.map((operations): [string, Call] => [`batch(${label(operations)})`, (s) => s.batch(operations as never)]),
  ...badKeyLists.flatMap((keys): [string, Call][] => [
    [`getMany(${label(keys)})`, (s) => s.getMany(keys as string[])],
    [`deleteMany(${label(keys)})`, (s) => s.deleteMany(keys as string[])],
  ]),
  ...badEntries.map((entries): [string, Call] => [`setMany(${label(entries)})`, (s) => s.setMany(entries as Map<string, never>)]),
  ...badOptions.flatMap((options): [string, Call][] => [
    [`set(k, 1, ${label(options)})`, (s) => s.set('k', 1 as never, options as { ttl: number })],
    [`setMany([[k, 1]], ${label(options)})`, (s) => s.setMany([['k', 1 as never]], options as { ttl: number })],
    [`increment(k, 1, ${label(options)})`, (s) => s.increment('k', 1, options as { ttl: number })],
    [`setIfAbsent(k, 1, ${label(options)})`, (s) => s.setIfAbsent('k', 1 as never, options as { ttl: number })],
    [`compareAndSet(k, undefined, 1, ${label(options)})`, (s) => s.compareAndSet('k', undefined, 1 as never, options as { ttl: number })],
  ]),
  ...badPatterns.flatMap((pattern): [string, Call][] => [
    [`keys(${label(pattern)})`, (s) => s.keys(pattern as string)],
    [`scan(${label(pattern)}).next()`, (s) => s.scan(pattern as string).next()],
  ]),
];

/** What is wrong with how `call` failed on `store`, or undefined when it rejected with a RoutiluxError. */
async function problem(store: AnyStore, call: Call): Promise<string | undefined> {
  let promise: Promise<unknown>;
  try {
    promise = call(store);
  } catch (error) {
    return `threw synchronously: ${String(error)}`;
  }
  if (!(promise instanceof Promise)) return 'returned no promise';
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return 'resolved';
  return error instanceof RoutiluxError ? undefined : `rejected with ${String(error)}`;
}

/** The store itself and every kind of view over it. */
function views(store: KeyValueStore): [string, AnyStore][] {
  const schema = z.unknown();
  return [
    ['the store', store as AnyStore],
    ['a scope', store.scope('s') as AnyStore],
    ['a read-only view', store.readonly() as unknown as AnyStore],
    ['a typed store', typedStore(store, schema) as AnyStore],
    ['a typed store over a read-only view', typedStore(store.readonly() as ReadonlyKeyValueStore, schema) as unknown as AnyStore],
    ['a typed store made read-only', typedStore(store, schema).readonly() as unknown as AnyStore],
    ['a typed scope made read-only', typedStore(store, schema).scope('t').readonly() as unknown as AnyStore],
    ['a hooked store made read-only', withHooks(store, {}).readonly() as unknown as AnyStore],
    ['a hooked store', withHooks(store, { before: () => undefined, after: () => undefined }) as AnyStore],
    ['a hooked typed scope', withHooks(typedStore(store, schema).scope('t'), {}) as AnyStore],
    ['a typed hooked store', typedStore(withHooks(store, {}), schema) as AnyStore],
  ];
}

/** Names that are members of every object: as keys they must be plain keys, never the inherited member. */
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

function inheritedNameCases(make: () => KeyValueStore): void {
  it('keys named like inherited members are plain keys on every writable view', async () => {
    const store = make();
    try {
      for (const [name, view] of views(store)) {
        if (name.includes('read-only')) continue;
        for (const key of INHERITED) {
          expect(await view.get(key), `${name}: get("${key}") before any write`).toBeUndefined();
          expect(await view.exists(key), `${name}: exists("${key}")`).toBe(false);
          expect(await view.delete(key), `${name}: delete("${key}")`).toBe(false);
          await view.set(key, { v: key } as never);
          expect(await view.get(key), `${name}: get("${key}")`).toEqual({ v: key });
          expect(await view.setIfAbsent(key, 1 as never)).toBe(false);
          expect(await view.compareAndSet(key, { v: key } as never, { w: key } as never)).toBe(true);
          expect(await view.getMany([key, 'other'])).toEqual([{ w: key }, undefined]);
          expect(await view.delete(key)).toBe(true);
          expect(await view.increment(key)).toBe(1);
        }
        await view.setMany(JSON.parse('{"__proto__": 1, "constructor": 2}') as Record<string, never>);
        expect(await view.getMany(['__proto__', 'constructor'])).toEqual([1, 2]);
        await view.batch(INHERITED.map((key) => ({ op: 'delete', key })));
        expect(await view.deleteMany(INHERITED)).toBe(0);
        expect(await view.scope('constructor').increment('__proto__')).toBe(1);
        expect(await view.keys('constructor:*')).toEqual(['constructor:__proto__']);
        await view.clear();
      }
      expect(({} as Record<string, unknown>).v).toBeUndefined();
      expect(typeof Object.prototype.toString).toBe('function');
    } finally {
      await store.close();
    }
  });
}

function argumentCases(make: () => KeyValueStore): void {
  inheritedNameCases(make);
  it.each(calls)('%s rejects with a RoutiluxError on every view, never throws', async (_label, call) => {
    const store = make();
    try {
      const problems: string[] = [];
      for (const [name, view] of views(store)) {
        const found = await problem(view, call);
        if (found !== undefined) problems.push(`${name}: ${found}`);
      }
      expect(problems).toEqual([]);
      expect(await store.keys()).toEqual([]);
    } finally {
      await store.close();
    }
  });
}

describe('bad arguments: MemoryStore', () => {
  argumentCases(() => new MemoryStore());
});

describe('bad arguments: MemoryStore with a keyPrefix and serializer none', () => {
  argumentCases(() => new MemoryStore({ keyPrefix: 'p:', serializer: 'none' }));
});

describe('bad arguments: SqliteStore', () => {
  argumentCases(() => new SqliteStore({ path: ':memory:' }));
});

describeWithRedis('bad arguments: RedisStore', (url) => {
  const run = randomUUID().slice(0, 8);
  argumentCases(() => new RedisStore({ url, keyPrefix: `argument-errors:${run}:${randomUUID().slice(0, 8)}:` }));
});
