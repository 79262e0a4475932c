/**
 * A cluster node whose Redis goes away (its own redis-server, appendonly with fsync always, killed and started again
 * on the same port): the node stops hosting once its lease can no longer be trusted (the worker goes back to
 * `standby`, jobs here are not reported as done), and rejoins when Redis returns: it hosts the worker again, restored
 * from the log, with every job counted once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Flow, RedisStore, Runtime, type WorkerState } from '../../src/index.js';
import { startRedisServer } from '../setup/redis-server.js';
import { counter, sleep } from '../helpers.js';
import { redisBackend } from '../durable/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-cluster-loss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, ok: () => boolean, ms: number): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(10);
  }
  return Date.now() - start;
}

const count = (ws: WorkerState) => ws.getRoutineState<{ n: number }>('count')?.n ?? 0;

it.skipIf(!redisBackend())('a node that loses Redis stops hosting, and hosts again when Redis returns', async () => {
  let server = await startRedisServer({ dir, persistent: true });
  const store = new RedisStore({ url: server.url, connectTimeout: 2000 });
  const flow = new Flow('loss').addRoutine(
    counter(),
    'inc',
  );
  const leaseTtl = 1500;
  const runtime = new Runtime({ store, cluster: { url: server.url, nodeId: 'loss-a', leaseTtl, connectTimeout: 2000 } });
  try {
    const ws = runtime.exec(flow, { workerId: 'loss-1' });
    expect(ws.status).toBe('standby');
    await ws.ready();
    expect(ws.status).toBe('running');
    const before = Array.from({ length: 20 }, (_, i) => runtime.post(flow, 'inc', 'in', i, { workerId: 'loss-1', idempotencyKey: `a${i}` })[1]);
    await Promise.all(before.map((j) => j.done()));
    expect(count(ws)).toBe(20);

    await server.stop('SIGKILL');
    // The lease is no longer trusted (renewals fail) well within leaseTtl: the worker is handed back.
    const demotedAfter = await until('the worker is in standby', () => ws.status === 'standby', leaseTtl + 2000);
    expect(demotedAfter).toBeLessThanOrEqual(leaseTtl + 2000);
    const readyAgain = ws.ready();

    server = await startRedisServer({ dir, persistent: true, port: server.port });
    await readyAgain;
    expect(ws.status).toBe('running');
    expect(count(ws)).toBe(20); // restored from the log, nothing lost or doubled
    const after = Array.from({ length: 20 }, (_, i) => runtime.post(flow, 'inc', 'in', i, { workerId: 'loss-1', idempotencyKey: `b${i}` })[1]);
    await Promise.all(after.map((j) => j.done()));
    expect(after.every((j) => j.status === 'completed')).toBe(true);
    expect(count(ws)).toBe(40);
    // The keys posted before the outage are still known: posting them again starts nothing.
    const again = runtime.post(flow, 'inc', 'in', 0, { workerId: 'loss-1', idempotencyKey: 'a0' })[1];
    expect(again.jobId).toBe(before[0]!.jobId);
    await again.done();
    expect(count(ws)).toBe(40);
  } finally {
    await runtime.shutdown({ timeout: 2000 }).catch(() => undefined);
    await store.close().catch(() => undefined);
    await server.stop();
  }
}, 60_000);
