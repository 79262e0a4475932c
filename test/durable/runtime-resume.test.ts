/**
 * Resume after a crash, in one process: the "crash" is the store refusing every write from a chosen moment on
 * (the old runtime can no longer make anything durable), then a new Runtime on the same data execs the worker.
 * Covers the activation journal (committed calls replayed, not repeated; idempotencyKey stable; divergence
 * traced), durable timers (retry backoff, job timeout) and a store outage (StoreConnectionError after storeTimeout).
 */
import { describe, expect, it } from 'vitest';
import { StoreClosedError, StoreConnectionError } from '../../src/errors.js';
import { Flow } from '../../src/flow/flow.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { ErrorHandler } from '../../src/routine/error-handler.js';
import { timeIntervalPolicy } from '../../src/policies/builtin.js';
import type { LogicContext } from '../../src/routine/routine.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { withHooks } from '../../src/stores/with-hooks.js';
import { node, sleep, tick } from '../helpers.js';

/** A store that can be "crashed" (every write refused for good, as for a dead process) over `inner`. */
function crashable(inner: KeyValueStore) {
  const state = { crashed: false, down: false };
  const store = withHooks<KeyValueStore>(inner, {
    before: ({ operation }) => {
      if (operation === 'get' || operation === 'keys' || operation === 'getMany') return;
      if (state.crashed) throw new StoreClosedError(`${operation} (the process crashed)`);
      if (state.down) throw new StoreConnectionError(`${operation}: connection refused (test outage)`);
    },
  });
  return { store, state };
}

const idempotencyKeyOf = (ctx: LogicContext) => (ctx as LogicContext & { idempotencyKey: string }).idempotencyKey;

describe('resuming jobs after a crash', () => {
  it('an in-flight activation re-runs: its committed update returns the recorded result, its committed emit is not delivered again', async () => {
    const inner = new MemoryStore();
    const { store, state } = crashable(inner);
    let gate!: () => void;
    const seen: { run: number; key: string; first: unknown; second: unknown }[] = [];
    let run = 0;
    const makeFlow = () =>
      new Flow('journal')
        .addRoutine(
          node(['in'], ['out'], async (_slots, _m, ws, ctx) => {
            const first = ws.updateRoutineState<{ n: number }>('counter', (d) => {
              d.n = (d.n ?? 0) + 1;
            });
            ctx.emit('out', { from: 'step' });
            await new Promise<void>((r) => (gate = r));
            const second = ws.updateRoutineState<{ n: number }>('counter', (d) => {
              d.n = (d.n ?? 0) + 10;
            });
            ctx.job.setData('finished', true);
            seen.push({ run, key: idempotencyKeyOf(ctx), first, second });
          }),
          'step',
        )
        .addRoutine(
          node(['in'], [], (_s, _m, ws) => {
            ws.updateRoutineState<{ n: number }>('downstream', (d) => {
              d.n = (d.n ?? 0) + 1;
            });
          }),
          'sink',
        )
        .connect('step', 'out', 'sink', 'in');

    const first = new Runtime({ store });
    const flow = makeFlow();
    await first.exec(flow, { workerId: 'j' }).ready();
    const [, job] = first.post(flow, 'step', 'in', {}, { workerId: 'j' });
    await job.accepted();
    await sleep(20); // the first update, the emit and the sink's activation are committed
    state.crashed = true;
    run = 1;
    gate(); // the rest of the first run is never durable
    await sleep(10);

    const second = new Runtime({ store: inner });
    run = 2;
    const ws = second.exec(makeFlow(), { workerId: 'j' });
    await ws.ready();
    await sleep(10);
    gate();
    const resumed = second.getJob(job.jobId)!;
    await resumed.done();
    expect(resumed.status).toBe('completed');
    expect(resumed.data).toEqual({ finished: true });
    // The re-run's first update was replayed (n: 1, not 2), so the counter saw 1 + 10 once each.
    expect(seen.at(-1)).toMatchObject({ run: 2, first: { n: 1 }, second: { n: 11 } });
    expect(ws.getRoutineState('counter')).toEqual({ n: 11 });
    expect(ws.getRoutineState('downstream')).toEqual({ n: 1 }); // the committed emit was not delivered twice
    expect(seen[0]!.key).toBe(`${job.jobId}:1`);
    expect(seen.at(-1)!.key).toBe(seen[0]!.key);
    expect(resumed.traceLog.some((t) => t.action === 'journal.diverged')).toBe(false);
    await second.shutdown();
  });

  it('a re-run that departs from its journal traces journal.diverged and goes on', async () => {
    const inner = new MemoryStore();
    const { store, state } = crashable(inner);
    let gate!: () => void;
    let variant = 'a';
    const flow = new Flow('diverge').addRoutine(
      node(['in'], [], async (_slots, _m, ws, ctx) => {
        if (variant === 'a') ws.updateRoutineState('x', { v: 1 });
        else ctx.job.setData('instead', true);
        await new Promise<void>((r) => (gate = r));
      }),
      'only',
    );
    const first = new Runtime({ store });
    await first.exec(flow, { workerId: 'd' }).ready();
    const [, job] = first.post(flow, 'only', 'in', {}, { workerId: 'd' });
    await job.accepted();
    await sleep(20);
    state.crashed = true;
    gate();
    variant = 'b';
    const second = new Runtime({ store: inner });
    await second.exec(flow, { workerId: 'd' }).ready();
    await sleep(10);
    gate();
    const resumed = second.getJob(job.jobId)!;
    await resumed.done();
    const diverged = resumed.traceLog.find((t) => t.action === 'journal.diverged');
    expect(diverged?.details).toMatchObject({ seq: 1, index: 0, expected: 'update x', actual: 'setData instead' });
    expect(resumed.data).toEqual({ instead: true });
    await second.shutdown();
  });
});

