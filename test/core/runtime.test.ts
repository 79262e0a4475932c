import { afterEach, describe, expect, it } from 'vitest';
import {
  DuplicateIdError,
  EventNotFoundError,
  Flow,
  FlowNotFoundError,
  FlowRegistry,
  FlowValidationError,
  InvalidArgumentError,
  NoCurrentJobError,
  Routine,
  RoutineNotFoundError,
  Runtime,
  RuntimeShutDownError,
  SlotNotFoundError,
  WorkerNotFoundError,
  WorkerNotRunningError,
  type ActivationPolicy,
  type WorkerState,
} from '../../src/index.js';
import type { AnyActorRef } from 'xstate';
import { createTestRuntime } from '../../src/testing/index.js';
import { node, sleep } from '../helpers.js';

let runtime: Runtime;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
});

const echo = () => node(['in'], ['out'], (data, _m, _ws, ctx) => ctx.emit('out', { got: data.in }));

describe('Runtime.post and jobs', () => {
  it('returns the worker state and job context at once; the job ends by itself and done() resolves with it', async () => {
    runtime = new Runtime();
    const flow = new Flow('basic').addRoutine(echo(), 'a').addRoutine(node(['in'], [], () => {}), 'b');
    flow.connect('a', 'out', 'b', 'in');
    const [ws, job] = runtime.post(flow, 'a', 'in', { x: 1 }, { metadata: { user: 'u1' } });
    expect(ws.flowId).toBe('basic');
    expect(ws.status).toBe('running');
    expect(job.workerId).toBe(ws.workerId);
    expect(job.flowId).toBe('basic');
    expect(job.status).toBe('pending');
    expect(job.metadata).toEqual({ user: 'u1' });
    expect(Object.isFrozen(job.metadata)).toBe(true);
    const done = await job.done();
    expect(done).toBe(job);
    expect(job.status).toBe('completed');
    expect(job.completedAt).toBeGreaterThanOrEqual(job.createdAt);
    expect(job.unconsumed).toBeUndefined();
    expect(runtime.getJob(job.jobId)).toBe(job);
  });

  it('starts one worker per flow on first post and reuses it', () => {
    runtime = new Runtime();
    const flow = new Flow('reuse').addRoutine(echo(), 'a');
    const [w1] = runtime.post(flow, 'a', 'in', 1);
    const [w2] = runtime.post(flow, 'a', 'in', 2);
    expect(w1).toBe(w2);
    expect(runtime.listWorkers()).toHaveLength(1);
    const w3 = runtime.exec(flow);
    expect(w3.workerId).not.toBe(w1.workerId);
    const [w4] = runtime.post(flow, 'a', 'in', 3, { workerId: w3.workerId });
    expect(w4).toBe(w3);
  });

  it('runs flows registered by name', async () => {
    runtime = new Runtime();
    FlowRegistry.getInstance().registerByName('by-name', new Flow('by-name').addRoutine(echo(), 'a'));
    const ws = runtime.exec('by-name');
    const [, job] = runtime.post('by-name', 'a', 'in', 1);
    await job.done();
    expect(job.workerId).toBe(ws.workerId);
  });

  it('lists jobs by worker and status, and keeps finished ones in a bounded history', async () => {
    runtime = new Runtime({ jobHistory: { maxEntries: 3 } });
    const flow = new Flow('history').addRoutine(echo(), 'a');
    const jobs = Array.from({ length: 5 }, (_, i) => runtime.post(flow, 'a', 'in', i)[1]);
    await runtime.waitUntilAllJobsFinished();
    expect(runtime.listJobs({ status: 'completed' }).map((j) => j.jobId)).toEqual(jobs.slice(2).map((j) => j.jobId));
    expect(runtime.getJob(jobs[0]!.jobId)).toBeUndefined();
    expect(runtime.listJobs({ workerId: 'nobody' })).toEqual([]);
  });

  it('drops finished jobs from the history once they are older than its ttl', async () => {
    const test = createTestRuntime({ jobHistory: { ttl: 1000 } });
    const flow = new Flow('ttl').addRoutine(echo(), 'a');
    const [, first] = test.post(flow, 'a', 'in', 1);
    await test.runUntilIdle();
    test.clock.advance(600);
    const [, second] = test.post(flow, 'a', 'in', 2);
    await test.runUntilIdle();
    test.clock.advance(500);
    expect(test.getJob(first.jobId)).toBeUndefined();
    expect(test.getJob(second.jobId)).toBe(second);
    test.clock.advance(600);
    expect(test.listJobs()).toEqual([]);
    await test.shutdown();
  });

  it('waitUntilAllJobsFinished resolves false on timeout and true once jobs end', async () => {
    runtime = new Runtime();
    const flow = new Flow('slow').addRoutine(node(['in'], [], () => sleep(80)), 'a');
    runtime.post(flow, 'a', 'in', 1);
    expect(await runtime.waitUntilAllJobsFinished({ timeout: 10 })).toBe(false);
    expect(await runtime.waitUntilAllJobsFinished({ timeout: 2000 })).toBe(true);
  });

  it('limits how many logic calls run at once', async () => {
    runtime = new Runtime({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const flow = new Flow('limited').addRoutine(
      node(['in'], [], async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
      }),
      'a',
    );
    for (let i = 0; i < 20; i++) runtime.post(flow, 'a', 'in', i);
    await runtime.waitUntilAllJobsFinished();
    expect(peak).toBe(3);
  });

  it('a job whose logic throws fails alone, with its error and routine; the worker and other jobs go on', async () => {
    runtime = new Runtime();
    const flow = new Flow('throws').addRoutine(
      node(['in'], [], (data) => {
        if ((data.in![0] as number) % 10 === 0) throw new Error(`bad ${String(data.in![0])}`);
      }),
      'a',
    );
    const jobs = Array.from({ length: 1000 }, (_, i) => runtime.post(flow, 'a', 'in', i)[1]);
    await runtime.waitUntilAllJobsFinished();
    const failed = jobs.filter((j) => j.status === 'failed');
    expect(failed).toHaveLength(100);
    expect(jobs.filter((j) => j.status === 'completed')).toHaveLength(900);
    for (const job of failed) {
      expect((job.error as Error).message).toMatch(/^bad \d*0$/);
      expect(job.failedRoutineId).toBe('a');
    }
    expect(runtime.listWorkers()[0]!.status).toBe('running');
  });

  it('a broken policy (throwing, or returning something unusable) fails that job, even on the entry routine', async () => {
    runtime = new Runtime();
    const broken: ActivationPolicy = { name: 'broken', params: {}, decide: () => ({ activate: true, take: null as never }) };
    const flow = new Flow('broken-policy')
      .addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => ctx.emit('out', {})), 'a')
      .addRoutine(node(['in'], [], () => {}).setActivationPolicy(broken), 'b')
      .addRoutine(node(['in'], [], () => {}), 'ok');
    flow.connect('a', 'out', 'b', 'in');
    const [, downstream] = runtime.post(flow, 'a', 'in', 1);
    const [, entry] = runtime.post(flow, 'b', 'in', 1);
    const [, good] = runtime.post(flow, 'ok', 'in', 1);
    await runtime.waitUntilAllJobsFinished({ timeout: 2000 });
    for (const job of [downstream, entry]) {
      expect(job.status).toBe('failed');
      expect(job.failedRoutineId).toBe('b');
      expect(job.traceLog.map((t) => t.action)).toContain('policy.failed');
    }
    expect(good.status).toBe('completed');
    expect(runtime.listWorkers()[0]!.status).toBe('running');
  });

  it('a job actor that crashes (xstate.error.actor) fails that job and never its worker', async () => {
    const actors = new Map<string, AnyActorRef>();
    runtime = new Runtime({
      inspect: (event) => {
        if (event.type === '@xstate.actor') actors.set((event.actorRef as AnyActorRef).id, event.actorRef as AnyActorRef);
      },
    });
    const gate = new Promise<void>(() => {});
    const flow = new Flow('crash').addRoutine(node(['in'], [], (data) => (data.in![0] === 'hold' ? gate : undefined)), 'a');
    const [ws, job] = runtime.post(flow, 'a', 'in', 'hold');
    await sleep(5);
    // A driver that throws while the machine asks it something makes the job actor itself throw, as a bug would.
    const actor = actors.get(job.jobId)!;
    const driver = (actor.getSnapshot() as { context: { driver: { isQuiescent(): boolean } } }).context.driver;
    driver.isQuiescent = () => {
      throw new TypeError('a bug in the driver');
    };
    actor.send({ type: 'timer.fire', timer: 0 });
    await job.done();
    expect(job.status).toBe('failed');
    expect((job.error as Error).message).toMatch(/a bug in the driver/);
    expect(ws.status).toBe('running');
    const [, after] = runtime.post(flow, 'a', 'in', 'go');
    await after.done();
    expect(after.status).toBe('completed');
  });

  it('a finished job leaves the worker: its actor is stopped and it is no longer live', async () => {
    runtime = new Runtime();
    const flow = new Flow('leave').addRoutine(echo(), 'a');
    const [, job] = runtime.post(flow, 'a', 'in', 1);
    expect(runtime.listJobs({ status: 'pending' })).toEqual([job]);
    await job.done();
    expect(runtime.listJobs({ status: 'pending' })).toEqual([]);
    expect(runtime.listJobs({ status: 'running' })).toEqual([]);
  });

  it('reports data no routine consumed instead of dropping it', async () => {
    runtime = new Runtime();
    const { batchSizePolicy } = await import('../../src/index.js');
    const flow = new Flow('leftover').addRoutine(node(['in'], [], () => {}).setActivationPolicy(batchSizePolicy(2)), 'a');
    const [, job] = runtime.post(flow, 'a', 'in', 'lonely');
    await job.done();
    expect(job.status).toBe('completed');
    expect(job.unconsumed).toEqual({ 'a.in': ['lonely'] });
  });
});

