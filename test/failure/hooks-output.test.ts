import { afterEach, describe, expect, it, vi } from 'vitest';
import { Flow, Runtime, captureConsole, getCurrentJob, type RuntimeHooks } from '../../src/index.js';
import { createTestRuntime, expectJob } from '../../src/testing/index.js';
import { node, sleep } from '../helpers.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
  runtime = undefined;
});

function twoStep(name: string) {
  const ran: string[] = [];
  const flow = new Flow(name)
    .addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => void (ran.push('a'), ctx.emit('out', { x: 1 }))), 'a')
    .addRoutine(node(['in'], [], () => void ran.push('b')), 'b');
  flow.connect('a', 'out', 'b', 'in');
  return { flow, ran };
}

describe('hooks', () => {
  it('are called around workers, jobs, routines and emits, in order', async () => {
    const calls: string[] = [];
    const hooks: RuntimeHooks = {
      onWorkerStart: (w) => void calls.push(`workerStart ${w.flowId}`),
      onWorkerStop: (w) => void calls.push(`workerStop ${w.status}`),
      onJobStart: (j) => void calls.push(`jobStart ${j.status}`),
      onJobEnd: (j) => void calls.push(`jobEnd ${j.status}`),
      onRoutineStart: ({ routineId, attempt }) => void calls.push(`routineStart ${routineId} ${attempt}`),
      onRoutineEnd: ({ routineId, error }) => void calls.push(`routineEnd ${routineId} ${error === undefined ? 'ok' : 'error'}`),
      onEventEmit: ({ routineId, event, payload }) => void calls.push(`emit ${routineId}.${event} ${JSON.stringify(payload)}`),
    };
    const test = createTestRuntime({ hooks });
    const { flow } = twoStep('hooks');
    const [, job] = test.post(flow, 'a', 'in', 1);
    await test.runUntilIdle();
    await test.shutdown();
    expectJob(job).toComplete();
    expect(calls).toEqual([
      'workerStart hooks',
      'jobStart pending',
      'routineStart a 1',
      'emit a.out {"x":1}',
      'routineEnd a ok',
      'routineStart b 1',
      'routineEnd b ok',
      'jobEnd completed',
      'workerStop stopped',
    ]);
  });

  it('onJobStart and onJobEnd pair up for every posted job, however it ends', async () => {
    let open = 0;
    const test = createTestRuntime({ hooks: { onJobStart: () => void open++, onJobEnd: () => void open-- } });
    const { batchSizePolicy } = await import('../../src/index.js');
    const flow = new Flow('pairs').addRoutine(node(['in'], [], () => {}).setActivationPolicy(batchSizePolicy(2)), 'r');
    const ws = test.exec(flow);
    test.post(flow, 'r', 'in', 'never activates');
    test.pause(ws.workerId);
    const [, held] = test.post(flow, 'r', 'in', 'cancelled while paused');
    held.cancel();
    await test.runUntilIdle();
    expect(open).toBe(0);
    await test.shutdown();
  });

  it('onRoutineStart returning false skips that activation, recorded in the trace', async () => {
    const test = createTestRuntime({ hooks: { onRoutineStart: ({ routineId }) => routineId !== 'b' } });
    const { flow, ran } = twoStep('veto-routine');
    const [, job] = test.post(flow, 'a', 'in', 1);
    await test.runUntilIdle();
    expectJob(job).toComplete();
    expect(ran).toEqual(['a']);
    expect(job.traceLog.find((t) => t.action === 'routine.vetoed')).toMatchObject({ routineId: 'b', details: { attempt: 1, by: 'onRoutineStart' } });
    await test.shutdown();
  });

  it('onEventEmit returning false drops that emit, recorded in the trace', async () => {
    const test = createTestRuntime({ hooks: { onEventEmit: () => false } });
    const { flow, ran } = twoStep('veto-emit');
    const [, job] = test.post(flow, 'a', 'in', 1);
    await test.runUntilIdle();
    expectJob(job).toComplete();
    expect(ran).toEqual(['a']);
    expectJob(job).toHaveTraced(['emit.vetoed']);
    await test.shutdown();
  });

  it('a hook that throws is reported, recorded, and does not break the job', async () => {
    const reported: string[] = [];
    const boom = () => {
      throw new Error('hook bug');
    };
    const test = createTestRuntime({
      hooks: { onJobStart: boom, onRoutineStart: boom, onRoutineEnd: boom, onEventEmit: boom, onJobEnd: boom },
      onError: (error, where) => void reported.push(`${where}: ${(error as Error).message}`),
    });
    const { flow, ran } = twoStep('hook-throws');
    const [, job] = test.post(flow, 'a', 'in', 1);
    await test.runUntilIdle();
    expectJob(job).toComplete();
    expect(ran).toEqual(['a', 'b']);
    expect(reported).toEqual([
      'hook onJobStart: hook bug',
      'hook onRoutineStart: hook bug',
      'hook onEventEmit: hook bug',
      'hook onRoutineEnd: hook bug',
      'hook onRoutineStart: hook bug',
      'hook onRoutineEnd: hook bug',
      'hook onJobEnd: hook bug',
    ]);
    expect(job.traceLog.filter((t) => t.action === 'hook.error')).toHaveLength(7);
    await test.shutdown();
  });

  it('reports hook errors to console.error by default', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const test = createTestRuntime({ hooks: { onJobStart: () => { throw new Error('loud'); } } });
      const { flow } = twoStep('hook-default-report');
      test.post(flow, 'a', 'in', 1);
      await test.runUntilIdle();
      await test.shutdown();
      expect(spy).toHaveBeenCalledWith('[routilux] hook onJobStart threw:', expect.objectContaining({ message: 'loud' }));
    } finally {
      spy.mockRestore();
    }
  });
});

