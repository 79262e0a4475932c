import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { resolveStore } from '../../src/durable/index.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import { withHooks } from '../../src/stores/with-hooks.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-resolve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveStore', () => {
  it('takes a store or a view of one as given (the caller owns it)', () => {
    const memory = new MemoryStore();
    expect(resolveStore(memory)).toEqual({ store: memory, owned: false });
    const scope = memory.scope('app');
    expect(resolveStore(scope).store).toBe(scope);
    const hooked = withHooks(memory, {});
    expect(resolveStore(hooked).store).toBe(hooked);
  });

  it('makes a store from a URL (then the runtime owns it)', async () => {
    const path = join(dir, 'x.db');
    const sqlite = resolveStore(`sqlite:${path}`);
    expect(sqlite.owned).toBe(true);
    expect(sqlite.store).toBeInstanceOf(SqliteStore);
    await sqlite.store.set('k', 1);
    expect(await new SqliteStore({ path }).get('k')).toBe(1);
    await sqlite.store.close();
    expect(resolveStore('memory:').store).toBeInstanceOf(MemoryStore);
    expect(resolveStore('memory').store).toBeInstanceOf(MemoryStore);
    const redis = resolveStore('redis://127.0.0.1:1/0');
    expect(redis.store).toBeInstanceOf(RedisStore);
    await redis.store.close();
  });

  it('anything else is an InvalidArgumentError saying what to pass', () => {
    for (const bad of ['', 'postgres://x', 'sqlite:', 'redis://', 42, null, undefined, {}, { get() {} }, new MemoryStore().readonly()]) {
      expect(() => resolveStore(bad), String(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => resolveStore('mysql://db')).toThrow(/"sqlite:\.\/routilux\.db", "redis:\/\/127\.0\.0\.1:6379\/0" or "memory:"/);
  });
});