describe('typed errors for bad input', () => {
  it('unknown flow, routine, slot', () => {
    runtime = new Runtime();
    FlowRegistry.getInstance().registerByName('known', new Flow('known').addRoutine(echo(), 'a'));
    expect(() => runtime.post('nope', 'a', 'in', 1)).toThrow(FlowNotFoundError);
    expect(() => runtime.post('nope', 'a', 'in', 1)).toThrow(/Flow "nope" is not registered\. Registered flows: .*"known"/);
    expect(() => runtime.exec('nope')).toThrow(FlowNotFoundError);
    expect(() => runtime.post('known', 'zzz', 'in', 1)).toThrow(RoutineNotFoundError);
    expect(() => runtime.post('known', 'zzz', 'in', 1)).toThrow(/has no routine "zzz". Its routines are "a"/);
    expect(() => runtime.post('known', 'a', 'inn', 1)).toThrow(SlotNotFoundError);
    expect(() => runtime.post('known', 'a', 'inn', 1)).toThrow(/Routine "a" has no slot "inn". Its slots are "in"/);
  });

  it('duplicate routine ids and connections to unknown names', () => {
    const flow = new Flow('dup').addRoutine(echo(), 'a');
    expect(() => flow.addRoutine(echo(), 'a')).toThrow(DuplicateIdError);
    expect(() => flow.connect('a', 'out', 'missing', 'in')).toThrow(RoutineNotFoundError);
    expect(() => flow.connect('missing', 'out', 'a', 'in')).toThrow(RoutineNotFoundError);
    expect(() => flow.connect('a', 'nope', 'a', 'in')).toThrow(EventNotFoundError);
    expect(() => flow.connect('a', 'out', 'a', 'nope')).toThrow(SlotNotFoundError);
    expect(() => flow.addRoutine({} as Routine, 'b')).toThrow(InvalidArgumentError);
    expect(() => new Routine().addSlot('in').addSlot('in')).toThrow(DuplicateIdError);
    expect(() => new Routine().addSlot('in', { maxQueueLength: 0 })).toThrow(/maxQueueLength must be a positive integer/);
  });

  it('exec refuses an invalid flow with FlowValidationError listing the problems', () => {
    runtime = new Runtime();
    const flow = new Flow('invalid').addRoutine(new Routine().addSlot('in'), 'nologic');
    expect(() => runtime.exec(flow)).toThrow(FlowValidationError);
    expect(() => runtime.exec(flow)).toThrow(/Routine "nologic" has no logic: call setLogic/);
  });

  it('emit of an undeclared event fails the job with EventNotFoundError', async () => {
    runtime = new Runtime();
    const flow = new Flow('undeclared').addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => ctx.emit('typo', {})), 'a');
    const [, job] = runtime.post(flow, 'a', 'in', 1);
    await job.done();
    expect(job.status).toBe('failed');
    expect(job.error).toBeInstanceOf(EventNotFoundError);
    expect((job.error as Error).message).toMatch(/Routine "a" has no event "typo". Its events are "out"/);
  });

  it('emit outside a job throws NoCurrentJobError', () => {
    const routine = new Routine<{ in: unknown }, { out: object }>().addEvent('out');
    expect(() => routine.emit('out', {})).toThrow(NoCurrentJobError);
    expect(() => routine.emit('out', {})).toThrow(/emit\("out"\) was called outside a job/);
  });

  it('post after shutdown throws RuntimeShutDownError; unknown workers throw WorkerNotFoundError', async () => {
    runtime = new Runtime();
    const flow = new Flow('closing').addRoutine(echo(), 'a');
    runtime.exec(flow);
    await runtime.shutdown();
    expect(() => runtime.post(flow, 'a', 'in', 1)).toThrow(RuntimeShutDownError);
    expect(() => runtime.exec(flow)).toThrow(RuntimeShutDownError);
    expect(() => runtime.pause('ghost')).toThrow(WorkerNotFoundError);
  });

  it('rejects bad options', () => {
    expect(() => new Runtime({ concurrency: 0 })).toThrow(/concurrency must be a positive integer/);
    runtime = new Runtime();
    const flow = new Flow('opts').addRoutine(echo(), 'a');
    expect(() => runtime.post(flow, 'a', 'in', 1, { timeout: -1 })).toThrow(/timeout must be/);
    expect(() => runtime.post(flow, 'a', 'in', 1, { metadata: { f: () => 1 } })).toThrow(/metadata\.f: function/);
    runtime.post(flow, 'a', 'in', 1, { jobId: 'fixed' });
    expect(() => runtime.post(flow, 'a', 'in', 1, { jobId: 'fixed' })).toThrow(DuplicateIdError);
  });
});

