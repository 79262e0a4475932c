import { describe, expect, it } from 'vitest';
import { ErrorHandler, Flow, getCurrentJob, timeIntervalPolicy } from '../../src/index.js';
import { createTestRuntime, expectJob, type TestRuntime } from '../../src/testing/index.js';
import { node } from '../helpers.js';

/**
 * A flow that exercises every timer the runtime has: a time-interval policy, retries with exponential backoff,
 * a job timeout, and async logic waiting on the (simulated) clock.
 */
function buildFlow(runtime: TestRuntime): Flow {
  const wait = (ms: number) => new Promise<void>((resolve) => runtime.clock.setTimeout(resolve, ms));
  const flow = new Flow('determinism', { errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 50, retryBackoff: 2 }) });
  flow.addRoutine(
    node(['in'], ['item'], async (data, _m, ws, ctx) => {
      const { n, sleep } = data.in![0] as { n: number; sleep: number };
      await wait(sleep);
      ws.updateRoutineState<{ seen?: number[] }>('ingest', (d) => {
        (d.seen ??= []).push(n);
      });
      for (let i = 0; i < 3; i++) {
        ctx.emit('item', { n, i });
        await wait(40);
      }
    }),
    'ingest',
  );
  flow.addRoutine(
    node(['in'], ['batch'], (data, _m, ws, ctx) => {
      const items = data.in as { n: number; i: number }[];
      getCurrentJob()!.trace('batcher', 'batch', { size: items.length, at: runtime.clock.now() });
      ws.updateRoutineState<{ batches?: number }>('batcher', (d) => {
        d.batches = (d.batches ?? 0) + 1;
      });
      ctx.emit('batch', { n: items[0]!.n, size: items.length });
    }).setActivationPolicy(timeIntervalPolicy(100)),
    'batcher',
  );
  flow.addRoutine(
    node(['in'], [], (data, _m, ws, ctx) => {
      const { n } = (data.in as { n: number }[])[0]!;
      if (ctx.attempt <= n % 3) throw new Error(`flaky ${n} attempt ${ctx.attempt}`);
      ws.updateRoutineState<{ ok?: number }>('flaky', (d) => {
        d.ok = (d.ok ?? 0) + 1;
      });
    }),
    'flaky',
  );
  flow.connect('ingest', 'item', 'batcher', 'in');
  flow.connect('batcher', 'batch', 'flaky', 'in');
  return flow;
}

async function scenario(seed: number): Promise<string> {
  const runtime = createTestRuntime({ seed, startTime: Date.UTC(2025, 0, 1) });
  const flow = buildFlow(runtime);
  const ws = runtime.exec(flow);
  const jobs = [
    runtime.post(flow, 'ingest', 'in', { n: 1, sleep: 10 })[1],
    runtime.post(flow, 'ingest', 'in', { n: 2, sleep: 25 })[1],
    runtime.post(flow, 'ingest', 'in', { n: 3, sleep: 5 })[1],
    runtime.post(flow, 'ingest', 'in', { n: 4, sleep: 5000 }, { timeout: 1000 })[1],
  ];
  await runtime.runUntilIdle();
  const result = JSON.stringify({
    ids: jobs.map((j) => j.jobId),
    statuses: jobs.map((j) => j.status),
    completedAt: jobs.map((j) => j.completedAt),
    trace: runtime.trace(),
    state: ws.snapshot(),
  });
  await runtime.shutdown();
  return result;
}

describe('createTestRuntime: deterministic runs', () => {
  it('the same seed gives byte-identical ids, traces and worker state over 100 runs', async () => {
    const first = await scenario(42);
    const parsed = JSON.parse(first);
    // The scenario really did exercise retries with backoff, the interval policy and a timeout.
    expect(parsed.statuses).toEqual(['completed', 'completed', 'completed', 'timedOut']);
    const actions = (parsed.trace as { action: string }[]).map((t) => t.action);
    expect(actions.filter((a) => a === 'routine.retry').length).toBeGreaterThanOrEqual(3);
    expect(actions.filter((a) => a === 'batch').length).toBeGreaterThanOrEqual(6);
    expect(actions).toContain('job.timedOut');
    for (let run = 0; run < 99; run++) expect(await scenario(42)).toBe(first);
  });

  it('a different seed gives different ids, the same behaviour', async () => {
    const a = JSON.parse(await scenario(1));
    const b = JSON.parse(await scenario(2));
    expect(a.ids).not.toEqual(b.ids);
    expect(a.statuses).toEqual(b.statuses);
    expect(a.state.routineStates).toEqual(b.state.routineStates);
  });

  it('retries back off on the simulated clock: 50, 100, 200 ms', async () => {
    const runtime = createTestRuntime({ seed: 7 });
    const flow = new Flow('backoff').addRoutine(
      node(['in'], [], () => {
        throw new Error('always');
      }).setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 50, retryBackoff: 2 })),
      'r',
    );
    const [, job] = runtime.post(flow, 'r', 'in', 1);
    await runtime.runUntilIdle();
    expectJob(job).toFail('always');
    const retries = job.traceLog.filter((t) => t.action === 'routine.retry');
    expect(retries.map((t) => (t.details as { delayMs: number }).delayMs)).toEqual([50, 100, 200]);
    expect(retries.map((t) => t.timestamp)).toEqual([0, 50, 150]);
    expect(job.completedAt).toBe(350);
    expectJob(job).toHaveTraced(['routine.retry', 'routine.retry', 'routine.retry', 'routine.failed']);
    await runtime.shutdown();
  });
});

