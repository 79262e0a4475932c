import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, ReadonlyStoreError, SchemaValidationError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import type { StandardSchemaV1 } from '../../src/stores/standard-schema.js';
import { typedStore } from '../../src/stores/typed-store.js';
import type { KeyValueStore, StoreEntries } from '../../src/stores/types.js';
import { withHooks } from '../../src/stores/with-hooks.js';

const User = z.object({ name: z.string().min(1), age: z.number().int().nonnegative(), role: z.enum(['admin', 'user']).default('user') });

describe('typedStore', () => {
  it('validates writes with zod: invalid values throw SchemaValidationError listing every issue and write nothing', async () => {
    const base = new MemoryStore();
    const users = typedStore(base, User);
    // Writes take the schema's input (role has a default, so it may be left out); reads give its output.
    expectTypeOf(users).toEqualTypeOf<KeyValueStore<{ name: string; age: number; role: 'admin' | 'user' }, { name: string; age: number; role?: 'admin' | 'user' | undefined }>>();
    await users.set('ada', { name: 'Ada', age: 36, role: 'admin' });
    expect(await users.get('ada')).toEqual({ name: 'Ada', age: 36, role: 'admin' });

    // @ts-expect-error age must be a number
    const error = await users.set('bad', { name: '', age: 'old' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaValidationError);
    const e = error as SchemaValidationError;
    expect(e.direction).toBe('write');
    expect(e.key).toBe('bad');
    expect(e.issues.map((i) => i.path?.join('.'))).toEqual(['name', 'age']);
    expect(e.message).toMatch(/^Value written to "bad" does not match the schema:\n {2}- name: /);
    expect(await base.exists('bad')).toBe(false);
  });

  it('stores the input as given and returns the schema output (defaults applied) on read', async () => {
    const base = new MemoryStore();
    const users = typedStore(base, User);
    await users.set('bob', { name: 'Bob', age: 3 });
    expect(await base.get('bob')).toEqual({ name: 'Bob', age: 3 });
    expect(await users.get('bob')).toEqual({ name: 'Bob', age: 3, role: 'user' });
    expect(await users.getMany(['bob', 'none'])).toEqual([{ name: 'Bob', age: 3, role: 'user' }, undefined]);
  });

  it('reports invalid data read back (written without the schema) the same way', async () => {
    const base = new MemoryStore();
    await base.set('old', { name: 'Old', age: 'forty' });
    const users = typedStore(base, User);
    const error = await users.get('old').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaValidationError);
    expect((error as SchemaValidationError).direction).toBe('read');
    expect((error as Error).message).toMatch(/read from "old".*\n {2}- age: .*\nThe stored data predates the schema/s);
    await expect(users.getMany(['missing', 'old'])).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await users.get('missing')).toBeUndefined();
  });

  it('setMany validates every value before writing any', async () => {
    const base = new MemoryStore();
    const users = typedStore(base, User);
    await expect(
      users.setMany([
        ['a', { name: 'A', age: 1, role: 'user' }],
        ['b', { name: 'B', age: -1, role: 'user' }],
      ]),
    ).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await base.keys()).toEqual([]);
    await users.setMany({ a: { name: 'A', age: 1, role: 'user' } });
    expect(await users.getMany(['a'])).toEqual([{ name: 'A', age: 1, role: 'user' }]);
  });

  it('works with valibot, and with async schemas', async () => {
    const base = new MemoryStore();
    const counters = typedStore(base, v.pipe(v.number(), v.integer()));
    await counters.set('n', 3);
    await expect(counters.set('x', 1.5)).rejects.toThrow(SchemaValidationError);
    const slowEven: StandardSchemaV1<number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) => (typeof value === 'number' && value % 2 === 0 ? { value } : { issues: [{ message: 'must be even' }] }),
      },
    };
    const evens = typedStore(base.scope('even'), slowEven);
    await evens.set('two', 2);
    await expect(evens.set('three', 3)).rejects.toThrow(/must be even/);
  });

  it('scopes stay typed; read-only views refuse writes before validating', async () => {
    const base = new MemoryStore();
    const users = typedStore(base, User);
    const admins = users.scope('admins');
    await admins.set('root', { name: 'Root', age: 1, role: 'admin' });
    // @ts-expect-error name must be a string
    await expect(admins.set('x', { name: 1 })).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await base.keys()).toEqual(['admins:root']);
    const ro = users.readonly();
    expect(await ro.scope('admins').get('root')).toEqual({ name: 'Root', age: 1, role: 'admin' });
    const writable = ro as unknown as KeyValueStore;
    await expect(writable.set('x', { bad: true })).rejects.toBeInstanceOf(ReadonlyStoreError);
    await expect(writable.delete('admins:root')).rejects.toBeInstanceOf(ReadonlyStoreError);
    await expect(writable.clear()).rejects.toBeInstanceOf(ReadonlyStoreError);
    expect(await base.keys()).toEqual(['admins:root']);
  });

  it('a schema whose validate returns no result object fails the call with an InvalidArgumentError, not a TypeError', async () => {
    const broken = { '~standard': { version: 1, vendor: 'broken', validate: () => undefined } } as unknown as StandardSchemaV1<number>;
    const store = typedStore(new MemoryStore(), broken);
    await expect(store.set('k', 1)).rejects.toThrow(/^schema\["~standard"\]\.validate\(value\) must be a result \{ value \} or \{ issues \}/);
  });

  it('refuses something that is not a schema or not a store', () => {
    // @ts-expect-error not a Standard Schema
    expect(() => typedStore(new MemoryStore(), { parse: () => 1 })).toThrow(InvalidArgumentError);
    // @ts-expect-error not a store
    expect(() => typedStore({}, User)).toThrow(/store must be a KeyValueStore/);
  });
});

