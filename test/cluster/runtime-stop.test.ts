/**
 * `runtime.stop(workerId)` on a cluster hands that one worker over: the host writes its log, releases the lease and
 * stops offering; another node that exec'ed the worker hosts it at once, restored, and the stopping node's posts to
 * it travel there.
 */
import { afterEach, expect, it } from 'vitest';
import { Flow, RedisStore, Runtime } from '../../src/index.js';
import { counter, sleep } from '../helpers.js';
import { describeWithRedis } from '../stores/redis-available.js';

const run = `${process.pid}-${Date.now().toString(36)}`;

function countingFlow(): Flow {
  return new Flow('stop-handover').addRoutine(
    counter(),
    'inc',
  );
}

describeWithRedis('cluster: stop(workerId)', (url) => {
  const open: { runtime: Runtime; store: RedisStore }[] = [];
  const start = (nodeId: string) => {
    const store = new RedisStore({ url });
    const runtime = new Runtime({ store, cluster: { url, nodeId: `${nodeId}-${run}`, leaseTtl: 10_000 } });
    open.push({ runtime, store });
    return runtime;
  };
  afterEach(async () => {
    for (const { runtime, store } of open.splice(0)) {
      await runtime.shutdown({ timeout: 2000 });
      await store.close();
    }
  });

  it('hands the worker to a standby at once (well under leaseTtl), with its state; posts from the old host follow it', async () => {
    const a = start('a');
    const b = start('b');
    const flowA = countingFlow();
    const flowB = countingFlow();
    const workerId = `stop-${run}`;
    const onA = a.exec(flowA, { workerId });
    await onA.ready();
    const onB = b.exec(flowB, { workerId });
    await sleep(50);
    expect(onB.status).toBe('standby');
    const before = Array.from({ length: 10 }, (_, i) => a.post(flowA, 'inc', 'in', i, { workerId, idempotencyKey: `a${i}` })[1]);
    await Promise.all(before.map((j) => j.done()));

    const stoppedAt = Date.now();
    await a.stop(workerId);
    expect(onA.status).toBe('stopped');
    expect(a.getWorker(workerId)).toBeUndefined();
    await onB.ready();
    expect(Date.now() - stoppedAt).toBeLessThan(5000); // the lease was released, not left to lapse (leaseTtl 10,000)
    expect(onB.getRoutineState<{ n: number }>('count')!.n).toBe(10);

    // a no longer offers to host it: its posts are routed to b.
    const [view, routed] = a.post(flowA, 'inc', 'in', 99, { workerId, idempotencyKey: 'after-stop' });
    expect(view.status).toBe('standby');
    const end = await routed.done();
    expect(end.status).toBe('completed');
    expect(onB.getRoutineState<{ n: number }>('count')!.n).toBe(11);
    // A key posted before the stop is still known on the new host.
    const again = b.post(flowB, 'inc', 'in', 0, { workerId, idempotencyKey: 'a0' })[1];
    expect(again.jobId).toBe(before[0]!.jobId);
    await again.done();
    expect(onB.getRoutineState<{ n: number }>('count')!.n).toBe(11);
  });
});
