/**
 * The Runtime's `cluster` option (DESIGN §6.2) through its public API: two node processes racing for the same
 * workers never both host one; and, in this process, two Runtimes on one Redis: a post on the node that does not
 * host the worker returns a handle whose done() gives the job's final data (a failure as a local one gives it),
 * idempotency keys across nodes, a graceful shutdown handing workers over at once, and the typed errors of bad
 * options and an unreachable Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterConfigurationError,
  FlowRegistry,
  MemoryStore,
  RedisStore,
  RemoteJobError,
  Runtime,
  SqliteStore,
  StoreConnectionError,
  type WorkerState,
} from '../../src/index.js';
import { freePort } from '../setup/redis-server.js';
import { describeWithRedis } from '../stores/redis-available.js';
import type { ChildNode } from './child-node.js';
import { CLUSTER_FLOW, OrderRejectedError, clusterFlow, reportOf } from '../fixtures/cluster-runtime-flow.js';
import { hostedReports, spawnNode, stopAll, type RuntimeNode } from '../fixtures/cluster-runtime-harness.js';

const run = `${process.pid}-${Date.now().toString(36)}`;
const NODE_ID = 'in-process';


beforeAll(() => {
  FlowRegistry.getInstance().registerByName(CLUSTER_FLOW, clusterFlow(NODE_ID));
});

/** The periods [from, to) in which `node` reported `running` for `workerId` (to = now for one still running). */
function runningPeriods(node: RuntimeNode, workerId: string): [number, number][] {
  const changes = node.child.events.filter((e) => e.event === 'status' && e.workerId === workerId);
  return changes.flatMap((e, i) => (e.status === 'running' ? [[e.at, changes[i + 1]?.at ?? Date.now()] as [number, number]] : []));
}