describe('durable timers', () => {
  it('a retry backoff set before the crash fires after the restart, at its deadline', async () => {
    const inner = new MemoryStore();
    const { store, state } = crashable(inner);
    const attempts: { attempt: number; at: number }[] = [];
    const flow = new Flow('retrying').addRoutine(
      node(['in'], [], (_s, _m, _ws, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: Date.now() });
        if (ctx.attempt === 1) throw new Error('first attempt fails');
      }).setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 300, maxRetries: 2 })),
      'flaky',
    );
    const first = new Runtime({ store });
    await first.exec(flow, { workerId: 'r' }).ready();
    const posted = Date.now();
    const [, job] = first.post(flow, 'flaky', 'in', {}, { workerId: 'r' });
    await job.accepted();
    await sleep(30); // the failed attempt and its timer are committed
    state.crashed = true;

    const second = new Runtime({ store: inner });
    await second.exec(flow, { workerId: 'r' }).ready();
    const resumed = second.getJob(job.jobId)!;
    await resumed.done();
    expect(resumed.status).toBe('completed');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 2]); // the old runtime's timer also fired, unseen by the store
    const retried = attempts[2]!;
    expect(retried.at - posted).toBeGreaterThanOrEqual(290); // not before its deadline
    await second.shutdown();
  });

  it('a job timeout is an absolute deadline: after a restart it fires then, or at once if it passed', async () => {
    const inner = new MemoryStore();
    const { store, state } = crashable(inner);
    const flow = new Flow('slow').addRoutine(node(['in'], [], (_s, _m, _ws, ctx) => new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()))), 'wait');
    const first = new Runtime({ store });
    await first.exec(flow, { workerId: 't' }).ready();
    const [, soon] = first.post(flow, 'wait', 'in', {}, { workerId: 't', timeout: 400 });
    const [, past] = first.post(flow, 'wait', 'in', {}, { workerId: 't', timeout: 60 });
    await Promise.all([soon.accepted(), past.accepted()]);
    state.crashed = true; // before either timeout fired
    const crashedAt = Date.now();
    await sleep(100); // `past`'s deadline passes while "down"

    const second = new Runtime({ store: inner });
    await second.exec(flow, { workerId: 't' }).ready();
    const restartedAt = Date.now();
    const p = second.getJob(past.jobId)!;
    const s = second.getJob(soon.jobId)!;
    await p.done();
    expect(p.status).toBe('timedOut');
    expect(Date.now() - restartedAt).toBeLessThan(200); // at once
    await s.done();
    expect(s.status).toBe('timedOut');
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(380); // at its deadline, not 400 ms after the restart
    expect(Date.now() - restartedAt).toBeLessThan(400);
    await second.shutdown();
  });
});

