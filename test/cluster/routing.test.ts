/**
 * Routing through BullMQ on a real redis-server: in one process first (results, failures, standby forwarding), then
 * three node processes and a client process with one node SIGKILLed mid-run.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { workerKeyPrefix } from '../../src/cluster/keys.js';
import { LeaseManager } from '../../src/cluster/lease.js';
import { Router } from '../../src/cluster/router.js';
import { describeWithRedis } from '../stores/redis-available.js';
import { FakeHost } from '../fixtures/cluster-fake-host.js';
import { ChildNode } from './child-node.js';

const run = `${process.pid}-${Date.now().toString(36)}`;

describeWithRedis('cluster routing', (url) => {
  let redis: Redis;
  const closers: (() => Promise<void>)[] = [];
  const children: ChildNode[] = [];

  async function startNode(nodeId: string, leaseTtl: number) {
    const leases = new LeaseManager({ url, nodeId: `${nodeId}-${run}`, leaseTtl });
    await leases.start();
    const host = new FakeHost(leases, 1);
    const router = new Router({ url, nodeId: leases.nodeId, leases, host });
    host.router = router;
    await router.start();
    closers.push(async () => {
      await router.close();
      await leases.close();
    });
    return { leases, host, router };
  }
  const acquired = (leases: LeaseManager, workerId: string) =>
    new Promise<number>((resolve) => leases.on('acquired', (w, token) => w === workerId && resolve(token)));

  beforeAll(() => {
    redis = new Redis(url);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await Promise.all(children.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('a post on a node that does not host the worker returns a handle: accepted(), then done() with the final data', async () => {
    const a = await startNode('a', 2000);
    const b = await startNode('b', 2000);
    const w = `w-${run}-1`;
    const got = acquired(a.leases, w);
    a.leases.offer(w);
    await got;
    b.leases.offer(w); // standby
    expect(a.leases.isHeld(w)).toBe(true);
    expect(b.leases.isHeld(w)).toBe(false);

    const handles = Array.from({ length: 100 }, (_, i) => b.router.post({ workerId: w, jobId: `j${i}`, flowName: 'fake', routineId: 'r', slotName: 's', data: { i, at: new Date(0) } }));
    expect(handles[0]!.status).toBe('pending');
    await Promise.all(handles.map((h) => h.accepted()));
    const results = await Promise.all(handles.map((h) => h.done()));
    expect(results.map((r) => r.status)).toEqual(handles.map(() => 'completed'));
    expect(results[7]).toMatchObject({ jobId: 'j7', workerId: w, data: { ranOn: a.leases.nodeId, token: 1 }, nodeId: a.leases.nodeId });
    expect(handles[7]!.status).toBe('completed');
    expect(Number(await redis.get(`${workerKeyPrefix(w)}count`))).toBe(100);
    expect(b.router.pendingResults).toBe(0);
  });

  it('a remote job that fails resolves done() with status failed and the error, as a local one does', async () => {
    const a = await startNode('a', 2000);
    const b = await startNode('b', 2000);
    const w = `w-${run}-2`;
    const got = acquired(a.leases, w);
    a.leases.offer(w);
    await got;
    const handle = b.router.post({ workerId: w, flowName: 'fake', routineId: 'missing', slotName: 's', data: 1 });
    await handle.accepted();
    const result = await handle.done();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ name: 'RoutineNotFoundError', code: 'ROUTINE_NOT_FOUND' });
    expect(handle.error).toMatchObject({ code: 'REMOTE_JOB_ERROR', remoteCode: 'ROUTINE_NOT_FOUND' });
  });

  it('a job posted while nobody hosts the worker is held, then runs once a node takes the worker', async () => {
    const a = await startNode('a', 1000);
    const w = `w-${run}-3`;
    const handle = a.router.post({ workerId: w, jobId: 'early', flowName: 'fake', routineId: 'r', slotName: 's', data: 1 });
    await handle.accepted();
    await new Promise((r) => setTimeout(r, 300));
    expect(handle.status).toBe('pending');
    a.leases.offer(w);
    expect((await handle.done()).status).toBe('completed');
  });

  it('3 node processes + 1 client: one node SIGKILLed mid-run, its workers taken over, every job done exactly once', async () => {
    const ttl = 1500;
    const jobs = 1500; // 3,000 pass as well (scratch runs); fewer keep the test short on a loaded 2-core machine
    const workers = Array.from({ length: 6 }, (_, i) => `route-${run}-${i}`);
    const nodes = ['a', 'b', 'c'].map((id) => {
      const child = new ChildNode('test/fixtures/cluster-route-node.ts', [url, `${id}-${run}`, String(ttl), workers.join(',')]);
      children.push(child);
      return child;
    });
    await Promise.all(nodes.map((n) => n.waitFor((e) => e.event === 'ready', 20_000, 'node ready')));
    const startAt = Date.now() + 200;
    for (const n of nodes) n.send(`offer-at ${startAt}`);
    const hostOf = async (w: string) => (await redis.get(`${workerKeyPrefix(w)}lease`))?.split('|')[0];
    const deadline = Date.now() + 10_000;
    while ((await Promise.all(workers.map(hostOf))).some((h) => h === undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const hosts = await Promise.all(workers.map(hostOf));
    expect(hosts.every((h) => h !== undefined)).toBe(true);

    const client = new ChildNode('test/fixtures/cluster-route-client.ts', [url, `client-${run}`, String(ttl), workers.join(','), String(jobs)]);
    children.push(client);
    await client.waitFor((e) => e.event === 'progress' && (e.accepted as number) >= jobs / 3, 60_000, 'a third of the jobs accepted');

    // Kill the node hosting the most workers (the first to start often won them all).
    const victimId = [...new Set(hosts)].sort((x, y) => hosts.filter((h) => h === y).length - hosts.filter((h) => h === x).length)[0]!;
    const victim = nodes.find((n) => n.process.spawnargs.includes(victimId))!;
    const orphaned = workers.filter((_, i) => hosts[i] === victimId);
    const killedAt = Date.now();
    victim.signal('SIGKILL');

    const summary = await client.waitFor((e) => e.event === 'summary', 90_000, 'client summary');
    expect(summary).toMatchObject({ accepted: jobs, done: jobs, statuses: { completed: jobs }, pending: 0 });

    // Each orphaned worker was taken over by a survivor within leaseTtl + 2 s.
    for (const w of orphaned) {
      const takeover = nodes
        .filter((n) => n !== victim)
        .flatMap((n) => n.events)
        .filter((e) => e.event === 'acquired' && e.workerId === w && e.at > killedAt)[0];
      expect(takeover, `takeover of ${w}`).toBeDefined();
      expect(takeover!.at - killedAt).toBeLessThanOrEqual(ttl + 2000);
    }
    // Every job ran to its end exactly once (fenced, so counted once), and each worker's counter equals its jobs.
    for (const w of workers) {
      const p = workerKeyPrefix(w);
      expect(Number(await redis.get(`${p}count`)), w).toBe(jobs / workers.length);
      let cursor = '0';
      const runs: string[] = [];
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${p}runs:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) runs.push(...((await redis.mget(...keys)) as string[]));
      } while (cursor !== '0');
      expect(runs.length).toBe(jobs / workers.length);
      expect(runs.every((r) => r === '1')).toBe(true);
    }
  }, 120_000);
});