describe('typedStore with transforming schemas: writes take the input, reads give the output', () => {
  it('zod string → length: set takes the string, stores it, and get gives the number', async () => {
    const base = new MemoryStore();
    const lengths = typedStore(base, z.string().transform((s) => s.length));
    expectTypeOf(lengths.set).parameter(1).toEqualTypeOf<string>();
    expectTypeOf(lengths.get).returns.toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(lengths.setMany).parameter(0).toEqualTypeOf<StoreEntries<string>>();
    expectTypeOf(lengths.getMany).returns.toEqualTypeOf<Promise<(number | undefined)[]>>();

    await lengths.set('b', 'hello');
    expect(await base.get('b')).toBe('hello');
    expect(await lengths.get('b')).toBe(5);
    await lengths.setMany({ c: 'abc', d: '' });
    expect(await lengths.getMany(['b', 'c', 'd', 'none'])).toEqual([5, 3, 0, undefined]);

    // The output type is not an input: refused by the types and, at run time, before anything is written.
    // @ts-expect-error a number is the output, not the input
    const error = await lengths.set('a', 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaValidationError);
    expect((error as SchemaValidationError).direction).toBe('write');
    expect(await base.exists('a')).toBe(false);
  });

  it('zod string → Date: the ISO string is stored and a Date comes back, on every backend serializer', async () => {
    const At = z.string().datetime().transform((s) => new Date(s));
    for (const serializer of ['json', 'structured', 'none'] as const) {
      const base = new MemoryStore({ serializer });
      const times = typedStore(base, At);
      expectTypeOf(times).toEqualTypeOf<KeyValueStore<Date, string>>();
      await times.set('t', '2024-05-01T12:00:00.000Z');
      expect(await base.get('t')).toBe('2024-05-01T12:00:00.000Z');
      const read = await times.get('t');
      expect(read).toBeInstanceOf(Date);
      expect(read?.toISOString()).toBe('2024-05-01T12:00:00.000Z');
      // Scopes and read-only views apply the schema the same way.
      await times.scope('s').set('u', '2000-01-01T00:00:00.000Z');
      expect((await times.readonly().scope('s').get('u'))?.getTime()).toBe(Date.UTC(2000, 0, 1));
    }
  });

  it('valibot transforms work the same way', async () => {
    const base = new MemoryStore();
    const Tags = v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((t) => t.trim())),
      v.array(v.pipe(v.string(), v.minLength(1))),
    );
    const tags = typedStore(base, Tags);
    expectTypeOf(tags).toEqualTypeOf<KeyValueStore<string[], string>>();
    await tags.set('post', 'a, b,c');
    expect(await base.get('post')).toBe('a, b,c');
    expect(await tags.get('post')).toEqual(['a', 'b', 'c']);
    await expect(tags.set('bad', 'a,,b')).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await base.exists('bad')).toBe(false);
  });

  it('data written before a schema change is reported on read, with the key', async () => {
    const base = new MemoryStore();
    await typedStore(base, z.string()).set('n', 'twelve');
    const numbers = typedStore(base, z.string().regex(/^\d+$/).transform(Number));
    await numbers.set('ok', '12');
    expect(await numbers.get('ok')).toBe(12);
    const error = await numbers.get('n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaValidationError);
    expect(error).toMatchObject({ key: 'n', direction: 'read' });
    await expect(numbers.getMany(['ok', 'n'])).rejects.toBeInstanceOf(SchemaValidationError);
  });

  it('composes with withHooks: the hooked view keeps the input and output types', async () => {
    const seen: unknown[] = [];
    const lengths = withHooks(typedStore(new MemoryStore(), z.string().transform((s) => s.length)), {
      before: ({ value }) => void seen.push(value),
    });
    expectTypeOf(lengths).toEqualTypeOf<KeyValueStore<number, string>>();
    await lengths.set('k', 'four');
    expect(await lengths.get('k')).toBe(4);
    expect(seen).toEqual(['four', undefined]);
  });
});

describe('typedStore setMany with entries that are not entries', () => {
  const bad: [string, unknown][] = [
    ['a number', 5],
    ['null', null],
    ['a string', 'ab'],
    ['an array of non-pairs', ['ab']],
    ['a pair with an empty key', [['', 'x']]],
    ['an object with a broken [Symbol.iterator]', { [Symbol.iterator]: 5 }],
    ['an iterable whose iterator is not one', { [Symbol.iterator]: () => 5 }],
    ['an iterator whose next() gives no result object', { [Symbol.iterator]: () => ({ next: () => 1 }) }],
  ];
  it.each(bad)('rejects %s with an InvalidArgumentError naming setMany(entries), writing nothing', async (_label, entries) => {
    const base = new MemoryStore();
    const strings = typedStore(base, z.string());
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = strings.setMany(entries as StoreEntries<string>);
    }).not.toThrow();
    const error = await promise!.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/^setMany\(entries\)(\[\d+\](\[0\])?)? must be (a Map, an array of \[key, value\] pairs|a \[key, value\] pair|a non-empty string)/);
    expect(await base.keys()).toEqual([]);
  });
});
