/**
 * `cluster.waitReplicas`: a host's durable writes count only once a replica has them (Redis WAIT). With the replica
 * frozen (SIGSTOP: connected, but acknowledging nothing), a post is never reported accepted, and past storeTimeout
 * accepted() rejects with StoreConnectionError; once the replica runs again, every job completes exactly once.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { Flow, RedisStore, Runtime, StoreConnectionError } from '../../src/index.js';
import { redisBackend } from '../durable/backends.js';
import { counter, sleep } from '../helpers.js';
import { startRedisServer } from '../setup/redis-server.js';

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(20);
  }
}

it.skipIf(!redisBackend())('with waitReplicas, nothing is reported accepted that a replica does not have', async () => {
  const primary = await startRedisServer();
  const replica = await startRedisServer();
  const replicaClient = new Redis(replica.url);
  const store = new RedisStore({ url: primary.url });
  const flow = new Flow('replicated').addRoutine(
    counter(),
    'inc',
  );
  const runtime = new Runtime({
    store,
    storeTimeout: 800,
    cluster: { url: primary.url, nodeId: 'replicated-a', leaseTtl: 3000, waitReplicas: 1, waitTimeout: 200 },
  });
  try {
    await replicaClient.replicaof('127.0.0.1', primary.port);
    await until('the replica is in sync', async () => /master_link_status:up/.test(await replicaClient.info('replication')), 10_000);
    const ws = runtime.exec(flow, { workerId: 'replicated-1' });
    await ws.ready();
    const first = runtime.post(flow, 'inc', 'in', 1, { workerId: 'replicated-1', idempotencyKey: 'k1' })[1];
    await first.accepted();
    // Accepted means on the replica too: its log is there.
    expect((await replicaClient.keys('routilux:{replicated-1}:*')).length).toBeGreaterThan(0);
    await first.done();

    replica.process.kill('SIGSTOP');
    const frozen = [2, 3, 4].map((i) => runtime.post(flow, 'inc', 'in', i, { workerId: 'replicated-1', idempotencyKey: `k${i}` })[1]);
    let reported = 0;
    for (const job of frozen) job.accepted().then(() => reported++, () => undefined);
    const rejections = await Promise.all(frozen.map((job) => job.accepted().then(() => undefined, (error: unknown) => error)));
    expect(reported).toBe(0);
    expect(rejections.every((e) => e instanceof StoreConnectionError)).toBe(true);

    replica.process.kill('SIGCONT');
    // Their ends become durable once the replica acknowledges again (until then done() says they are not).
    expect(await runtime.waitUntilAllJobsFinished({ timeout: 20_000 })).toBe(true);
    await Promise.all(frozen.map((job) => job.done()));
    expect(frozen.every((job) => job.status === 'completed')).toBe(true);
    expect(ws.getRoutineState<{ n: number }>('count')!.n).toBe(4);
    await Promise.all(frozen.map((job) => job.accepted())); // durable now: on the replica too
  } finally {
    replica.process.kill('SIGCONT');
    await runtime.shutdown({ timeout: 2000 }).catch(() => undefined);
    await store.close().catch(() => undefined);
    replicaClient.disconnect();
    await replica.stop();
    await primary.stop();
  }
}, 60_000);
