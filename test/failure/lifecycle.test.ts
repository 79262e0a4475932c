import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Flow, JobCancelledError, JobTimeoutError, Runtime, RuntimeShutDownError, WorkerNotRunningError, getCurrentJob, type JobContext } from '../../src/index.js';
import { createTestRuntime, expectJob } from '../../src/testing/index.js';
import { node, sleep } from '../helpers.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
  runtime = undefined;
});

/** first emits, then waits on its signal (or `ms` on the runtime clock); second records what reaches it. */
function slowFlow(name: string, clockWait: (ms: number, signal: AbortSignal) => Promise<void>, options = {}) {
  const reached: unknown[] = [];
  const flow = new Flow(name, options)
    .addRoutine(
      node(['in'], ['out'], async (_d, _m, _ws, ctx) => {
        ctx.emit('out', { step: 'before' });
        await clockWait(1000, ctx.signal);
        getCurrentJob()!.setData('sawAbort', ctx.signal.aborted);
        ctx.emit('out', { step: 'after' });
      }),
      'first',
    )
    .addRoutine(node(['in'], [], (data) => void reached.push(...(data.in as unknown[]))), 'second');
  flow.connect('first', 'out', 'second', 'in');
  return { flow, reached };
}

describe('timeouts', () => {
  it('a job past its timeout ends timedOut; its logic sees the signal aborted; later emits are not routed', async () => {
    const test = createTestRuntime();
    const wait = (ms: number) => new Promise<void>((resolve) => test.clock.setTimeout(resolve, ms));
    const { flow, reached } = slowFlow('timeout', wait);
    const [ws, job] = test.post(flow, 'first', 'in', 1, { timeout: 300 });
    await test.runUntilIdle();
    expectJob(job).toTimeOut();
    expect(job.error).toBeInstanceOf(JobTimeoutError);
    expect((job.error as Error).message).toMatch(/did not finish within 300 ms/);
    expect(job.completedAt).toBe(300);
    expect(job.getData('sawAbort')).toBe(true);
    expect(reached).toEqual([{ step: 'before' }]);
    expectJob(job).toHaveTraced(['job.timedOut', 'emit.dropped']);
    expect(ws.status).toBe('running');
    const [, next] = test.post(flow, 'first', 'in', 2, { timeout: 5000 });
    await test.runUntilIdle();
    expectJob(next).toComplete();
    await test.shutdown();
  });

  it("the flow's jobTimeout applies unless post overrides it", async () => {
    const test = createTestRuntime();
    const wait = (ms: number) => new Promise<void>((resolve) => test.clock.setTimeout(resolve, ms));
    const { flow } = slowFlow('flow-timeout', wait, { jobTimeout: 200 });
    const [, byFlow] = test.post(flow, 'first', 'in', 1);
    const [, byPost] = test.post(flow, 'first', 'in', 2, { timeout: 5000 });
    await test.runUntilIdle();
    expectJob(byFlow).toTimeOut();
    expectJob(byPost).toComplete();
    await test.shutdown();
  });

  it('a timed-out job gives its concurrency slot back even if its logic never returns', async () => {
    runtime = new Runtime({ concurrency: 1 });
    const flow = new Flow('stuck').addRoutine(node(['in'], [], (data) => (data.in![0] === 'hang' ? new Promise<void>(() => {}) : undefined)), 'r');
    const [, stuck] = runtime.post(flow, 'r', 'in', 'hang', { timeout: 30 });
    const [, next] = runtime.post(flow, 'r', 'in', 'ok');
    await next.done();
    expectJob(stuck).toTimeOut();
    expectJob(next).toComplete();
  });
});

describe('cancellation', () => {
  it('job.cancel() ends the job cancelled, aborts its signal, and routes nothing afterwards', async () => {
    runtime = new Runtime();
    const { flow, reached } = slowFlow('cancel', (ms, signal) => new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()));
    }));
    const [, job] = runtime.post(flow, 'first', 'in', 1);
    await sleep(20);
    expect(job.cancel('user asked')).toBe(true);
    await job.done();
    expectJob(job).toBeCancelled();
    expect(job.error).toBeInstanceOf(JobCancelledError);
    expect((job.error as Error).message).toMatch(/cancelled \(user asked\)/);
    await sleep(10);
    expect(job.getData('sawAbort')).toBe(true);
    expect(reached).toEqual([{ step: 'before' }]);
    expect(job.cancel()).toBe(false);
  });

  it('runtime.stop(workerId) cancels its jobs and stops the worker; the runtime goes on', async () => {
    runtime = new Runtime();
    const { flow } = slowFlow('stop', (ms) => sleep(ms));
    const [ws, a] = runtime.post(flow, 'first', 'in', 1);
    const [, b] = runtime.post(flow, 'first', 'in', 2);
    await sleep(10);
    await runtime.stop(ws.workerId);
    expect(ws.status).toBe('stopped');
    expect([a.status, b.status]).toEqual(['cancelled', 'cancelled']);
    expect(() => runtime!.post(flow, 'first', 'in', 3, { workerId: ws.workerId })).toThrow(WorkerNotRunningError);
    const [fresh] = runtime.post(flow, 'first', 'in', 4);
    expect(fresh.workerId).not.toBe(ws.workerId);
  });
});

