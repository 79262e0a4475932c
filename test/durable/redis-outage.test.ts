/**
 * Redis killed under a durable load and started again on the same port (its own server, AOF fsync always):
 * waiters reject with StoreConnectionError after storeTimeout, nothing is reported durable while Redis is down,
 * the queued records are committed once it is back, and the log is complete and in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { StoreConnectionError } from '../../src/errors.js';
import { WorkerLog, type DurableRecord } from '../../src/durable/index.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { startRedisServer } from '../setup/redis-server.js';
import { redisBackend, sleep } from './backends.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-durable-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const record = (n: number): DurableRecord => ({ type: 'state.patch', op: 'set', routineId: 'c', value: n });

it.skipIf(!redisBackend())('Redis stopped and restarted under load: no false acknowledgement, no loss, work resumes', async () => {
  let server = await startRedisServer({ dir, persistent: true });
  const store = new RedisStore({ url: server.url, commandTimeout: 200, connectTimeout: 2000 });
  try {
    const { log } = await WorkerLog.open(store, 'outage', { storeTimeout: 400, retryDelay: 10, maxRetryDelay: 100 });
    const acknowledged = new Set<number>();
    const rejected: unknown[] = [];
    let stop = false;
    const load = (async () => {
      for (let n = 1; !stop; n++) {
        const lsn = log.enqueue(record(n));
        log.whenDurable(lsn).then(
          () => acknowledged.add(lsn),
          (error: unknown) => rejected.push(error),
        );
        await sleep(2);
      }
    })();
    await sleep(150);
    expect(acknowledged.size).toBeGreaterThan(5);

    await server.stop('SIGKILL');
    await sleep(50);
    const durableAtCrash = log.durableLsn;
    const ackedAtCrash = acknowledged.size;
    await sleep(700); // longer than storeTimeout
    expect(log.durableLsn).toBe(durableAtCrash); // nothing is reported durable while Redis is down
    expect(acknowledged.size).toBe(ackedAtCrash);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((e) => e instanceof StoreConnectionError)).toBe(true);
    expect(String((rejected[0] as Error).message)).toMatch(/within storeTimeout \(400 ms\).*keeps retrying/s);
    expect(log.lastError).toBeInstanceOf(StoreConnectionError);

    server = await startRedisServer({ dir, persistent: true, port: server.port });
    stop = true;
    await load;
    // Everything queued during the outage lands once the client has reconnected (flush may time out meanwhile).
    for (const deadline = Date.now() + 10_000; log.durableLsn < log.appendedLsn; ) {
      if (Date.now() > deadline) throw new Error(`the log did not catch up after Redis came back: ${String(log.lastError)}`);
      await sleep(20);
    }
    expect(log.durableLsn).toBe(log.appendedLsn);
    expect(log.durableLsn).toBeGreaterThan(durableAtCrash);

    const { tail } = await WorkerLog.restore(store, 'outage');
    expect(tail.map((r) => r.lsn)).toEqual(Array.from({ length: log.appendedLsn }, (_, i) => i + 1));
    expect(tail.map((r) => (r.record as { value: number }).value)).toEqual(tail.map((r) => r.lsn));
    for (const lsn of acknowledged) expect(lsn).toBeLessThanOrEqual(log.durableLsn);
  } finally {
    await store.close();
    await server.stop();
  }
});