/** Resolves with `promise`, or rejects naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

describe('cluster runtime: bad options and an unreachable Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routilux-cluster-runtime-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = { url: 'redis://127.0.0.1:6379', nodeId: 'node-a', leaseTtl: 1000 };

  it('refuses cluster without a store, or with a memory or SQLite store, with ClusterConfigurationError', async () => {
    expect(() => new Runtime({ cluster })).toThrow(ClusterConfigurationError);
    expect(() => new Runtime({ cluster })).toThrow(/store/);
    const memory = new MemoryStore();
    expect(() => new Runtime({ store: memory, cluster })).toThrow(ClusterConfigurationError);
    expect(() => new Runtime({ store: 'memory:', cluster })).toThrow(ClusterConfigurationError);
    const sqlite = new SqliteStore({ path: join(dir, 'cluster.db') });
    try {
      expect(() => new Runtime({ store: sqlite, cluster })).toThrow(ClusterConfigurationError);
      expect(() => new Runtime({ store: `sqlite:${join(dir, 'other.db')}`, cluster })).toThrow(ClusterConfigurationError);
      let refused: unknown;
      try {
        new Runtime({ store: sqlite, cluster });
      } catch (error) {
        refused = error;
      }
      expect(refused).toMatchObject({ code: 'CLUSTER_CONFIG' });
      expect((refused as Error).message).toMatch(/RedisStore/); // says how to fix it
    } finally {
      await memory.close();
      await sqlite.close();
    }
  });

  it('with Redis unreachable at start, ready() and accepted() reject with StoreConnectionError', async () => {
    const dead = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const open = (nodeId: string) => {
      const store = new RedisStore({ url: dead, connectTimeout: 300, commandTimeout: 300 });
      const runtime = new Runtime({ store, storeTimeout: 500, cluster: { url: dead, nodeId: `${nodeId}-${run}`, leaseTtl: 1000, connectTimeout: 300 } });
      return { store, runtime };
    };
    const host = open('dead-host');
    const client = open('dead-client');
    try {
      const ws = host.runtime.exec(CLUSTER_FLOW, { workerId: `dead-${run}` });
      await expect(within(ws.ready(), 10_000, 'ready()')).rejects.toBeInstanceOf(StoreConnectionError);
      const [, job] = client.runtime.post(CLUSTER_FLOW, 'intake', 'in', { key: 'k' }, { workerId: `dead-${run}`, idempotencyKey: 'k' });
      await expect(within(job.accepted(), 10_000, 'accepted()')).rejects.toBeInstanceOf(StoreConnectionError);
    } finally {
      await within(Promise.all([host.runtime.shutdown({ timeout: 100 }), client.runtime.shutdown({ timeout: 100 })]), 10_000, 'shutdown');
      await host.store.close();
      await client.store.close();
    }
  });
});

describeWithRedis('cluster runtime', (url) => {
  const runtimes: { runtime: Runtime; store: RedisStore }[] = [];
  const children: ChildNode[] = [];
  /** A Runtime with the cluster option on the test Redis; shut down after each test. */
  const open = (nodeId: string, leaseTtl = 1000) => {
    const store = new RedisStore({ url });
    const runtime = new Runtime({ store, cluster: { url, nodeId: `${nodeId}-${run}`, leaseTtl } });
    runtimes.push({ runtime, store });
    return runtime;
  };
  afterEach(async () => {
    for (const { runtime, store } of runtimes.splice(0).reverse()) {
      await runtime.shutdown({ timeout: 1000 });
      await store.close();
    }
    await stopAll(children.splice(0));
  });

  /** Host `host` execs the worker and becomes its host; `other` execs it too and stays standby. */
  async function hostAndStandby(workerId: string, host: Runtime, other?: Runtime): Promise<{ hosted: WorkerState; standby?: WorkerState }> {
    const hosted = host.exec(CLUSTER_FLOW, { workerId });
    await within(hosted.ready(), 10_000, 'ready() of the first node');
    expect(hosted.status).toBe('running');
    if (!other) return { hosted };
    const standby = other.exec(CLUSTER_FLOW, { workerId });
    expect(standby.status).toBe('standby');
    return { hosted, standby };
  }

  it('a remote handle: accepted(), then done() with the final data (status, data, traceLog, output), as a local job gives it', async () => {
    const a = open('a');
    const b = open('b');
    const workerId = `remote-${run}`;
    const { hosted, standby } = await hostAndStandby(workerId, a, b);

    const [ws, job] = b.post(CLUSTER_FLOW, 'intake', 'in', { key: 'r1' }, { workerId, idempotencyKey: 'r1' });
    expect(ws.status).toBe('standby');
    expect(typeof job.jobId).toBe('string');
    await within(job.accepted(), 10_000, 'accepted()');
    const remote = await within(job.done(), 10_000, 'done()');
    expect(job.status).toBe('completed');
    expect(remote.status).toBe('completed');
    expect(remote.data).toEqual({ ranOn: NODE_ID, key: 'r1' });
    expect(remote.traceLog).toContainEqual(expect.objectContaining({ routineId: 'intake', action: 'handled', details: { key: 'r1', nodeId: NODE_ID } }));
    expect(remote.output).toContain(`handled r1 on ${NODE_ID}`);
    expect(remote.error).toBeUndefined();

    // The same post on the host, for comparison: the same final data.
    const [, localJob] = a.post(CLUSTER_FLOW, 'intake', 'in', { key: 'l1' }, { workerId, idempotencyKey: 'l1' });
    const local = await within(localJob.done(), 10_000, 'local done()');
    expect(local.status).toBe(remote.status);
    expect(local.data).toEqual({ ranOn: NODE_ID, key: 'l1' });
    expect(local.output).toEqual([`handled l1 on ${NODE_ID}`]);
    expect(remote.output).toEqual([`handled r1 on ${NODE_ID}`]);
    expect(remote.traceLog.map((e) => [e.routineId, e.action])).toEqual(local.traceLog.map((e) => [e.routineId, e.action]));

    // Both ran on the host, once each: its state counts them; the standby holds none of it.
    expect(reportOf(hosted)).toMatchObject({ intake: 2, count: 2, markers: { r1: 1, l1: 1 } });
    expect(standby!.status).toBe('standby');
  });

  it('a remote job that fails resolves done() with status failed and an error naming the original, as a local one does', async () => {
    const a = open('a');
    const b = open('b');
    const workerId = `fail-${run}`;
    await hostAndStandby(workerId, a);

    const [, localJob] = a.post(CLUSTER_FLOW, 'boom', 'in', { key: 'lf' }, { workerId });
    const local = await within(localJob.done(), 10_000, 'local done()');
    expect(local.status).toBe('failed');
    expect(local.error).toBeInstanceOf(OrderRejectedError);
    expect(local.error).toMatchObject({ code: 'ORDER_REJECTED', message: 'order lf was rejected by the boom routine' });

    const [, job] = b.post(CLUSTER_FLOW, 'boom', 'in', { key: 'rf' }, { workerId });
    await within(job.accepted(), 10_000, 'accepted()');
    const remote = await within(job.done(), 10_000, 'done()'); // resolves, as a local failed job's done() does
    expect(remote.status).toBe('failed');
    expect(job.status).toBe('failed');
    expect(remote.error).toBeInstanceOf(RemoteJobError);
    expect(remote.error).toMatchObject({ code: 'REMOTE_JOB_ERROR', remoteName: 'OrderRejectedError', remoteCode: 'ORDER_REJECTED' });
    expect((remote.error as Error).message).toContain('order rf was rejected by the boom routine');
    expect(remote.failedRoutineId).toBe(local.failedRoutineId);
    expect(remote.data).toEqual({ reached: 'boom' });
    expect(local.data).toEqual({ reached: 'boom' });
  });

  it('an idempotency key posted twice from a client node gives one job', async () => {
    const a = open('a');
    const client = open('client');
    const workerId = `idem-${run}`;
    const { hosted } = await hostAndStandby(workerId, a);

    const post = () => client.post(CLUSTER_FLOW, 'intake', 'in', { key: 'once' }, { workerId, idempotencyKey: 'once' })[1];
    // A node that never exec'ed the worker gets a standby WorkerState for it.
    const [view, other] = client.post(CLUSTER_FLOW, 'intake', 'in', { key: 'other' }, { workerId, idempotencyKey: 'other' });
    expect(view.status).toBe('standby');
    await within(other.done(), 10_000, 'done() of another key');
    const first = post();
    const second = post();
    await within(Promise.all([first.accepted(), second.accepted()]), 10_000, 'accepted()');
    const [f1, f2] = await within(Promise.all([first.done(), second.done()]), 10_000, 'done()');
    const third = post(); // after the first one ended
    const f3 = await within(third.done(), 10_000, 'done() of the third post');
    for (const f of [f1, f2, f3]) expect(f.status).toBe('completed');
    // Every post of the key names the one job (as a local post of a known key returns that job).
    expect.soft(f2.jobId, 'jobId of the second post').toBe(f1.jobId);
    expect.soft(f3.jobId, 'jobId of the post after the job ended').toBe(f1.jobId);
    const jobsOfKey = a.listJobs({ workerId }).filter((j) => j.data.key === 'once');
    expect(jobsOfKey.map((j) => j.jobId), 'jobs of the key on the host').toEqual([f1.jobId]);
    expect(reportOf(hosted).markers.once, 'the key applied once').toBe(1);
  });

  it('shutdown() of the host hands its worker to the standby at once, not after leaseTtl', async () => {
    const leaseTtl = 6000;
    const a = open('a', leaseTtl);
    const b = open('b', leaseTtl);
    const workerId = `leave-${run}`;
    const { standby } = await hostAndStandby(workerId, a, b);
    const [, before] = b.post(CLUSTER_FLOW, 'intake', 'in', { key: 'before' }, { workerId, idempotencyKey: 'before' });
    expect((await within(before.done(), 10_000, 'done() before the handover')).status).toBe('completed');

    const leaving = Date.now();
    await a.shutdown({ timeout: 2000 });
    await within(standby!.ready(), leaseTtl, 'ready() of the standby');
    const tookOver = Date.now() - leaving;
    console.log(`graceful handover: the standby was running ${tookOver} ms after shutdown() began (leaseTtl ${leaseTtl})`);
    expect(standby!.status).toBe('running');
    expect(tookOver).toBeLessThan(leaseTtl / 2); // the lease was released, not left to lapse

    // The new host restored the worker: what ran on the old one is there, and new posts run here.
    const [, after] = b.post(CLUSTER_FLOW, 'intake', 'in', { key: 'after' }, { workerId, idempotencyKey: 'after' });
    expect((await within(after.done(), 10_000, 'done() after the handover')).status).toBe('completed');
    expect(reportOf(b.getWorker(workerId) ?? standby!)).toMatchObject({ intake: 2, count: 2, markers: { before: 1, after: 1 } });
  });

  it('two nodes offered the same workers at the same instant never both host one (statuses and a fenced marker), 3 rounds', async () => {
    const leaseTtl = 1000;
    const nodes: RuntimeNode[] = ['a', 'b'].map((id) => spawnNode(url, `race-${id}-${run}`, leaseTtl, []));
    children.push(...nodes.map((n) => n.child));
    await Promise.all(nodes.map((n) => n.child.waitFor((e) => e.event === 'ready', 20_000, `${n.id} ready`)));
    const burst = 10;
    for (let round = 0; round < 3; round++) {
      const workers = [0, 1, 2].map((i) => `race-${run}-${round}-${i}`);
      const startAt = Date.now() + 300;
      // Both exec at the same wall-clock ms, then each posts `burst` jobs to every worker at once.
      for (const n of nodes) n.child.send(`exec-at ${startAt} ${burst} ${workers.join(',')}`);
      const bursts = await Promise.all(
        nodes.map((n) => n.child.waitFor((e) => e.event === 'burst' && (e.workers as string[])[0] === workers[0], 20_000, `round ${round} burst on ${n.id}`)),
      );
      const results = bursts.flatMap((e) => e.results as { key: string; workerId: string; status: string; ranOn: string }[]);
      expect(results).toHaveLength(nodes.length * workers.length * burst);
      expect(results.filter((r) => r.status !== 'completed')).toEqual([]);

      for (const w of workers) {
        // Each node's `running` periods for this worker, as it sampled them every few ms: never two at once.
        const periods = nodes.flatMap((n) => runningPeriods(n, w).map(([from, to]) => ({ node: n.id, from, to })));
        const overlaps = periods.flatMap((p, i) => periods.slice(i + 1).filter((q) => q.node !== p.node && q.from < p.to && p.from < q.to).map((q) => [p, q]));
        expect(overlaps, `${w} running on two nodes at once; periods: ${JSON.stringify(periods)}`).toEqual([]);
        expect(periods.length, `${w} never ran`).toBeGreaterThan(0);
        // Every job of the worker, posted from both nodes, ran on a node that hosted it.
        const ranOn = new Set(results.filter((r) => r.workerId === w).map((r) => r.ranOn));
        for (const id of ranOn) expect(periods.map((p) => p.node), `${w}'s jobs ran on ${id}`).toContain(id);
        if (new Set(periods.map((p) => p.node)).size > 1) console.log(`note: ${w} moved between nodes during round ${round} (a lease lost under load): ${JSON.stringify(periods)}`);
      }
      // The fenced marker: the durable state counts each job once.
      const reports = await hostedReports(nodes, workers);
      for (const w of workers) {
        const report = reports.get(w)!;
        expect(report.intake).toBe(nodes.length * burst);
        expect(Object.values(report.nodes).reduce((x, y) => x + y, 0)).toBe(nodes.length * burst);
        expect(Object.values(report.markers).every((n) => n === 1)).toBe(true);
        expect(Object.keys(report.markers)).toHaveLength(nodes.length * burst);
      }
    }
  }, 40_000);
});
