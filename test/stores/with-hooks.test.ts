import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ReadonlyStoreError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { withHooks, type StoreHookContext, type StoreHookOutcome } from '../../src/stores/with-hooks.js';

function recorded() {
  const before: StoreHookContext[] = [];
  const after: StoreHookOutcome[] = [];
  const store = withHooks(new MemoryStore(), { before: (c) => void before.push(c), after: (o) => void after.push(o) });
  return { store, before, after };
}

describe('withHooks', () => {
  it('calls before and after around every operation, with what it needs for logs and metrics', async () => {
    const { store, before, after } = recorded();
    await store.set('k', { v: 1 }, { ttl: 1000 });
    await store.get('k');
    await store.getMany(['k', 'missing']);
    await store.setMany({ a: 1, b: 2 });
    await store.exists('a');
    await store.keys('a*');
    await store.delete('a');
    await store.deleteMany(['b']);
    await store.clear();
    expect(before.map((c) => c.operation)).toEqual(['set', 'get', 'getMany', 'setMany', 'exists', 'keys', 'delete', 'deleteMany', 'clear']);
    expect(before[0]).toEqual({ operation: 'set', key: 'k', value: { v: 1 }, options: { ttl: 1000 }, scope: '' });
    expect(before[3]).toEqual({ operation: 'setMany', keys: ['a', 'b'], scope: '' });
    expect(after.map((o) => o.result)).toEqual([undefined, { v: 1 }, [{ v: 1 }, undefined], undefined, true, ['a'], true, 1, undefined]);
    expect(after.every((o) => o.durationMs >= 0 && !('error' in o))).toBe(true);
  });

  it('reports failures to after (once) and passes them on', async () => {
    const { store, after } = recorded();
    const error = await store.set('k', (() => 1) as never).catch((e: unknown) => e);
    expect(after).toHaveLength(1);
    expect(after[0]!.error).toBe(error);
    expect(after[0]!.operation).toBe('set');
  });

  it('a throwing before stops the operation', async () => {
    const inner = new MemoryStore();
    const store = withHooks(inner, {
      before: ({ operation }) => {
        if (operation === 'set') throw new Error('writes are frozen');
      },
    });
    await expect(store.set('k', 1)).rejects.toThrow('writes are frozen');
    expect(await inner.exists('k')).toBe(false);
    expect(await store.get('k')).toBeUndefined();
  });

  it('hooks scopes (naming the scope) and read-only views, and counts scanned keys even when the caller stops early', async () => {
    const { store, before, after } = recorded();
    const scope = store.scope('user').scope('admin');
    await scope.setMany([['1', 1], ['2', 2], ['3', 3]]);
    for await (const key of scope.scan()) {
      expect(key).toBe(key);
      break;
    }
    const ro = scope.readonly();
    await expect((ro as unknown as KeyValueStore).set('x', 1)).rejects.toBeInstanceOf(ReadonlyStoreError);
    expect(before.map((c) => [c.operation, c.scope])).toEqual([
      ['setMany', 'user:admin'],
      ['scan', 'user:admin'],
      ['set', 'user:admin'],
    ]);
    expect(after[1]).toMatchObject({ operation: 'scan', pattern: '*', result: 1 });
    expect(after[2]!.error).toBeInstanceOf(ReadonlyStoreError);
  });

  it.each<[string, unknown]>([
    ['a number', 5],
    ['undefined', undefined],
    ['a string', 'ab'],
    ['a pair with a number key', [[1, 'x']]],
    ['an object with a broken [Symbol.iterator]', { [Symbol.iterator]: 5 }],
  ])('setMany with %s rejects (never throws) with an InvalidArgumentError, reported to after', async (_label, entries) => {
    const { store, before, after } = recorded();
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = store.setMany(entries as Map<string, unknown>);
    }).not.toThrow();
    const error = await promise!.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/^setMany\(entries\)/);
    expect(before).toEqual([{ operation: 'setMany', scope: '' }]);
    expect(after).toHaveLength(1);
    expect(after[0]!.error).toBe(error);
    expect(await store.keys()).toEqual([]);
  });

  it('setMany passes the entries on once, even from a one-shot iterable', async () => {
    const { store, before } = recorded();
    function* entries(): Generator<[string, number]> {
      yield ['a', 1];
      yield ['b', 2];
    }
    await store.setMany(entries());
    expect(before[0]).toEqual({ operation: 'setMany', keys: ['a', 'b'], scope: '' });
    expect(await store.getMany(['a', 'b'])).toEqual([1, 2]);
  });

  it('refuses bad hooks', () => {
    expect(() => withHooks(new MemoryStore(), { befor: () => undefined } as never)).toThrow(/hooks\.befor must be left out/);
    expect(() => withHooks(new MemoryStore(), { after: 'log' } as never)).toThrow(InvalidArgumentError);
  });
});
