import fc from 'fast-check';
import { Immer, enablePatches, type Draft } from 'immer';
import { describe, expect, it } from 'vitest';
import { WorkerFold, WorkerLog, replay, type DurableRecord, type StateChange } from '../../src/durable/index.js';
import { MemoryStore } from '../../src/stores/memory-store.js';

enablePatches();
const immer = new Immer({ autoFreeze: true });

type State = Record<string, unknown>;
type Op =
  | { kind: 'set'; key: string; value: number }
  | { kind: 'inc'; key: string }
  | { kind: 'push'; key: string; value: string }
  | { kind: 'splice'; key: string }
  | { kind: 'delete'; key: string }
  | { kind: 'nested'; key: string; inner: string; value: boolean }
  | { kind: 'replace'; value: number }
  | { kind: 'drop' };

const key = fc.constantFrom('a', 'b', 'c', '$x', 'constructor', 'toString');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant('inc' as const), key }),
  fc.record({ kind: fc.constant('push' as const), key, value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('splice' as const), key }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('nested' as const), key, inner: fc.constantFrom('p', 'q'), value: fc.boolean() }),
  fc.record({ kind: fc.constant('replace' as const), value: fc.integer() }),
  fc.constant({ kind: 'drop' as const }),
);
const step = fc.record({ routine: fc.constantFrom('r1', 'r2', 'r3'), op, compact: fc.boolean(), turn: fc.boolean() });

function recipe(o: Op): (draft: Draft<State>) => void | State {
  return (d) => {
    if (typeof d !== 'object' || d === null) return { replaced: d as unknown as number };
    const own = (k: string) => (Object.hasOwn(d, k) ? (d as Record<string, unknown>)[k] : undefined);
    const put = (k: string, v: unknown) => void ((d as Record<string, unknown>)[k] = v);
    switch (o.kind) {
      case 'set':
        put(o.key, o.value);
        return;
      case 'inc':
        put(o.key, typeof own(o.key) === 'number' ? (own(o.key) as number) + 1 : 1);
        return;
      case 'push': {
        const current = own(o.key);
        if (Array.isArray(current)) current.push(o.value);
        else put(o.key, [o.value]);
        return;
      }
      case 'splice': {
        const current = own(o.key);
        if (Array.isArray(current) && current.length > 0) current.splice(0, 1);
        return;
      }
      case 'delete':
        delete (d as Record<string, unknown>)[o.key];
        return;
      case 'nested': {
        const current = own(o.key);
        if (typeof current === 'object' && current !== null && !Array.isArray(current)) (current as Record<string, unknown>)[o.inner] = o.value;
        else put(o.key, { [o.inner]: o.value });
        return;
      }
      case 'replace':
        return { replaced: o.value };
      default:
        return;
    }
  };
}

describe('replay folds the log into the state the updates made in memory', () => {
  it('patches through own keys named constructor or prototype (Immer refuses to walk them) replay all the same', async () => {
    const store = new MemoryStore();
    const { log } = await WorkerLog.open(store, 'reserved');
    let state: State = {};
    for (const recipe of [
      (d: Record<string, unknown>) => void Reflect.set(d, 'constructor', { p: false }),
      (d: Record<string, unknown>) => void Reflect.set(Reflect.get(d, 'constructor') as object, 'p', true),
      (d: Record<string, unknown>) => void (d.prototype = [1]),
      (d: Record<string, unknown>) => void (d.prototype as unknown[]).push(2),
    ]) {
      const [next, patches] = immer.produceWithPatches(state, recipe as never);
      state = next as State;
      log.enqueue({ type: 'state.patch', op: 'patch', routineId: 'r', patches });
    }
    await log.flush();
    const restored = replay('reserved', await WorkerLog.restore(store, 'reserved'));
    expect(JSON.stringify(restored.routineStates.r)).toBe(JSON.stringify({ constructor: { p: true }, prototype: [1, 2] }));
    expect(Object.hasOwn(restored.routineStates.r as object, 'constructor')).toBe(true);
  });

  it('property: random recipes, random turns and compactions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        const store = new MemoryStore();
        const { log } = await WorkerLog.open(store, 'prop');
        const fold = new WorkerFold('prop', undefined, { trackState: false });
        let states: State = {};
        for (const s of steps) {
          let change: StateChange;
          if (s.op.kind === 'drop') {
            const { [s.routine]: _gone, ...rest } = states;
            states = rest;
            change = { op: 'delete', routineId: s.routine };
          } else {
            const [next, patches] = immer.produceWithPatches((states[s.routine] ?? {}) as State, recipe(s.op));
            states = { ...states, [s.routine]: next };
            change = { op: 'patch', routineId: s.routine, patches };
          }
          const record: DurableRecord = { type: 'state.patch', ...change };
          fold.apply(record, log.enqueue(record));
          if (s.compact) await log.compact(fold.snapshot(states), log.appendedLsn);
          else if (s.turn) await new Promise((r) => setImmediate(r));
        }
        await log.flush();
        const restored = replay('prop', await WorkerLog.restore(store, 'prop'));
        expect(restored.routineStates).toEqual(states);
        expect(JSON.stringify(restored.routineStates)).toBe(JSON.stringify(states));
      }),
      { numRuns: 60 },
    );
  });
});

