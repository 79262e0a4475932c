/** The Runtime's `store` option end to end (DESIGN §6.1): restore, output gate, idempotency, history, migrate. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableWorkerRequiredError, FlowShapeChangedError, InvalidArgumentError, WorkerNotRunningError, WorkerStartingError } from '../../src/errors.js';
import { Flow } from '../../src/flow/flow.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import { node } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-runtime-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbPath = () => join(dir, `rt-${n++}.db`);

/** intake -> count: count adds the order's amount to a total in WorkerState and records it in the job's data. */
function ordersFlow(name = 'orders') {
  return new Flow(name)
    .addRoutine(node(['in'], ['out'], (slots, _m, _ws, ctx) => ctx.emit('out', slots.in![0])), 'intake')
    .addRoutine(
      node(['in'], [], (slots, _m, ws, ctx) => {
        const order = slots.in![0] as { amount: number };
        const next = ws.updateRoutineState<{ total: number; count: number }>('count', (d) => {
          d.total = (d.total ?? 0) + order.amount;
          d.count = (d.count ?? 0) + 1;
        });
        ctx.job.setData('total', next.total);
      }),
      'count',
    )
    .connect('intake', 'out', 'count', 'in');
}

describe('Runtime with a store', () => {
  it('restarting on the same SQLite file restores WorkerState, history (getJob) and idempotency keys', async () => {
    const path = dbPath();
    const flow = ordersFlow();
    const first = new Runtime({ store: `sqlite:${path}` });
    const ws = first.exec(flow, { workerId: 'orders-1' });
    expect(ws.status).toBe('starting');
    expect(() => first.post(flow, 'intake', 'in', { amount: 1 }, { workerId: 'orders-1' })).toThrow(/await .*ready\(\)/);
    expect(() => first.post(flow, 'intake', 'in', { amount: 1 })).toThrow(WorkerNotRunningError);
    await ws.ready();
    expect(ws.status).toBe('running');
    const jobs = [];
    for (let i = 1; i <= 5; i++) {
      const [, job] = first.post(flow, 'intake', 'in', { amount: i }, { workerId: 'orders-1', idempotencyKey: `order-${i}` });
      jobs.push(job);
    }
    await Promise.all(jobs.map((j) => j.accepted()));
    await Promise.all(jobs.map((j) => j.done()));
    expect(ws.getRoutineState('count')).toEqual({ total: 15, count: 5 });
    // The same key returns the same job and starts nothing.
    const [, again] = first.post(flow, 'intake', 'in', { amount: 100 }, { workerId: 'orders-1', idempotencyKey: 'order-3' });
    expect(again).toBe(jobs[2]);
    await first.shutdown();

    const second = new Runtime({ store: `sqlite:${path}` });
    const ws2 = second.exec(flow, { workerId: 'orders-1' });
    await ws2.ready();
    expect(ws2.getRoutineState('count')).toEqual({ total: 15, count: 5 });
    const restored = second.getJob(jobs[4]!.jobId);
    expect(restored).toMatchObject({ jobId: jobs[4]!.jobId, status: 'completed', workerId: 'orders-1' });
    expect(restored!.data).toEqual({ total: 15 });
    const [, same] = second.post(flow, 'intake', 'in', { amount: 100 }, { workerId: 'orders-1', idempotencyKey: 'order-2' });
    expect(same.jobId).toBe(jobs[1]!.jobId);
    expect(same.status).toBe('completed');
    await second.waitUntilAllJobsFinished();
    expect(ws2.getRoutineState('count')).toEqual({ total: 15, count: 5 });
    const [, fresh] = second.post(flow, 'intake', 'in', { amount: 10 }, { workerId: 'orders-1', idempotencyKey: 'order-6' });
    await fresh.done();
    expect(ws2.getRoutineState('count')).toEqual({ total: 25, count: 6 });
    await second.shutdown();
  });

  it('an idempotency key outlives the bounded history: the repeat gets the job (id and outcome) and starts nothing', async () => {
    const store = new MemoryStore();
    const flow = ordersFlow();
    const first = new Runtime({ store, jobHistory: { maxEntries: 1 } });
    await first.exec(flow, { workerId: 'h' }).ready();
    const ids = [];
    for (let i = 1; i <= 3; i++) {
      const [, job] = first.post(flow, 'intake', 'in', { amount: i }, { workerId: 'h', idempotencyKey: `k${i}` });
      await job.done();
      ids.push(job.jobId);
    }
    await first.shutdown();
    const second = new Runtime({ store, jobHistory: { maxEntries: 1 } });
    const ws = await second.exec(flow, { workerId: 'h' }).ready();
    expect(second.getJob(ids[0]!)).toBeUndefined(); // pruned from history
    const [, repeat] = second.post(flow, 'intake', 'in', { amount: 100 }, { workerId: 'h', idempotencyKey: 'k1' });
    expect(repeat).toMatchObject({ jobId: ids[0], status: 'completed' });
    await second.waitUntilAllJobsFinished();
    expect(ws.getRoutineState('count')).toEqual({ total: 6, count: 3 });
    await second.shutdown();
  });

  it('state updated outside jobs is durable too (state.patch), and a store instance stays open after shutdown', async () => {
    const store = new SqliteStore({ path: dbPath() });
    const flow = ordersFlow();
    const first = new Runtime({ store });
    const ws = await first.exec(flow, { workerId: 'w' }).ready();
    ws.updateRoutineState('config', { limit: 3 });
    ws.updateRoutineState<{ limit: number }>('config', (d) => {
      d.limit++;
    });
    ws.updateRoutineState('gone', { x: 1 });
    ws.deleteRoutineState('gone');
    await first.shutdown();
    expect(await store.keys('routilux:*')).not.toEqual([]); // still open: the caller owns it
    const second = new Runtime({ store });
    const ws2 = await second.exec(flow, { workerId: 'w' }).ready();
    expect(ws2.routineStates).toEqual({ config: { limit: 4 } });
    await second.shutdown();
    await store.close();
  });

  it('a changed flow shape fails ready() with FlowShapeChangedError unless exec is given migrate', async () => {
    const store = new MemoryStore();
    const first = new Runtime({ store });
    const ws = await first.exec(ordersFlow(), { workerId: 'w' }).ready();
    ws.updateRoutineState('count', { total: 7, count: 1 });
    await first.shutdown();

    const changed = ordersFlow().addRoutine(node(['in'], [], () => {}), 'audit');
    const second = new Runtime({ store });
    const refused = second.exec(changed, { workerId: 'w' });
    await expect(refused.ready()).rejects.toThrow(FlowShapeChangedError);
    await expect(refused.ready()).rejects.toThrow(/routine "audit" was added/);
    expect(refused.status).toBe('failed');
    const migrated = second.exec(changed, { workerId: 'w2' }); // another id: nothing stored, nothing to migrate
    await migrated.ready();
    await second.shutdown();

    const third = new Runtime({ store });
    const ws3 = third.exec(changed, { workerId: 'w', migrate: (saved) => ({ ...saved, routineStates: { ...saved.routineStates, audit: { since: 'v2' } } }) });
    await ws3.ready();
    expect(ws3.routineStates).toEqual({ count: { total: 7, count: 1 }, audit: { since: 'v2' } });
    await third.shutdown();
  });

  it('while restoring: updates are refused with WorkerStartingError; a shutdown waits for the restore and stops the worker', async () => {
    const runtime = new Runtime({ store: 'memory:' });
    const ws = runtime.exec(ordersFlow(), { workerId: 's' });
    expect(ws.status).toBe('starting');
    expect(() => ws.updateRoutineState('x', { a: 1 })).toThrow(WorkerStartingError);
    expect(() => ws.updateRoutineState('x', { a: 1 })).toThrow(/await .*ready\(\)/);
    await runtime.shutdown();
    await expect(ws.ready()).rejects.toThrow(WorkerNotRunningError);
    expect(ws.status).toBe('stopped');
  });

  it('checks its options and refuses to start workers implicitly', async () => {
    expect(() => new Runtime({ store: 'postgres://x' })).toThrow(InvalidArgumentError);
    expect(() => new Runtime({ store: 42 as never })).toThrow(InvalidArgumentError);
    expect(() => new Runtime({ storeTimeout: 5 })).toThrow(/left out unless a store is given/);
    expect(() => new Runtime({ store: 'memory:', storeTimeout: -1 })).toThrow(InvalidArgumentError);
    expect(() => new Runtime({ store: 'memory:', idempotencyTtl: 'x' as never })).toThrow(InvalidArgumentError);
    expect(() => new Runtime().exec(ordersFlow(), { migrate: (s) => s })).toThrow(/only a runtime with a store/);
    const runtime = new Runtime({ store: 'memory:' });
    expect(() => runtime.post(ordersFlow(), 'intake', 'in', { amount: 1 })).toThrow(DurableWorkerRequiredError);
    const flow = ordersFlow();
    const ws = runtime.exec(flow, { workerId: 'a' });
    await ws.ready();
    expect(() => runtime.post(flow, 'intake', 'in', { amount: 1 }, { idempotencyKey: '' })).toThrow(InvalidArgumentError);
    await runtime.shutdown();
  });

  it('without a store: ready() and accepted() resolve at once; idempotency keys work in memory', async () => {
    const runtime = new Runtime();
    const flow = ordersFlow();
    const ws = runtime.exec(flow);
    expect(ws.status).toBe('running');
    expect(await ws.ready()).toBe(ws);
    const [, job] = runtime.post(flow, 'intake', 'in', { amount: 2 }, { idempotencyKey: 'k' });
    expect(await job.accepted()).toBe(job);
    await job.done();
    const [, again] = runtime.post(flow, 'intake', 'in', { amount: 2 }, { idempotencyKey: 'k' });
    expect(again).toBe(job);
    expect(ws.getRoutineState('count')).toEqual({ total: 2, count: 1 });
    await runtime.shutdown();
  });
});
