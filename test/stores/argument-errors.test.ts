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
const badOptions: unknown[] = [5, null, 'ttl', { ttl: Symbol('ttl') }, { ttl: '100' }, { ttl: 2 ** 53 }];
const badPatterns: unknown[] = [null, 5, Symbol('pattern'), {}, '[abc'];

/** A short readable label for a test name (String() throws on a symbol). */
function label(value: unknown): string {
  if (typeof value === 'symbol') return value.toString();
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
  ]),
  ...badKeyLists.flatMap((keys): [string, Call][] => [
    [`getMany(${label(keys)})`, (s) => s.getMany(keys as string[])],
    [`deleteMany(${label(keys)})`, (s) => s.deleteMany(keys as string[])],
  ]),
  ...badEntries.map((entries): [string, Call] => [`setMany(${label(entries)})`, (s) => s.setMany(entries as Map<string, never>)]),
  ...badOptions.flatMap((options): [string, Call][] => [
    [`set(k, 1, ${label(options)})`, (s) => s.set('k', 1 as never, options as { ttl: number })],
    [`setMany([[k, 1]], ${label(options)})`, (s) => s.setMany([['k', 1 as never]], options as { ttl: number })],
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

function argumentCases(make: () => KeyValueStore): void {
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
