/**
 * Faults on a Redis server of our own (not the shared one): killed, frozen, absent at start. Operations must fail
 * with StoreConnectionError within commandTimeout (never hang, never report a write they did not make), work
 * again once Redis is back, and lose no write they acknowledged (the server fsyncs its AOF on every write).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { StoreConnectionError } from '../../src/errors.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { freePort, startRedisServer, type RedisServer } from '../setup/redis-server.js';
import { describeWithRedis } from './redis-available.js';

const COMMAND_TIMEOUT = 600;
const SLACK = 300; // timer granularity (a tenth of commandTimeout) and a loaded CI machine

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, attempt: () => Promise<T>, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not succeed within ${timeout} ms: ${String(error)}`);
      await sleep(50);
    }
  }
}

describeWithRedis('RedisStore under faults (own redis-server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routilux-redis-fault-'));
  const servers: RedisServer[] = [];
  const stores: RedisStore[] = [];
  const start = async (port?: number) => {
    const server = await startRedisServer({ dir, persistent: true, withoutKeysCommand: true, ...(port ? { port } : {}) });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const server of servers.splice(0)) {
      server.process.kill('SIGCONT');
      await server.stop();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('killed mid-run: fails fast, recovers after restart, loses no acknowledged write', async () => {
    const server = await start();
    const store = new RedisStore({ url: server.url, commandTimeout: COMMAND_TIMEOUT, keyPrefix: 'crash:' });
    stores.push(store);
    await store.set('warmup', 0);

    const acknowledged = new Map<string, number>();
    const failures: { error: unknown; ms: number }[] = [];
    let next = 0;
    let stop = false;
    const writer = async () => {
      while (!stop) {
        const i = next++;
        const started = performance.now();
        try {
          await store.set(`k${i}`, i);
          acknowledged.set(`k${i}`, i);
        } catch (error) {
          failures.push({ error, ms: performance.now() - started });
          await sleep(10);
        }
      }
    };
    const writers = Array.from({ length: 4 }, writer);

    await sleep(300);
    const beforeCrash = acknowledged.size;
    await server.stop('SIGKILL');
    await sleep(COMMAND_TIMEOUT * 2);
    const failedWhileDown = failures.length;
    const restarted = await start(server.port);
    await until('a write after the restart', () => store.set('after-restart', 1));
    await sleep(200);
    stop = true;
    await Promise.all(writers);

    expect(beforeCrash).toBeGreaterThan(0);
    expect(failedWhileDown).toBeGreaterThan(0);
    for (const { error, ms } of failures) {
      expect(error).toBeInstanceOf(StoreConnectionError);
      expect(ms).toBeLessThan(COMMAND_TIMEOUT + SLACK);
    }
    expect(acknowledged.size).toBeGreaterThan(beforeCrash); // writes succeed again after the restart
    const keys = [...acknowledged.keys()];
    const values = await store.getMany(keys);
    const lost = keys.filter((k, i) => values[i] !== acknowledged.get(k));
    expect(lost).toEqual([]);
    expect(restarted.port).toBe(server.port);
  });

  it('frozen (SIGSTOP): times out after commandTimeout, then works when it resumes', async () => {
    const server = await start();
    const store = new RedisStore({ url: server.url, commandTimeout: COMMAND_TIMEOUT, keyPrefix: 'frozen:' });
    stores.push(store);
    await store.set('k', 'before');
    server.process.kill('SIGSTOP');
    try {
      const started = performance.now();
      const error = await store.set('k', 'during').catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(StoreConnectionError);
      expect((error as Error).message).toMatch(/did not answer set "frozen:k" within 600 ms \(commandTimeout\); the write may or may not have been applied/);
      expect(elapsed).toBeGreaterThanOrEqual(COMMAND_TIMEOUT - 5);
      expect(elapsed).toBeLessThan(COMMAND_TIMEOUT + SLACK);
      await expect(store.get('k')).rejects.toBeInstanceOf(StoreConnectionError);
    } finally {
      server.process.kill('SIGCONT');
    }
    await until('a write after SIGCONT', () => store.set('k', 'after'));
    expect(await store.get('k')).toBe('after');
  });

  it('absent at first use: fails within connectTimeout, then connects once Redis starts', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeout: 400, commandTimeout: COMMAND_TIMEOUT, keyPrefix: 'late:' });
    stores.push(store);
    const started = performance.now();
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreConnectionError);
    expect(performance.now() - started).toBeLessThan(400 + SLACK);
    await start(port);
    await until('a write once Redis is up', () => store.set('k', 'v'));
    expect(await store.get('k')).toBe('v');
  });

});
