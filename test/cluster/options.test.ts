/**
 * The cluster option's checks, and faults of Redis itself: unreachable at start, lost while hosting, back again,
 * frozen under a post.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkClusterReachable, resolveClusterOptions } from '../../src/cluster/options.js';
import { LeaseManager, type LeaseLossReason } from '../../src/cluster/lease.js';
import { Router } from '../../src/cluster/router.js';
import { ClusterConfigurationError, InvalidArgumentError, StoreConnectionError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { freePort, startRedisServer } from '../setup/redis-server.js';
import { describeWithRedis } from '../stores/redis-available.js';

const good = { url: 'redis://127.0.0.1:6379', nodeId: 'node-a', leaseTtl: 5000 };

describe('cluster options', () => {
  const redisStore = new RedisStore({ url: 'redis://127.0.0.1:1' }); // never connects: no operation is made
  afterAll(() => redisStore.close());

  it('accepts a RedisStore, a view of one, or a redis:// URL, and applies defaults', () => {
    expect(resolveClusterOptions(good, redisStore)).toEqual({ ...good, connectTimeout: 10_000, waitReplicas: 0, waitTimeout: 1000 });
    expect(resolveClusterOptions({ url: good.url, nodeId: 'n1' }, redisStore.scope('app'))).toMatchObject({ leaseTtl: 10_000 });
    expect(resolveClusterOptions(good, 'redis://127.0.0.1:6379/2').nodeId).toBe('node-a');
  });

  it('refuses a cluster without a store, or with a store not on Redis, with ClusterConfigurationError', () => {
    expect(() => resolveClusterOptions(good, undefined)).toThrow(ClusterConfigurationError);
    expect(() => resolveClusterOptions(good, undefined)).toThrow(/no store was given.*RedisStore/);
    const memory = new MemoryStore();
    expect(() => resolveClusterOptions(good, memory)).toThrow(ClusterConfigurationError);
    expect(() => resolveClusterOptions(good, memory)).toThrow(/MemoryStore, not on Redis/);
    expect(() => resolveClusterOptions(good, 'sqlite:./x.db')).toThrow(/"sqlite:.\/x.db", not on Redis/);
    expect(() => resolveClusterOptions(good, 42)).toThrow(ClusterConfigurationError);
  });

  it('refuses bad url, nodeId, leaseTtl and unknown options with InvalidArgumentError naming them', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, url: 'http://x' }, /cluster\.url/],
      [{ ...good, url: undefined }, /cluster\.url/],
      [{ ...good, nodeId: '' }, /cluster\.nodeId/],
      [{ ...good, nodeId: 'a:b' }, /cluster\.nodeId/],
      [{ ...good, nodeId: 7 }, /cluster\.nodeId/],
      [{ ...good, leaseTtl: 10 }, /cluster\.leaseTtl.*from 300/],
      [{ ...good, leaseTtl: 1.5e3 + 0.5 }, /cluster\.leaseTtl/],
      [{ ...good, leaseTtl: Infinity }, /cluster\.leaseTtl/],
      [{ ...good, connectTimeout: 0 }, /cluster\.connectTimeout/],
      [{ ...good, waitReplicas: -1 }, /cluster\.waitReplicas/],
      [{ ...good, waitReplicas: 1.5 }, /cluster\.waitReplicas/],
      [{ ...good, waitTimeout: 0 }, /cluster\.waitTimeout/],
      [{ ...good, nodeID: 'x' }, /cluster\.nodeID/],
    ];
    for (const [options, message] of cases) {
      expect(() => resolveClusterOptions(options, redisStore)).toThrow(InvalidArgumentError);
      expect(() => resolveClusterOptions(options, redisStore)).toThrow(message);
    }
    expect(() => resolveClusterOptions(null, redisStore)).toThrow(InvalidArgumentError);
    expect(() => resolveClusterOptions('redis://x', redisStore)).toThrow(InvalidArgumentError);
  });
});

describeWithRedis('cluster and Redis faults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routilux-cluster-fault-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('Redis unreachable at start gives StoreConnectionError within connectTimeout', async () => {
    const port = await freePort();
    const options = resolveClusterOptions({ url: `redis://127.0.0.1:${port}`, nodeId: 'lonely', connectTimeout: 300 }, 'redis://127.0.0.1');
    const started = Date.now();
    await expect(checkClusterReachable(options)).rejects.toThrow(StoreConnectionError);
    await expect(new LeaseManager({ url: options.url, nodeId: 'lonely', leaseTtl: 1000, connectTimeout: 300 }).start()).rejects.toThrow(/cannot reach Redis/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a node that loses Redis stops hosting before its lease lapses, and takes the worker back when Redis returns', async () => {
    const server = await startRedisServer({ dir, persistent: true });
    const leases = new LeaseManager({ url: server.url, nodeId: 'n1', leaseTtl: 1000 });
    try {
      await leases.start();
      const events: [string, number, LeaseLossReason?][] = [];
      leases.on('acquired', (_w, token) => events.push(['acquired', token]));
      leases.on('lost', (_w, token, reason) => events.push(['lost', token, reason]));
      leases.offer('w1');
      await expect.poll(() => leases.isHeld('w1'), { timeout: 5000 }).toBe(true);
      await server.stop('SIGKILL');
      const downAt = Date.now();
      await expect.poll(() => events.some(([e]) => e === 'lost'), { timeout: 5000 }).toBe(true);
      expect(Date.now() - downAt).toBeLessThan(1000); // judged by its own clock, before the lease could lapse in Redis
      expect(leases.isHeld('w1')).toBe(false);
      expect(events[1]).toEqual(['lost', 1, 'expired']);
      const again = await startRedisServer({ dir, persistent: true, port: server.port });
      try {
        await expect.poll(() => leases.isHeld('w1'), { timeout: 10_000 }).toBe(true);
        expect(events[2]).toEqual(['acquired', 2]); // the fence counter survived (appendonly): a newer token
      } finally {
        await leases.close();
        await again.stop();
      }
    } finally {
      await leases.close();
      await server.stop();
    }
  });
});

describeWithRedis('cluster posts while Redis is frozen', () => {
  it('accepted() and done() reject with StoreConnectionError after postTimeout, and posting works again once Redis is back', async () => {
    const server = await startRedisServer();
    const leases = new LeaseManager({ url: server.url, nodeId: 'poster', leaseTtl: 1000 });
    await leases.start();
    const router = new Router({
      url: server.url,
      nodeId: 'poster',
      leases,
      postTimeout: 400,
      host: { acceptRemote: () => ({ accepted: Promise.resolve(), done: new Promise(() => undefined) }) },
    });
    try {
      await router.start();
      await router.post({ workerId: 'w', jobId: 'before', flowName: 'f', routineId: 'r', slotName: 's', data: 1 }).accepted();
      server.process.kill('SIGSTOP');
      const started = Date.now();
      const handle = router.post({ workerId: 'w', jobId: 'frozen', flowName: 'f', routineId: 'r', slotName: 's', data: 1 });
      await expect(handle.accepted()).rejects.toThrow(StoreConnectionError);
      await expect(handle.done()).rejects.toThrow(/post it again with the same idempotencyKey/);
      expect(Date.now() - started).toBeLessThan(2000);
      server.process.kill('SIGCONT');
      await router.post({ workerId: 'w', jobId: 'after', flowName: 'f', routineId: 'r', slotName: 's', data: 1 }).accepted();
    } finally {
      server.process.kill('SIGCONT');
      await router.close();
      await leases.close();
      await server.stop();
    }
  });
});
