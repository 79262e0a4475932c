import { afterEach, describe, expect, it } from 'vitest';
import { ErrorHandler, Flow, Runtime, SlotQueueFullError, getCurrentJob, type JobContext } from '../../src/index.js';
import { createTestRuntime, expectJob } from '../../src/testing/index.js';
import { node } from '../helpers.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
  runtime = undefined;
});

/** A → B where B throws `failures` times, then emits; C records what arrives. */
function flaky(failures: number, handler: ErrorHandler | undefined, flowHandler?: ErrorHandler) {
  const attempts: number[] = [];
  const arrived: unknown[] = [];
  const flow = new Flow('flaky', flowHandler ? { errorHandler: flowHandler } : {})
    .addRoutine(node(['in'], ['out'], (data, _m, _ws, ctx) => ctx.emit('out', { v: data.in![0] })), 'a')
    .addRoutine(
      node(['in'], ['out'], (data, _m, _ws, ctx) => {
        attempts.push(ctx.attempt);
        ctx.emit('out', { partial: true });
        if (ctx.attempt <= failures) throw new Error(`failure ${ctx.attempt}`);
        ctx.emit('out', (data.in as object[])[0]);
      }).setErrorHandler(handler),
      'b',
    )
    .addRoutine(node(['in'], [], (data) => void arrived.push(...(data.in as unknown[]))), 'c');
  flow.connect('a', 'out', 'b', 'in');
  flow.connect('b', 'out', 'c', 'in');
  return { flow, attempts, arrived };
}

async function runOnce(flow: Flow): Promise<JobContext> {
  const test = createTestRuntime();
  const [, job] = test.post(flow, 'a', 'in', 'x');
  await test.runUntilIdle();
  await test.shutdown();
  return job;
}

describe('error strategies', () => {
  it('stop (the default) fails the job with the error and the routine that threw; nothing it emitted is delivered', async () => {
    const { flow, arrived } = flaky(1, undefined);
    const job = await runOnce(flow);
    expectJob(job).toFail('failure 1');
    expect(job.failedRoutineId).toBe('b');
    expect(arrived).toEqual([]);
    expectJob(job).toHaveTraced(['routine.failed']);
  });

  it('retry re-runs the logic with backoff and succeeds; only the successful attempt’s emits count', async () => {
    const { flow, attempts, arrived } = flaky(2, new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 10 }));
    const job = await runOnce(flow);
    expectJob(job).toComplete();
    expect(attempts).toEqual([1, 2, 3]);
    expect(arrived).toEqual([{ partial: true }, { v: 'x' }]);
    const retries = job.traceLog.filter((t) => t.action === 'routine.retry');
    expect(retries.map((t) => t.details)).toEqual([
      { attempt: 1, nextAttempt: 2, delayMs: 10, error: 'failure 1' },
      { attempt: 2, nextAttempt: 3, delayMs: 20, error: 'failure 2' },
    ]);
  });

  it('retry fails the job with the last error after the last attempt', async () => {
    const { flow, attempts } = flaky(10, new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 5, retryBackoff: 3 }));
    const job = await runOnce(flow);
    expectJob(job).toFail('failure 3');
    expect(attempts).toEqual([1, 2, 3]);
    expect(job.traceLog.filter((t) => t.action === 'routine.retry').map((t) => (t.details as { delayMs: number }).delayMs)).toEqual([5, 15]);
  });

  it('retry does not retry errors isRetryable refuses', async () => {
    const { flow, attempts } = flaky(5, new ErrorHandler({ strategy: 'retry', maxRetries: 5, isRetryable: (e) => !(e as Error).message.endsWith('1') }));
    const job = await runOnce(flow);
    expectJob(job).toFail('failure 1');
    expect(attempts).toEqual([1]);
  });

  it('continue records the error, delivers what was emitted before the throw, and the job goes on', async () => {
    const { flow, arrived } = flaky(1, new ErrorHandler({ strategy: 'continue' }));
    const job = await runOnce(flow);
    expectJob(job).toComplete();
    expect(arrived).toEqual([{ partial: true }]);
    expect(job.traceLog.find((t) => t.action === 'routine.error')?.details).toEqual({ attempt: 1, error: 'failure 1' });
  });

  it('skip drops the activation and its emits, records it, and the job goes on', async () => {
    const { flow, arrived } = flaky(1, new ErrorHandler({ strategy: 'skip' }));
    const job = await runOnce(flow);
    expectJob(job).toComplete();
    expect(arrived).toEqual([]);
    expectJob(job).toHaveTraced(['routine.skipped']);
  });

  it("a routine's handler beats the flow's; the flow's applies to routines without one", async () => {
    const own = flaky(1, new ErrorHandler({ strategy: 'skip' }), new ErrorHandler({ strategy: 'continue' }));
    expect((await runOnce(own.flow)).traceLog.map((t) => t.action)).toContain('routine.skipped');
    const inherited = flaky(1, undefined, new ErrorHandler({ strategy: 'continue' }));
    expect((await runOnce(inherited.flow)).traceLog.map((t) => t.action)).toContain('routine.error');
  });

  it('rejects bad handler options', () => {
    expect(() => new ErrorHandler({ strategy: 'explode' as never })).toThrow(/strategy must be one of stop, continue, retry, skip/);
    expect(() => new ErrorHandler({ maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => new ErrorHandler({ retryBackoff: 0.5 })).toThrow(/retryBackoff/);
  });

  it('10,000 jobs of which every tenth throws: exactly 1,000 failed with their own error, 9,000 completed', async () => {
    runtime = new Runtime({ concurrency: 64 });
    const flow = new Flow('tenth')
      .addRoutine(node(['in'], ['out'], async (data, _m, _ws, ctx) => ctx.emit('out', { n: data.in![0] })), 'first')
      .addRoutine(
        node(['in'], [], async (data) => {
          const { n } = (data.in as { n: number }[])[0]!;
          await Promise.resolve();
          if (n % 10 === 0) throw new Error(`job ${n} failed`);
        }),
        'second',
      );
    flow.connect('first', 'out', 'second', 'in');
    const jobs = Array.from({ length: 10_000 }, (_, n) => runtime!.post(flow, 'first', 'in', n)[1]);
    expect(await runtime.waitUntilAllJobsFinished({ timeout: 25_000 })).toBe(true);
    const failed = jobs.filter((j) => j.status === 'failed');
    expect(failed).toHaveLength(1000);
    expect(jobs.filter((j) => j.status === 'completed')).toHaveLength(9000);
    jobs.forEach((job, n) => {
      if (n % 10 === 0) {
        expect((job.error as Error).message).toBe(`job ${n} failed`);
        expect(job.failedRoutineId).toBe('second');
      } else {
        expect(job.error).toBeUndefined();
      }
    });
  });
});

