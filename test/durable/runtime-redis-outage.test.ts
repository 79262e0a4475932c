/**
 * A durable Runtime on Redis under load while Redis is killed and started again on the same port (its own server,
 * appendonly with fsync always): no job is reported accepted or done while Redis is down, waiters past
 * storeTimeout reject with StoreConnectionError, and once Redis is back every job completes, exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Flow, RedisStore, Runtime, StoreConnectionError, type JobContext } from '../../src/index.js';
import { startRedisServer } from '../setup/redis-server.js';
import { counter, sleep } from '../helpers.js';
import { redisBackend } from './backends.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-runtime-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.skipIf(!redisBackend())('Redis stopped under a durable load: nothing reported durable that is not; work resumes', async () => {
  let server = await startRedisServer({ dir, persistent: true });
  const store = new RedisStore({ url: server.url, commandTimeout: 200, connectTimeout: 2000 });
  const flow = new Flow('outage-load').addRoutine(
    counter(),
    'inc',
  );
  const runtime = new Runtime({ store, storeTimeout: 300 });
  try {
    await runtime.exec(flow, { workerId: 'outage' }).ready();
    let down = false;
    const jobs: JobContext[] = [];
    const reportedWhileDown: string[] = [];
    const rejections: unknown[] = [];
    const watch = (job: JobContext) => {
      for (const gate of [job.accepted(), job.done()]) {
        gate.then(
          () => void (down && reportedWhileDown.push(job.jobId)),
          (error: unknown) => void rejections.push(error),
        );
      }
    };
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const [, job] = runtime.post(flow, 'inc', 'in', { i }, { workerId: 'outage', idempotencyKey: `k${i}` });
        jobs.push(job);
        watch(job);
        await sleep(3);
      }
    })();
    await sleep(150);
    down = true;
    await server.stop('SIGKILL');
    await sleep(800); // longer than storeTimeout
    expect(reportedWhileDown).toEqual([]);
    expect(rejections.length).toBeGreaterThan(0);
    expect(rejections.every((e) => e instanceof StoreConnectionError)).toBe(true);

    server = await startRedisServer({ dir, persistent: true, port: server.port });
    down = false;
    await sleep(100);
    stop = true;
    await load;
    const finished = await runtime.waitUntilAllJobsFinished({ timeout: 15_000 });
    expect(finished).toBe(true);
    expect(jobs.every((j) => j.status === 'completed')).toBe(true);
    expect(runtime.getWorker('outage')!.getRoutineState<{ n: number }>('count')!.n).toBe(jobs.length);
    // Each job's gates now resolve: what was refused during the outage is durable after it.
    await Promise.all(jobs.map((j) => j.done()));
  } finally {
    await runtime.shutdown({ timeout: 2000 }).catch(() => undefined);
    await store.close().catch(() => undefined);
    await server.stop();
  }
}, 60_000);
