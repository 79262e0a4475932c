import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowShapeChangedError, InvalidArgumentError } from '../../src/errors.js';
import { DurableWorker, workerKeys, type DurableRecord } from '../../src/durable/index.js';
import { Flow } from '../../src/flow/flow.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import { node } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-durable-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flowV1 = () => new Flow('shop').addRoutine(node(['in'], [], () => {}), 'cart');
const flowV2 = () => new Flow('shop').addRoutine(node(['in'], [], () => {}), 'basket');
const accepted = (jobId: string, key: string): DurableRecord => ({
  type: 'job.accepted',
  jobId,
  flowId: 'shop',
  routineId: 'cart',
  slot: 'in',
  data: jobId,
  metadata: {},
  createdAt: Date.now(),
  idempotencyKey: key,
});

describe('DurableWorker', () => {
  it('restores state, jobs and idempotency keys; compacts every compactEvery records; checks the flow shape', async () => {
    const path = join(dir, 'shop.db');
    let states: Record<string, unknown> = {};
    let store = new SqliteStore({ path });
    const first = await DurableWorker.open({ store, workerId: 'shop-1', flow: flowV1(), routineStates: () => states, compactEvery: 50 });
    expect(first.restored.jobs.size).toBe(0);
    for (let i = 1; i <= 120; i++) {
      first.record(accepted(`j${i}`, `order-${i}`));
      states = { cart: { n: i } };
      first.record({ type: 'state.patch', op: 'set', routineId: 'cart', value: { n: i } });
      if (i % 2 === 0) first.record({ type: 'job.ended', jobId: `j${i}`, status: 'completed', data: {}, completedAt: Date.now() });
      if (i % 10 === 0) await first.whenDurable();
    }
    await first.whenDurable();
    await first.compact();
    expect(await store.keys(workerKeys('shop-1').allPattern)).toEqual([workerKeys('shop-1').snapshot]);
    expect(first.findIdempotent('order-2')).toMatchObject({ jobId: 'j2', finished: { status: 'completed' } });
    expect(first.findIdempotent('order-3')).toMatchObject({ jobId: 'j3', running: { accepted: { data: 'j3' } } });
    expect(first.findIdempotent('nope')).toBeUndefined();
    await first.close();
    await store.close();

    store = new SqliteStore({ path });
    const second = await DurableWorker.open({ store, workerId: 'shop-1', flow: flowV1(), routineStates: () => ({}) });
    expect(second.restored.routineStates).toEqual({ cart: { n: 120 } });
    expect(second.restored.jobs.size).toBe(60);
    expect(second.finishedJob('j120')?.status).toBe('completed');
    expect(second.findIdempotent('order-119')?.running?.accepted.jobId).toBe('j119');
    await second.close();

    await expect(DurableWorker.open({ store, workerId: 'shop-1', flow: flowV2(), routineStates: () => ({}) })).rejects.toThrow(FlowShapeChangedError);
    const migrated = await DurableWorker.open({
      store,
      workerId: 'shop-1',
      flow: flowV2(),
      routineStates: () => ({}),
      migrate: (saved) => ({ ...saved, routineStates: { basket: saved.routineStates.cart }, jobs: new Map() }),
    });
    expect(migrated.restored.routineStates).toEqual({ basket: { n: 120 } });
    await migrated.close();
    // The migration was written: the next open with the new flow needs none and sees the migrated worker.
    const after = await DurableWorker.open({ store, workerId: 'shop-1', flow: flowV2(), routineStates: () => ({}) });
    expect(after.restored.routineStates).toEqual({ basket: { n: 120 } });
    expect(after.restored.jobs.size).toBe(0);
    await after.close();
    await store.close();
  });

  it('bad options are typed errors', async () => {
    const store = new SqliteStore({ path: join(dir, 'bad.db') });
    await expect(DurableWorker.open(null as never)).rejects.toThrow(InvalidArgumentError);
    await expect(DurableWorker.open({ store, workerId: 'x', flow: flowV1(), routineStates: 'no' as never })).rejects.toThrow(/routineStates/);
    await expect(DurableWorker.open({ store, workerId: 'x', flow: flowV1(), routineStates: () => ({}), compactEvery: 0 })).rejects.toThrow(/compactEvery/);
    await expect(DurableWorker.open({ store, workerId: '', flow: flowV1(), routineStates: () => ({}) })).rejects.toThrow(InvalidArgumentError);
    await store.close();
  });
});