describe('slot queue bounds', () => {
  it('an emit into a full slot throws SlotQueueFullError and fails the job under stop; nothing is dropped silently', async () => {
    const test = createTestRuntime();
    const flow = new Flow('full')
      .addRoutine(
        node(['in'], ['out'], (_d, _m, _ws, ctx) => {
          for (let i = 0; i < 5; i++) ctx.emit('out', { i });
        }),
        'src',
      )
      .addRoutine(node([], [], () => {}).addSlot('in', { maxQueueLength: 3 }), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const [, job] = test.post(flow, 'src', 'in', 1);
    await test.runUntilIdle();
    expectJob(job).toFail(/Slot "sink.in" of job .* is full \(maxQueueLength 3\)/);
    expect(job.error).toBeInstanceOf(SlotQueueFullError);
    expect(job.failedRoutineId).toBe('src');
    await test.shutdown();
  });

  it('under continue, the logic saw the error and the items that fitted were delivered', async () => {
    const test = createTestRuntime();
    const seen: unknown[] = [];
    const flow = new Flow('full-continue')
      .addRoutine(
        node(['in'], ['out'], (_d, _m, _ws, ctx) => {
          for (let i = 0; i < 5; i++) {
            try {
              ctx.emit('out', { i });
            } catch (error) {
              getCurrentJob()!.setData('refused', (error as SlotQueueFullError).code);
              break;
            }
          }
        }),
        'src',
      )
      .addRoutine(node([], [], (data) => void seen.push(...(data.in as unknown[]))).addSlot('in', { maxQueueLength: 2 }), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const [, job] = test.post(flow, 'src', 'in', 1);
    await test.runUntilIdle();
    expectJob(job).toComplete();
    expect(job.getData('refused')).toBe('SLOT_QUEUE_FULL');
    expect(seen).toEqual([{ i: 0 }, { i: 1 }]);
    await test.shutdown();
  });
});
