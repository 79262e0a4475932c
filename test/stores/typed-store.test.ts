import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, ReadonlyStoreError, SchemaValidationError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import type { StandardSchemaV1 } from '../../src/stores/standard-schema.js';
import { typedStore } from '../../src/stores/typed-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';

const User = z.object({ name: z.string().min(1), age: z.number().int().nonnegative(), role: z.enum(['admin', 'user']).default('user') });

describe('typedStore', () => {
  it('validates writes with zod: invalid values throw SchemaValidationError listing every issue and write nothing', async () => {
    const base = new MemoryStore();
    const users = typedStore(base, User);
    expectTypeOf(users).toEqualTypeOf<KeyValueStore<{ name: string; age: number; role: 'admin' | 'user' }>>();
    await users.set('ada', { name: 'Ada', age: 36, role: 'admin' });
    expect(await users.get('ada')).toEqual({ name: 'Ada', age: 36, role: 'admin' });

    const error = await users.set('bad', { name: '', age: 'old' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaValidationError);
    const e = error as SchemaValidationError;
    expect(e.direction).toBe('write');
    expect(e.key).toBe('bad');
    expect(e.issues.map((i) => i.path?.join('.'))).toEqual(['name', 'age']);
    expect(e.message).toMatch(/^Value written to "bad" does not match the schema:\n {2}- name: /);
    expect(await base.exists('bad')).toBe(false);
  });

  it('stores the schema output (defaults applied)', async () => {
    const base = new MemoryStore();
    const users = typedStore(base, User);
    await users.set('bob', { name: 'Bob', age: 3 } as never);
    expect(await base.get('bob')).toEqual({ name: 'Bob', age: 3, role: 'user' });
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
    await expect(admins.set('x', { name: 1 } as never)).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await base.keys()).toEqual(['admins:root']);
    const ro = users.readonly();
    expect(await ro.scope('admins').get('root')).toEqual({ name: 'Root', age: 1, role: 'admin' });
    const writable = ro as unknown as KeyValueStore;
    await expect(writable.set('x', { bad: true })).rejects.toBeInstanceOf(ReadonlyStoreError);
    await expect(writable.delete('admins:root')).rejects.toBeInstanceOf(ReadonlyStoreError);
    await expect(writable.clear()).rejects.toBeInstanceOf(ReadonlyStoreError);
    expect(await base.keys()).toEqual(['admins:root']);
  });

  it('refuses something that is not a schema or not a store', () => {
    expect(() => typedStore(new MemoryStore(), { parse: () => 1 } as never)).toThrow(InvalidArgumentError);
    expect(() => typedStore({} as never, User)).toThrow(/store must be a KeyValueStore/);
  });
});