describe('posting checks everything first and finds the right worker', () => {
  it('a typo in a post leaves no worker or job behind', () => {
    runtime = new Runtime();
    const flow = new Flow('typo').addRoutine(echo(), 'a');
    expect(() => runtime.post(flow, 'b', 'in', 1)).toThrow(RoutineNotFoundError);
    expect(() => runtime.post(flow, 'a', 'inn', 1)).toThrow(SlotNotFoundError);
    expect(() => runtime.post(flow, 'a', 'in', 1, { jobId: 42 as never })).toThrow(InvalidArgumentError);
    expect(() => runtime.post(flow, 'a', 'in', 1, { timeout: 30 * 24 * 3600 * 1000 })).toThrow(/at most 2147483647/);
    expect(runtime.listWorkers()).toEqual([]);
    expect(runtime.listJobs()).toEqual([]);
  });

  it('finds workers by flow, whatever name the flow was registered under', async () => {
    runtime = new Runtime();
    const flow = new Flow('real_name').addRoutine(echo(), 'a');
    FlowRegistry.getInstance().registerByName('alias', flow);
    const ws = runtime.exec('alias');
    const [byAlias] = runtime.post('alias', 'a', 'in', 1, { workerId: ws.workerId });
    const [byObject] = runtime.post(flow, 'a', 'in', 2);
    expect(byAlias).toBe(ws);
    expect(byObject).toBe(ws);
    const other = new Flow('real_name').addRoutine(echo(), 'a');
    const [otherWorker] = runtime.post(other, 'a', 'in', 3);
    expect(otherWorker).not.toBe(ws);
    expect(() => runtime.post(other, 'a', 'in', 4, { workerId: ws.workerId })).toThrow(InvalidArgumentError);
  });

  it('a new worker runs the routine as it is now (logic, error handler edited after an earlier exec)', async () => {
    runtime = new Runtime();
    const routine = node(['in'], [], () => {
      throw new Error('v1');
    });
    const flow = new Flow('edited').addRoutine(routine, 'r');
    const first = runtime.exec(flow);
    routine.setLogic(() => {});
    const second = runtime.exec(flow);
    const [, old] = runtime.post(flow, 'r', 'in', 1, { workerId: first.workerId });
    const [, fresh] = runtime.post(flow, 'r', 'in', 1, { workerId: second.workerId });
    await runtime.waitUntilAllJobsFinished();
    expect(old.status).toBe('failed');
    expect(fresh.status).toBe('completed');
  });

  it('a post to a stopped worker says it is stopped; stopped workers leave the runtime', async () => {
    runtime = new Runtime();
    const flow = new Flow('gone').addRoutine(echo(), 'a');
    const ws = runtime.exec(flow);
    await runtime.stop(ws.workerId);
    expect(runtime.getWorker(ws.workerId)).toBeUndefined();
    expect(() => runtime.post(flow, 'a', 'in', 1, { workerId: ws.workerId })).toThrow(WorkerNotRunningError);
  });

  it('rejects job limits and wait timeouts that are not usable', () => {
    expect(() => new Runtime({ jobLimits: { maxTraceEntries: Number.NaN } })).toThrow(/jobLimits\.maxTraceEntries must be a positive integer/);
    expect(() => new Runtime({ jobLimits: { maxOutputLines: -1 } })).toThrow(InvalidArgumentError);
    runtime = new Runtime();
    expect(() => runtime.waitUntilAllJobsFinished({ timeout: -5 })).toThrow(/waitUntilAllJobsFinished timeout/);
  });

  it('emit passes null and other non-object payloads through unchanged', async () => {
    const test = createTestRuntime();
    const seen: unknown[] = [];
    const flow = new Flow('null-payload')
      .addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => void (ctx.emit('out', null), ctx.emit('out', 0), ctx.emit('out'))), 'a')
      .addRoutine(node(['in'], [], (data) => void seen.push(...data.in!)), 'b')
      .connect('a', 'out', 'b', 'in');
    test.post(flow, 'a', 'in', 1);
    await test.runUntilIdle();
    expect(seen).toEqual([null, 0, {}]);
    await test.shutdown();
  });
});

describe('shutdown and disposal', () => {
  it('await using shuts the runtime down at the end of the scope', async () => {
    let outer: Runtime;
    let worker: WorkerState;
    {
      await using rt = new Runtime();
      outer = rt;
      worker = rt.exec(new Flow('scoped').addRoutine(echo(), 'a'));
    }
    expect(outer.isShutDown).toBe(true);
    expect(worker.status).toBe('stopped');
    expect(outer.listWorkers()).toEqual([]);
  });

  it('lets running jobs finish within the timeout', async () => {
    runtime = new Runtime();
    const flow = new Flow('drain').addRoutine(node(['in'], [], () => sleep(30)), 'a');
    const [, job] = runtime.post(flow, 'a', 'in', 1);
    await runtime.shutdown({ timeout: 2000 });
    expect(job.status).toBe('completed');
  });
});