const accepted = (jobId: string, extra: Partial<Extract<DurableRecord, { type: 'job.accepted' }>> = {}): DurableRecord => ({
  type: 'job.accepted',
  jobId,
  flowId: 'orders',
  routineId: 'intake',
  slot: 'input',
  data: { order: jobId },
  metadata: { source: 'test' },
  createdAt: 1_000,
  ...extra,
});

function fold(records: DurableRecord[], options = {}) {
  const f = new WorkerFold('w', undefined, { now: () => 2_000, ...options });
  records.forEach((r, i) => f.apply(r, i + 1));
  return f;
}

describe('replay of job journals', () => {
  it('keeps what an unfinished job needs: queued items, in-flight activations with their calls and results, timers, data', () => {
    const w = fold([
      accepted('j1', { idempotencyKey: 'order-1', deadline: 60_000 }),
      { type: 'activation.start', jobId: 'j1', seq: 1, routineId: 'intake', attempt: 1, items: { input: [{ order: 'j1' }] } },
      { type: 'activation.call', jobId: 'j1', seq: 1, index: 0, kind: 'update', target: 'intake', change: { op: 'set', routineId: 'intake', value: { count: 1 } } },
      { type: 'activation.call', jobId: 'j1', seq: 1, index: 1, kind: 'emit', target: 'out', deliveries: [{ routineId: 'ship', slot: 'in', item: 'A' }, { routineId: 'bill', slot: 'in', item: 'A' }] },
      { type: 'activation.call', jobId: 'j1', seq: 1, index: 2, kind: 'setData', target: 'step', value: 'intake' },
      { type: 'activation.end', jobId: 'j1', seq: 1, outcome: 'completed' },
      { type: 'activation.start', jobId: 'j1', seq: 2, routineId: 'ship', attempt: 1, items: { in: ['A'] } },
      { type: 'activation.call', jobId: 'j1', seq: 2, index: 0, kind: 'update', target: 'ship', change: { op: 'patch', routineId: 'ship', patches: [{ op: 'add', path: ['sent'], value: 1 }] } },
      { type: 'activation.call', jobId: 'j1', seq: 2, index: 1, kind: 'trace', target: 'shipping', value: { routineId: 'ship', action: 'shipping' } },
      { type: 'timer.set', jobId: 'j1', timerId: 'timeout', kind: 'timeout', deadline: 60_000 },
      { type: 'timer.set', jobId: 'j1', timerId: 'p1', kind: 'policy', deadline: 5_000, routineId: 'bill' },
      { type: 'timer.cleared', jobId: 'j1', timerId: 'p1' },
    ]).worker;
    expect(w.routineStates).toEqual({ intake: { count: 1 }, ship: { sent: 1 } });
    const job = w.jobs.get('j1')!;
    expect(job.queues).toEqual({ bill: { in: ['A'] } }); // entry item and ship's item were taken
    expect(job.data).toEqual({ step: 'intake' });
    expect(job.traces).toEqual([{ routineId: 'ship', action: 'shipping' }]);
    expect([...job.activations.keys()]).toEqual([2]); // finished activation 1 never runs again
    expect(job.activations.get(2)!.calls).toEqual([
      { index: 0, kind: 'update', target: 'ship', result: { sent: 1 } },
      { index: 1, kind: 'trace', target: 'shipping' },
    ]);
    expect(job.nextSeq).toBe(3);
    expect([...job.timers.values()].map((t) => [t.timerId, t.deadline])).toEqual([['timeout', 60_000]]);
    expect(w.idempotency.get('order-1')).toEqual({ jobId: 'j1', at: 1_000 });
  });

  it('a retry keeps its activation and items until the retry starts; a divergence drops the calls after it', () => {
    const w = fold([
      accepted('j1'),
      { type: 'activation.start', jobId: 'j1', seq: 1, routineId: 'intake', attempt: 1, items: { input: [1] } },
      { type: 'activation.end', jobId: 'j1', seq: 1, outcome: 'retry', error: { name: 'Error', message: 'flaky' } },
      { type: 'timer.set', jobId: 'j1', timerId: 'retry-1', kind: 'retry', deadline: 9_000, seq: 1 },
    ]);
    const job = w.worker.jobs.get('j1')!;
    expect(job.activations.get(1)).toMatchObject({ outcome: 'retry', items: { input: [1] }, error: { message: 'flaky' } });
    expect(job.timers.get('retry-1')).toMatchObject({ deadline: 9_000, seq: 1 });
    w.apply({ type: 'timer.cleared', jobId: 'j1', timerId: 'retry-1' }, 5);
    w.apply({ type: 'activation.start', jobId: 'j1', seq: 2, routineId: 'intake', attempt: 2, items: { input: [1] }, retryOf: 1 }, 6);
    w.apply({ type: 'activation.call', jobId: 'j1', seq: 2, index: 0, kind: 'emit', target: 'a', deliveries: [] }, 7);
    w.apply({ type: 'activation.call', jobId: 'j1', seq: 2, index: 1, kind: 'emit', target: 'b', deliveries: [] }, 8);
    w.apply({ type: 'activation.diverged', jobId: 'j1', seq: 2, index: 1, expected: 'emit b', actual: 'emit c' }, 9);
    w.apply({ type: 'activation.call', jobId: 'j1', seq: 2, index: 1, kind: 'emit', target: 'c', deliveries: [] }, 10);
    expect([...job.activations.keys()]).toEqual([2]);
    expect(job.activations.get(2)!.calls.map((c) => c.target)).toEqual(['a', 'c']);
    expect(job.queues).toEqual({});
  });

  it('finished jobs leave a bounded history; idempotency keys expire after idempotencyTtl; stray records are warnings', () => {
    let now = 10_000;
    const f = new WorkerFold('w', undefined, { now: () => now, historyLimit: 2, idempotencyTtl: 5_000 });
    let lsn = 0;
    for (let i = 1; i <= 4; i++) {
      f.apply(accepted(`j${i}`, { idempotencyKey: `k${i}`, createdAt: i * 2_000 }), ++lsn);
      f.apply({ type: 'job.ended', jobId: `j${i}`, status: 'completed', data: { i }, completedAt: 9_000 + i }, ++lsn);
    }
    f.apply({ type: 'activation.end', jobId: 'ghost', seq: 1, outcome: 'completed' }, ++lsn);
    const w = f.worker;
    expect(w.jobs.size).toBe(0);
    expect([...w.history.keys()]).toEqual(['j3', 'j4']);
    expect(w.history.get('j4')).toMatchObject({ status: 'completed', data: { i: 4 }, flowId: 'orders', idempotencyKey: 'k4', createdAt: 8_000 });
    expect([...w.idempotency.keys()]).toEqual(['k3', 'k4']); // k1 (2000) and k2 (4000) are older than 10000 - 5000
    now = 12_500;
    expect([...f.worker.idempotency.keys()]).toEqual(['k4']);
    expect(w.warnings).toEqual([`record ${lsn}: activation.end for job "ghost", which is not running; skipped`]);
  });

  it('a snapshot is the restored worker itself: compacting and restoring gives the same worker', async () => {
    const store = new MemoryStore();
    const { log } = await WorkerLog.open(store, 'snap');
    const f = new WorkerFold('snap', undefined, { now: () => 2_000 });
    const records: DurableRecord[] = [
      { type: 'worker.started', flow: { name: 'orders', routines: { intake: { slots: ['input'], events: [] } }, connections: [] }, at: 1 },
      accepted('j1', { idempotencyKey: 'x' }),
      { type: 'activation.start', jobId: 'j1', seq: 1, routineId: 'intake', attempt: 1, items: { input: [{ order: 'j1' }] } },
      { type: 'activation.call', jobId: 'j1', seq: 1, index: 0, kind: 'update', target: 'intake', change: { op: 'set', routineId: 'intake', value: new Map([['k', 1]]) } },
      accepted('j2'),
      { type: 'job.ended', jobId: 'j2', status: 'failed', error: { name: 'Error', message: 'no' }, data: {}, completedAt: 1_500 },
    ];
    for (const r of records) f.apply(r, log.enqueue(r));
    await log.compact(f.snapshot(), log.appendedLsn);
    const restored = replay('snap', await WorkerLog.restore(store, 'snap'), { now: () => 2_000 });
    expect(restored).toEqual(f.worker);
    expect(restored.routineStates.intake).toEqual(new Map([['k', 1]]));
    expect(restored.jobs.get('j1')!.activations.get(1)!.calls[0]!.result).toEqual(new Map([['k', 1]]));
  });
});