describe('stepping and the simulated clock', () => {
  it('step() runs one activation at a time; nothing runs until asked', async () => {
    const runtime = createTestRuntime();
    const order: string[] = [];
    const flow = new Flow('steps')
      .addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => void (order.push('a'), ctx.emit('out', {}))), 'a')
      .addRoutine(node(['in'], [], () => void order.push('b')), 'b');
    flow.connect('a', 'out', 'b', 'in');
    const [, job] = runtime.post(flow, 'a', 'in', 1);
    expect(order).toEqual([]);
    expect(job.status).toBe('pending');
    expect(await runtime.step()).toMatchObject({ jobId: job.jobId, routineId: 'a', attempt: 1, settled: true });
    expect(order).toEqual(['a']);
    expect(job.status).toBe('running');
    expect(await runtime.step()).toMatchObject({ routineId: 'b' });
    expect(await runtime.step()).toBeUndefined();
    expectJob(job).toComplete();
    await runtime.shutdown();
  });

  it('clock.advance fires timers in deadline order, each at its own time', () => {
    const runtime = createTestRuntime({ startTime: 1000 });
    const fired: [string, number][] = [];
    const { clock } = runtime;
    clock.setTimeout(() => {
      fired.push(['a', clock.now()]);
      clock.setTimeout(() => fired.push(['a+10', clock.now()]), 10);
    }, 20);
    clock.setTimeout(() => fired.push(['b', clock.now()]), 25);
    clock.advance(100);
    expect(fired).toEqual([
      ['a', 1020],
      ['b', 1025],
      ['a+10', 1030],
    ]);
    expect(clock.now()).toBe(1100);
    expect(() => clock.advance(-1)).toThrow(/advance/);
  });

  it('a timeout fires only when the clock reaches it', async () => {
    const runtime = createTestRuntime();
    const never = new Promise<void>(() => {});
    const flow = new Flow('timeout').addRoutine(node(['in'], [], () => never), 'r');
    const [, job] = runtime.post(flow, 'r', 'in', 1, { timeout: 500 });
    await runtime.runUntilIdle({ advanceTime: false });
    expect(job.status).toBe('running');
    runtime.clock.advance(499);
    expect(job.status).toBe('running');
    runtime.clock.advance(1);
    expectJob(job).toTimeOut();
    expect(job.signal.aborted).toBe(true);
    await runtime.shutdown();
  });

  it('runUntilIdle refuses to spin forever on a cycle', async () => {
    const runtime = createTestRuntime();
    const flow = new Flow('loop').addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => ctx.emit('out', {})), 'r');
    flow.connect('r', 'out', 'r', 'in');
    runtime.post(flow, 'r', 'in', 1);
    await expect(runtime.runUntilIdle({ maxActivations: 1000 })).rejects.toThrow(/never stops/);
  });
});

describe('expectJob', () => {
  it('explains a wrong status with the job and its trace', async () => {
    const runtime = createTestRuntime();
    const flow = new Flow('explain').addRoutine(
      node(['in'], [], () => {
        getCurrentJob()!.trace('r', 'about-to-fail');
        throw new Error('boom');
      }),
      'r',
    );
    const [, job] = runtime.post(flow, 'r', 'in', 1);
    await runtime.runUntilIdle();
    expect(() => expectJob(job).toComplete()).toThrow(/expected the job to be completed[\s\S]*status failed, error Error: boom \(in routine "r"\)[\s\S]*about-to-fail/);
    expect(() => expectJob(job).toFail('bam')).toThrow(/error to match bam/);
    expect(expectJob(job).toFail(/bo+m/)).toBe(job);
    expect(() => expectJob(job).toHaveTraced(['nothing'])).toThrow(/missing "nothing"/);
    await runtime.shutdown();
  });
});
