/** The three backends the durable tests run on: memory, a real SQLite file, the real redis-server of the setup. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';

export interface Backend {
  readonly name: string;
  /** A fresh, empty store; `reopen` gives a second handle on the same data (a restarted process's view). */
  open(): { store: KeyValueStore; reopen: () => KeyValueStore };
}

const dir = mkdtempSync(join(tmpdir(), 'routilux-durable-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

export const memoryBackend: Backend = {
  name: 'memory',
  open() {
    const store = new MemoryStore();
    return { store, reopen: () => store };
  },
};

export const sqliteBackend: Backend = {
  name: 'sqlite',
  open() {
    const path = join(dir, `log-${process.pid}-${n++}.db`);
    return { store: new SqliteStore({ path }), reopen: () => new SqliteStore({ path }) };
  },
};

/** Redis on the setup's server, each store under its own keyPrefix; undefined when the setup has no Redis (then the test must fail under CI). */
export function redisBackend(): Backend | undefined {
  const url = inject('redisUrl');
  if (!url) {
    if (process.env.CI) throw new Error(`redis-server could not be started: ${inject('redisError')}`);
    console.warn('!!! durable Redis tests SKIPPED: redis-server could not be started');
    return undefined;
  }
  return {
    name: 'redis',
    open() {
      const keyPrefix = `durable-test-${process.pid}-${n++}:`;
      return { store: new RedisStore({ url, keyPrefix }), reopen: () => new RedisStore({ url, keyPrefix }) };
    },
  };
}

export function allBackends(): Backend[] {
  const redis = redisBackend();
  return redis ? [memoryBackend, sqliteBackend, redis] : [memoryBackend, sqliteBackend];
}

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
