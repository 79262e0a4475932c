/**
 * One set of value rules for WorkerState and every store (the shared walker in src/serialization): undefined
 * inside objects and own "__proto__" keys are refused at write time with the path named, and only own
 * properties are ever stored, even while Object.prototype is polluted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { Flow, Runtime, SerializationError } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { node } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Writer = { readonly name: string; write(value: unknown): Promise<unknown>; read(): Promise<unknown>; close(): Promise<void> };

/** Writers under test: WorkerState (json and structured) and every store backend (json and structured). */
function writers(): (() => Writer)[] {
  const redisUrl = inject('redisUrl');
  if (!redisUrl && process.env.CI) throw new Error('redis-server is needed for these tests (CI is set)');
  const runtimeWriter = (serializer: 'json' | 'structured') => (): Writer => {
    const runtime = new Runtime({ serializer });
    const ws = runtime.exec(new Flow(`values-${randomUUID()}`).addRoutine(node(['in'], [], () => {}), 'r'));
    return {
      name: `WorkerState (${serializer})`,
      write: async (value) => ws.updateRoutineState('r', value),
      read: async () => ws.getRoutineState('r'),
      close: () => runtime.shutdown(),
    };
  };
  const storeWriter = (name: string, make: () => KeyValueStore) => (): Writer => {
    const store = make();
    return { name, write: (value) => store.set('k', value), read: () => store.get('k'), close: () => store.clear().then(() => store.close()) };
  };
  const list = [
    runtimeWriter('json'),
    runtimeWriter('structured'),
    storeWriter('MemoryStore', () => new MemoryStore()),
    storeWriter('MemoryStore (structured)', () => new MemoryStore({ serializer: 'structured' })),
    storeWriter('SqliteStore', () => new SqliteStore({ path: join(dir, `${randomUUID()}.db`) })),
    storeWriter('SqliteStore (structured)', () => new SqliteStore({ path: join(dir, `${randomUUID()}.db`), serializer: 'structured' })),
  ];
  if (redisUrl) {
    list.push(storeWriter('RedisStore', () => new RedisStore({ url: redisUrl, keyPrefix: `values:${randomUUID()}:` })));
    list.push(storeWriter('RedisStore (structured)', () => new RedisStore({ url: redisUrl, keyPrefix: `values:${randomUUID()}:`, serializer: 'structured' })));
  }
  return list;
}

const open: Writer[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
});

describe.each(writers().map((make) => [make().name, make] as const))('%s', (name, make) => {
  const writer = () => {
    const w = make();
    open.push(w);
    return w;
  };
  const json = !name.includes('structured');

  it('refuses an own "__proto__" key inside a value with a SerializationError naming the path, and writes nothing', async () => {
    const w = writer();
    await w.write({ before: true });
    const value = JSON.parse('{"user":{"__proto__":{"isAdmin":true}}}') as unknown;
    const error = await w.write(value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).path).toMatch(/\.user\.__proto__$/);
    expect(await w.read()).toEqual({ before: true });
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it(json ? 'refuses undefined inside an object, naming the path' : 'keeps undefined inside an object (structured keeps it)', async () => {
    const w = writer();
    await w.write({ before: true });
    const value = { profile: { name: 'ada', nickname: undefined } };
    if (json) {
      const error = await w.write(value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toMatch(/\.profile\.nickname$/);
      expect((error as Error).message).toMatch(/undefined/);
      expect(await w.read()).toEqual({ before: true });
    } else {
      await w.write(value);
      const read = (await w.read()) as { profile: Record<string, unknown> };
      expect('nickname' in read.profile).toBe(true);
    }
  });

  it('stores own properties only, even while Object.prototype is polluted', async () => {
    const w = writer();
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.polluted = 'yes';
      proto.pollutedFn = () => 'no';
      await w.write({ a: 1, nested: { b: [1, { c: 2 }] }, at: json ? 'now' : new Date(1) });
    } finally {
      delete proto.polluted;
      delete proto.pollutedFn;
    }
    const read = (await w.read()) as Record<string, unknown>;
    expect(Object.keys(read).sort()).toEqual(['a', 'at', 'nested']);
    expect(Object.keys(read.nested as object)).toEqual(['b']);
    expect(Object.hasOwn(read, 'polluted')).toBe(false);
  });
});