describe('user code during stop', () => {
  it('abort listeners run after the worker’s transition: they may update state and post, and nothing hangs', async () => {
    runtime = new Runtime();
    let posted: JobContext | undefined;
    const flow: Flow = new Flow('abort-listeners').addRoutine(
      node(['in'], [], (data, _m, ws, ctx) => {
        if (data.in![0] !== 'wait') return;
        return new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            ws.updateRoutineState<{ aborted?: number }>('log', (d) => void (d.aborted = (d.aborted ?? 0) + 1));
            posted = runtime!.post(flow, 'r', 'in', 'after')[1];
            resolve();
          }),
        );
      }),
      'r',
    );
    const [ws, job] = runtime.post(flow, 'r', 'in', 'wait');
    await sleep(5);
    await runtime.stop(ws.workerId);
    expect(job.status).toBe('cancelled');
    expect(ws.getRoutineState('log')).toEqual({ aborted: 1 });
    expect(posted).toBeDefined();
    await posted!.done();
    expect(posted!.status).toBe('completed');
    expect(posted!.workerId).not.toBe(ws.workerId);
    expect(await runtime.waitUntilAllJobsFinished({ timeout: 1000 })).toBe(true);
  });
});

describe('shutdown', () => {
  it('stops taking posts, lets running jobs finish within the timeout, cancels the rest, and resolves', async () => {
    runtime = new Runtime();
    const flow = new Flow('grace').addRoutine(node(['in'], [], (data) => sleep(data.in![0] as number)), 'r');
    const worker = runtime.exec(flow);
    const [, quick] = runtime.post(flow, 'r', 'in', 20);
    const [, slow] = runtime.post(flow, 'r', 'in', 5000);
    const done = runtime.shutdown({ timeout: 200 });
    expect(() => runtime!.post(flow, 'r', 'in', 1)).toThrow(RuntimeShutDownError);
    await done;
    expectJob(quick).toComplete();
    expectJob(slow).toBeCancelled();
    expect(worker.status).toBe('stopped');
    expect(runtime.listWorkers()).toEqual([]);
  });

  it('leaves no timer behind: the process exits by itself right after shutdown', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/shutdown-exits.ts'], { timeout: 15_000 });
    const result = JSON.parse(stdout.trim()) as { shutdownMs: number; cancelled: number; total: number };
    expect(result.total).toBe(20);
    expect(result.cancelled).toBe(20);
    expect(result.shutdownMs).toBeLessThan(5000);
  });
});

describe('pause and resume', () => {
  it('pause holds new activations (posts are queued, not lost); resume releases them in order', async () => {
    const test = createTestRuntime();
    const order: number[] = [];
    const flow = new Flow('pause').addRoutine(node(['in'], [], (data) => void order.push(data.in![0] as number)), 'r');
    const ws = test.exec(flow);
    test.pause(ws.workerId);
    expect(ws.status).toBe('paused');
    const jobs = [1, 2, 3, 4, 5].map((n) => test.post(flow, 'r', 'in', n)[1]);
    await test.runUntilIdle();
    expect(order).toEqual([]);
    expect(jobs.every((j) => j.status === 'pending')).toBe(true);
    test.resume(ws.workerId);
    expect(ws.status).toBe('running');
    await test.runUntilIdle();
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(jobs.every((j) => j.status === 'completed')).toBe(true);
    await test.shutdown();
  });

  it('holds activations of jobs already running, too', async () => {
    const test = createTestRuntime();
    const seen: string[] = [];
    const flow = new Flow('pause-mid')
      .addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => void (seen.push('a'), ctx.emit('out', {}))), 'a')
      .addRoutine(node(['in'], [], () => void seen.push('b')), 'b');
    flow.connect('a', 'out', 'b', 'in');
    const [ws, job] = test.post(flow, 'a', 'in', 1);
    await test.step();
    test.pause(ws.workerId);
    await test.runUntilIdle();
    expect(seen).toEqual(['a']);
    expect(job.status).toBe('running');
    test.resume(ws.workerId);
    await test.runUntilIdle();
    expect(seen).toEqual(['a', 'b']);
    expectJob(job).toComplete();
    await test.shutdown();
  });
});
