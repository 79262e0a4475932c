/**
 * The atomic operations through typedStore and withHooks (the backends run them in the conformance suite).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, ReadonlyStoreError, SchemaValidationError, StoreValueTypeError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { typedStore } from '../../src/stores/typed-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { withHooks, type StoreHookContext, type StoreHookOutcome } from '../../src/stores/with-hooks.js';

describe('typedStore: atomic operations validate what they write', () => {
  it('increment validates the new number before writing it, atomically', async () => {
    const base = new MemoryStore();
    const counters = typedStore(base, z.number().int().max(3));
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => counters.increment('n')));
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value).sort()).toEqual([1, 2, 3]);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as unknown);
    expect(refused).toHaveLength(2);
    expect(refused.every((e) => e instanceof SchemaValidationError)).toBe(true);
    expect(await base.get('n')).toBe(3);
    await base.set('text', 'x');
    await expect(typedStore(base, z.unknown()).increment('text')).rejects.toBeInstanceOf(StoreValueTypeError);
    await expect(counters.increment('n', 0.5)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('increment keeps the ttl of an existing key and sets it on a created one', async () => {
    let now = 0;
    const base = new MemoryStore({ now: () => now });
    const counters = typedStore(base, z.number());
    await counters.increment('n', 1, { ttl: 100 });
    await counters.increment('n', 1, { ttl: 10_000 });
    now += 150;
    expect(await base.exists('n')).toBe(false);
  });

  it('setIfAbsent, compareAndSet and batch refuse values the schema refuses, writing nothing', async () => {
    const base = new MemoryStore();
    const users = typedStore(base, z.object({ name: z.string() }));
    await expect(users.setIfAbsent('a', { name: 5 } as never)).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await users.setIfAbsent('a', { name: 'Ada' })).toBe(true);
    await expect(users.compareAndSet('a', { name: 'Ada' }, { name: null } as never)).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await users.compareAndSet('a', { name: 'Ada' }, { name: 'Grace' })).toBe(true);
    await expect(
      users.batch([
        { op: 'delete', key: 'a' },
        { op: 'set', key: 'b', value: { name: [] } as never },
      ]),
    ).rejects.toBeInstanceOf(SchemaValidationError);
    expect(await base.keys()).toEqual(['a']);
    await users.batch([{ op: 'set', key: 'b', value: { name: 'Bob' } }, { op: 'delete', key: 'a' }]);
    expect(await base.keys()).toEqual(['b']);
    await expect(users.batch('x' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a read-only typed view refuses them', async () => {
    const view = typedStore(new MemoryStore(), z.number()).readonly() as unknown as KeyValueStore<number>;
    await expect(view.increment('n')).rejects.toBeInstanceOf(ReadonlyStoreError);
    await expect(view.setIfAbsent('n', 1)).rejects.toBeInstanceOf(ReadonlyStoreError);
    await expect(view.compareAndSet('n', undefined, 1)).rejects.toBeInstanceOf(ReadonlyStoreError);
    await expect(view.batch([])).rejects.toBeInstanceOf(ReadonlyStoreError);
  });
});

describe('withHooks: atomic operations are hooked', () => {
  it('reports each with its key, value and result, in scopes too; a read-only inner store refuses them', async () => {
    const before: StoreHookContext[] = [];
    const after: StoreHookOutcome[] = [];
    const store = withHooks(new MemoryStore(), { before: (c) => void before.push(c), after: (o) => void after.push(o) });
    await store.increment('n', 2, { ttl: 1000 });
    await store.setIfAbsent('lock', 'me');
    await store.compareAndSet('lock', 'me', 'you');
    await store.scope('s').batch([{ op: 'set', key: 'a', value: 1 }, { op: 'delete', key: 'b' }]);
    expect(before).toEqual([
      { operation: 'increment', key: 'n', value: 2, options: { ttl: 1000 }, scope: '' },
      { operation: 'setIfAbsent', key: 'lock', value: 'me', scope: '' },
      { operation: 'compareAndSet', key: 'lock', value: 'you', scope: '' },
      { operation: 'batch', keys: ['a', 'b'], scope: 's' },
    ]);
    expect(after.map((o) => o.result)).toEqual([2, true, true, undefined]);
    const readonly = withHooks(new MemoryStore().readonly(), {}) as unknown as KeyValueStore;
    await expect(readonly.increment('n')).rejects.toBeInstanceOf(ReadonlyStoreError);
  });
});