describe('per-job output', () => {
  it('job.log() appends formatted lines to the job’s own output', async () => {
    const test = createTestRuntime();
    const flow = new Flow('log').addRoutine(node(['in'], [], (data) => getCurrentJob()!.log('got %d items:', 1, data.in)), 'r');
    const [, job] = test.post(flow, 'r', 'in', { a: 1 });
    await test.runUntilIdle();
    expect(job.output).toEqual(['got 1 items: [ { a: 1 } ]']);
    await test.shutdown();
  });

  it('captureConsole() routes console.* inside jobs to each job’s output; concurrent jobs never mix lines', async () => {
    const restore = captureConsole();
    const outside = vi.spyOn(process.stdout, 'write');
    try {
      runtime = new Runtime({ jobLimits: { maxOutputLines: 50 } });
      const flow = new Flow('capture').addRoutine(
        node(['in'], [], async (data) => {
          const id = data.in![0] as number;
          for (let i = 0; i < 5; i++) {
            console.log(`job ${id} line ${i}`);
            await sleep(Math.random() * 3);
          }
          console.error(`job ${id} done`);
          console.warn('careful');
        }),
        'r',
      );
      const jobs = Array.from({ length: 20 }, (_, id) => runtime!.post(flow, 'r', 'in', id)[1]);
      await runtime.waitUntilAllJobsFinished();
      jobs.forEach((job, id) => {
        expect(job.output).toEqual([...[0, 1, 2, 3, 4].map((i) => `job ${id} line ${i}`), `[error] job ${id} done`, '[warn] careful']);
      });
      expect(outside.mock.calls.some(([chunk]) => String(chunk).includes('line'))).toBe(false);
    } finally {
      outside.mockRestore();
      restore();
    }
  });

  it('output is bounded per job', async () => {
    const restore = captureConsole();
    try {
      const test = createTestRuntime({ jobLimits: { maxOutputLines: 3 } });
      const flow = new Flow('bounded-output').addRoutine(
        node(['in'], [], () => {
          for (let i = 0; i < 10; i++) console.log(`line ${i}`);
        }),
        'r',
      );
      const [, job] = test.post(flow, 'r', 'in', 1);
      await test.runUntilIdle();
      expect(job.output).toEqual(['line 7', 'line 8', 'line 9']);
      expect(job.outputDropped).toBe(7);
      await test.shutdown();
    } finally {
      restore();
    }
  });

  it('outside a job console is untouched, and restoring puts the original back', () => {
    const original = console.log;
    const restore = captureConsole();
    expect(console.log).not.toBe(original);
    const restoreAgain = captureConsole();
    restore();
    expect(console.log).not.toBe(original);
    restoreAgain();
    expect(console.log).toBe(original);
  });
});
