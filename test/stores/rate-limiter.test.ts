/**
 * The README's rate limiter (section "Atomic operations"), run as written against a real Redis and the other
 * backends: 20 concurrent requests against a limit of 3 let exactly 3 through.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { describeWithRedis } from './redis-available.js';

type Allow = (store: KeyValueStore, client: string, limit?: number, windowMs?: number) => Promise<boolean>;

const dir = mkdtempSync(join(process.cwd(), 'test', '.rate-limiter-'));
const dbDir = mkdtempSync(join(tmpdir(), 'routilux-rate-'));
let allow: Allow;

beforeAll(async () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n### Atomic operations\n'));
  const snippet = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes('function allow('));
  if (snippet === undefined) throw new Error('README has no rate limiter (function allow) under "### Atomic operations"');
  const file = join(dir, 'rate-limiter.ts');
  writeFileSync(file, snippet);
  ({ allow } = (await import(file)) as { allow: Allow });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(dbDir, { recursive: true, force: true });
});

/** 20 requests at once from one client, within one window (the clock is held still, so no window boundary falls in between). */
async function burst(store: KeyValueStore): Promise<number> {
  const now = vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
  try {
    const allowed = await Promise.all(Array.from({ length: 20 }, () => allow(store, 'client-1', 3, 60_000)));
    return allowed.filter(Boolean).length;
  } finally {
    now.mockRestore();
  }
}

describeWithRedis('README rate limiter on Redis', (url) => {
  it('lets exactly 3 of 20 concurrent requests through a limit of 3', async () => {
    const store = new RedisStore({ url, keyPrefix: `rate:${randomUUID()}:` });
    try {
      expect(await burst(store)).toBe(3);
      // Every request was counted, refused ones included.
      const [key] = await store.keys('ratelimit:*');
      expect(key).toBeDefined();
      expect(await store.get(key!)).toBe(20);
    } finally {
      await store.clear();
      await store.close();
    }
  });
});

it('lets exactly 3 of 20 through on MemoryStore and SqliteStore too', async () => {
  for (const store of [new MemoryStore(), new SqliteStore({ path: join(dbDir, 'rate.db') })] as KeyValueStore[]) {
    expect(await burst(store)).toBe(3);
    await store.close();
  }
});
