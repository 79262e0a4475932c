/**
 * The seams together, as the engine will use them: a job journals an activation, the process "crashes" with part
 * of it committed, the worker is restored and the in-flight activation re-runs through a JournalCursor. State
 * effects end up exactly once; the committed emit is not delivered twice.
 */
import { Immer, enablePatches } from 'immer';
import { describe, expect, it } from 'vitest';
import { StoreClosedError } from '../../src/errors.js';
import {
  JournalCursor,
  WorkerFold,
  WorkerLog,
  checkFlowShape,
  flowShape,
  replay,
  type DurableRecord,
  type RestoredWorker,
} from '../../src/durable/index.js';
import { Flow } from '../../src/flow/flow.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { withHooks } from '../../src/stores/with-hooks.js';
import { node } from '../helpers.js';

enablePatches();
const immer = new Immer({ autoFreeze: true });
const flow = new Flow('counting')
  .addRoutine(node(['in'], ['out'], () => {}), 'count')
  .addRoutine(node(['in'], [], () => {}), 'next')
  .connect('count', 'out', 'next', 'in');

type Call = 'inc' | 'emit' | 'data';
const LOGIC: Call[] = ['inc', 'emit', 'inc', 'data', 'inc'];

/** A worker as the engine would hold it: live state, a log, a fold beside it. */
class MiniWorker {
  states: Record<string, unknown>;
  delivered: unknown[] = [];
  compactInFlight = false;
  constructor(
    readonly log: WorkerLog,
    readonly fold: WorkerFold,
    restored: RestoredWorker,
  ) {
    this.states = { ...restored.routineStates };
  }

  record(record: DurableRecord, updateResult?: unknown): number {
    const lsn = this.log.enqueue(record);
    this.fold.apply(record, lsn, updateResult);
    return lsn;
  }

  /** Runs the logic's calls through `cursor`; stops after `stopAfter` calls (the crash), awaiting a turn after each. */
  async activation(jobId: string, seq: number, cursor: JournalCursor, stopAfter = Infinity): Promise<unknown[]> {
    const results: unknown[] = [];
    for (const [i, call] of LOGIC.entries()) {
      if (i >= stopAfter) return results;
      if (call === 'inc') {
        const step = cursor.next('update', 'count');
        if (step.replay) results.push(step.result);
        else {
          const [next, patches] = immer.produceWithPatches((this.states.count ?? {}) as { n?: number }, (d) => {
            d.n = (d.n ?? 0) + 1;
          });
          this.states = { ...this.states, count: next };
          this.record({ type: 'activation.call', jobId, seq, index: step.index, kind: 'update', target: 'count', change: { op: 'patch', routineId: 'count', patches } }, next);
          results.push(next);
        }
      } else if (call === 'emit') {
        const step = cursor.next('emit', 'out');
        if (!step.replay) {
          this.delivered.push({ i });
          this.record({ type: 'activation.call', jobId, seq, index: step.index, kind: 'emit', target: 'out', deliveries: [{ routineId: 'next', slot: 'in', item: { i } }] });
        }
      } else {
        const step = cursor.next('setData', 'stage');
        if (!step.replay) this.record({ type: 'activation.call', jobId, seq, index: step.index, kind: 'setData', target: 'stage', value: 'counted' });
      }
      // Calls 0 and 1 are committed before the crash (and, with `compactAt`, compacted into a snapshot while the
      // activation is in flight); later ones are only enqueued.
      if (i < 2) await this.log.whenDurable();
      if (i === 1 && this.compactInFlight) await this.log.compact(this.fold.snapshot(this.states), this.log.durableLsn);
    }
    return results;
  }
}

async function start(store: KeyValueStore) {
  const { log, restored } = await WorkerLog.open(store, 'counting-1');
  const worker = checkFlowShape('counting-1', replay('counting-1', restored), flowShape(flow));
  const mini = new MiniWorker(log, new WorkerFold('counting-1', worker, { trackState: false }), worker);
  mini.record({ type: 'worker.started', flow: flowShape(flow), at: Date.now() });
  return { mini, worker };
}

describe('resume after a crash mid-activation', () => {
  it.each([false, true])('re-runs the in-flight activation: committed calls are replayed, not repeated; state effects exactly once (snapshot taken mid-activation: %s)', async (compactInFlight) => {
    const inner = new MemoryStore();
    let crashed = false;
    // After the "crash" the old process writes nothing more (a closed store: its log stops for good).
    const store = withHooks<KeyValueStore>(inner, {
      before: () => {
        if (crashed) throw new StoreClosedError('write (the process crashed)');
      },
    });

    const first = await start(store);
    first.mini.compactInFlight = compactInFlight;
    const accepted = first.mini.record({
      type: 'job.accepted',
      jobId: 'j1',
      flowId: 'counting',
      routineId: 'count',
      slot: 'in',
      data: { go: true },
      metadata: {},
      createdAt: Date.now(),
      idempotencyKey: 'order-1',
    });
    await first.mini.log.whenDurable(accepted); // accepted() resolves here
    first.mini.record({ type: 'activation.start', jobId: 'j1', seq: 1, routineId: 'count', attempt: 1, items: { in: [{ go: true }] } });
    await first.mini.activation('j1', 1, new JournalCursor('j1', 1), 4); // inc, emit committed; inc, setData only enqueued
    crashed = true;
    await new Promise((r) => setImmediate(r));
    expect(first.mini.log.durableLsn).toBeLessThan(first.mini.log.appendedLsn); // the last calls were lost with the process

    // A new process: restore, resume job j1.
    crashed = false;
    expect((await WorkerLog.restore(inner, 'counting-1')).upTo > 0).toBe(compactInFlight);
    const second = await start(inner);
    const job = second.worker.jobs.get('j1')!;
    expect(second.worker.routineStates.count).toEqual({ n: 1 });
    expect(job.queues).toEqual({ next: { in: [{ i: 1 }] } }); // the committed emit's item waits in its slot
    const inFlight = [...job.activations.values()].filter((a) => a.outcome === undefined);
    expect(inFlight.map((a) => [a.seq, a.calls.map((c) => c.kind)])).toEqual([[1, ['update', 'emit']]]);

    const cursor = new JournalCursor('j1', 1, inFlight[0]!.calls);
    const results = await second.mini.activation('j1', 1, cursor);
    expect(cursor.idempotencyKey).toBe('j1:1');
    expect(cursor.finish()).toBeUndefined();
    expect(results).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]); // the first update returned its recorded result
    expect(second.mini.delivered).toEqual([]); // the committed emit was not delivered again
    second.mini.record({ type: 'activation.end', jobId: 'j1', seq: 1, outcome: 'completed' });
    second.mini.record({ type: 'job.ended', jobId: 'j1', status: 'completed', data: { stage: 'counted' }, completedAt: Date.now() });
    await second.mini.log.compact(second.mini.fold.snapshot(second.mini.states));

    const third = replay('counting-1', await WorkerLog.restore(inner, 'counting-1'));
    expect(third.routineStates).toEqual({ count: { n: 3 } }); // three increments, each exactly once
    expect(third.jobs.size).toBe(0);
    expect(third.history.get('j1')).toMatchObject({ status: 'completed', data: { stage: 'counted' }, idempotencyKey: 'order-1' });
    expect(third.idempotency.get('order-1')?.jobId).toBe('j1');
    expect(await inner.keys('*')).toEqual(['routilux:{counting-1}:snap']); // the finished job's journal is gone
  });
});