describe('durable policy wake-ups', () => {
  it('a timeIntervalPolicy wake-up set before the crash fires after the restart at its deadline, not at once', async () => {
    const inner = new MemoryStore();
    const { store, state } = crashable(inner);
    const ran: { items: unknown[]; at: number }[] = [];
    const flow = new Flow('interval')
      .addRoutine(
        node(['in'], ['out'], async (_s, _m, _ws, ctx) => {
          ctx.emit('out', { n: 1 });
          await sleep(5);
          ctx.emit('out', { n: 2 }); // arrives after the first batch started: it waits for the policy's wake-up
        }),
        'source',
      )
      .addRoutine(
        node(['in'], [], async (slots) => {
          ran.push({ items: [...slots.in!], at: Date.now() });
          if (ran.length === 1) await sleep(40); // the first batch is still running when the process "crashes"
        }).setActivationPolicy(timeIntervalPolicy(300)),
        'batch',
      )
      .connect('source', 'out', 'batch', 'in');
    const first = new Runtime({ store });
    await first.exec(flow, { workerId: 'p' }).ready();
    const started = Date.now();
    const [, job] = first.post(flow, 'source', 'in', {}, { workerId: 'p' });
    await job.accepted();
    await sleep(25);
    state.crashed = true;
    expect(ran.map((r) => r.items)).toEqual([[{ n: 1 }]]);

    const second = new Runtime({ store: inner });
    await second.exec(flow, { workerId: 'p' }).ready();
    const resumed = second.getJob(job.jobId)!;
    await resumed.done();
    expect(resumed.status).toBe('completed');
    const afterRestart = ran.slice(1);
    // The first batch re-ran (it was in flight); the second item waited for the wake-up's deadline.
    const waited = afterRestart.find((r) => (r.items as { n: number }[]).some((i) => i.n === 2))!;
    expect(waited.at - started).toBeGreaterThanOrEqual(290);
    await second.shutdown();
  });
});

describe('store outage', () => {
  it('accepted() and done() reject with StoreConnectionError after storeTimeout; the worker goes on when the store returns', async () => {
    const inner = new MemoryStore();
    const { store, state } = crashable(inner);
    const flow = new Flow('outage').addRoutine(
      node(['in'], [], (_s, _m, ws) => {
        ws.updateRoutineState<{ n: number }>('c', (d) => {
          d.n = (d.n ?? 0) + 1;
        });
      }),
      'inc',
    );
    const runtime = new Runtime({ store, storeTimeout: 100 });
    const ws = await runtime.exec(flow, { workerId: 'o' }).ready();
    state.down = true;
    const [, job] = runtime.post(flow, 'inc', 'in', {}, { workerId: 'o' });
    const started = Date.now();
    await expect(job.accepted()).rejects.toThrow(StoreConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await expect(job.done()).rejects.toThrow(StoreConnectionError);
    expect(ws.getRoutineState('c')).toEqual({ n: 1 }); // the logic ran; only durability is waiting
    let finished = false;
    void runtime.waitUntilAllJobsFinished().then(() => (finished = true));
    await sleep(50);
    expect(finished).toBe(false); // nothing reported done that is not durable
    state.down = false;
    await runtime.waitUntilAllJobsFinished();
    await expect(job.done()).resolves.toBe(job);
    await expect(job.accepted()).resolves.toBe(job);
    await runtime.shutdown();
    const again = new Runtime({ store: inner });
    const ws2 = await again.exec(flow, { workerId: 'o' }).ready();
    expect(ws2.getRoutineState('c')).toEqual({ n: 1 });
    expect(again.getJob(job.jobId)?.status).toBe('completed');
    await again.shutdown();
    await tick();
  });
});
