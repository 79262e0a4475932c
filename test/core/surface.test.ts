import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ErrorHandler,
  Flow,
  FlowValidationError,
  InvalidArgumentError,
  Routine,
  Runtime,
  SerializationError,
  captureConsole,
  defineRoutine,
  getCurrentJob,
  slot,
} from '../../src/index.js';
import { createTestRuntime } from '../../src/testing/index.js';
import { node } from '../helpers.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
  runtime = undefined;
});

const single = (name: string, routine = node(['in'], [], () => {})) => new Flow(name).addRoutine(routine, 'r');

describe('Runtime option bags', () => {
  it.each([null, 'x', 42, [], new Date(), () => {}])('refuses %p as the options bag', (bad) => {
    expect(() => new Runtime(bad as never)).toThrow(InvalidArgumentError);
  });

  it('refuses null where an option is a value or left out', () => {
    for (const key of ['concurrency', 'serializer', 'clock', 'idGenerator', 'inspect', 'jobHistory', 'jobLimits', 'hooks', 'onError', 'onWarning', 'strict']) {
      expect(() => new Runtime({ [key]: null } as never), key).toThrow(InvalidArgumentError);
    }
    expect(() => new Runtime({ jobHistory: { maxEntries: null } } as never)).toThrow(InvalidArgumentError);
    expect(() => new Runtime({ jobLimits: { maxTraceEntries: null } } as never)).toThrow(InvalidArgumentError);
  });

  it('names an unknown option and lists the known ones (a typo is not silently ignored)', () => {
    expect(() => new Runtime({ concurency: 2 } as never)).toThrow(/Runtime option "concurency".*concurrency/);
  });

  it('refuses hooks that are not functions or not hooks', () => {
    expect(() => new Runtime({ hooks: { onJobEnd: 5 } } as never)).toThrow(/hooks\.onJobEnd/);
    expect(() => new Runtime({ hooks: { onJobFinish: () => {} } } as never)).toThrow(/hook "onJobFinish"/);
  });
});

describe('post, exec and queries refuse bad ids and options with a typed error', () => {
  it('post', () => {
    runtime = new Runtime();
    const flow = single('surface-post');
    expect(() => runtime!.post(flow, 'r', 'in', 1, 42 as never)).toThrow(InvalidArgumentError);
    expect(() => runtime!.post(flow, 'r', 'in', 1, null as never)).toThrow(InvalidArgumentError);
    expect(() => runtime!.post(flow, Symbol('r') as never, 'in', 1)).toThrow(InvalidArgumentError);
    expect(() => runtime!.post(flow, 'r', 7 as never, 1)).toThrow(InvalidArgumentError);
    for (const key of ['jobId', 'workerId', 'timeout', 'metadata']) {
      expect(() => runtime!.post(flow, 'r', 'in', 1, { [key]: null } as never), key).toThrow(InvalidArgumentError);
    }
    expect(() => runtime!.post(flow, 'r', 'in', 1, { jobId: Symbol('j') } as never)).toThrow(InvalidArgumentError);
    // Nothing was started by any refused post.
    expect(runtime.listWorkers()).toEqual([]);
  });

  it('post checks the data as it checks metadata (it will be stored once jobs are durable)', () => {
    runtime = new Runtime();
    const flow = single('surface-data');
    expect(() => runtime!.post(flow, 'r', 'in', { when: () => 1 })).toThrow(SerializationError);
    expect(() => runtime!.post(flow, 'r', 'in', { socket: new (class Socket {})() })).toThrow(/data\.socket/);
    expect(runtime.listWorkers()).toEqual([]);
  });

  it('exec, getJob, getWorker, pause, resume, stop, listJobs', () => {
    runtime = new Runtime();
    const flow = single('surface-queries');
    expect(() => runtime!.exec(flow, { workerId: null } as never)).toThrow(InvalidArgumentError);
    expect(() => runtime!.exec(flow, 'w' as never)).toThrow(InvalidArgumentError);
    for (const bad of [Symbol('x'), 5, null, '']) {
      expect(() => runtime!.getJob(bad as never)).toThrow(InvalidArgumentError);
      expect(() => runtime!.getWorker(bad as never)).toThrow(InvalidArgumentError);
      expect(() => runtime!.pause(bad as never)).toThrow(InvalidArgumentError);
      expect(() => runtime!.resume(bad as never)).toThrow(InvalidArgumentError);
      expect(() => runtime!.stop(bad as never)).toThrow(InvalidArgumentError);
    }
    expect(() => runtime!.listJobs(null as never)).toThrow(InvalidArgumentError);
    expect(() => runtime!.listJobs({ status: 'bogus' } as never)).toThrow(/listJobs status.*"completed"/);
    expect(() => runtime!.waitUntilAllJobsFinished({ timeout: null } as never)).toThrow(InvalidArgumentError);
  });

  it('getJob and listJobs still answer after shutdown() for jobs in the history', async () => {
    runtime = new Runtime();
    const [, job] = runtime.post(single('surface-after'), 'r', 'in', 1);
    await job.done();
    await runtime.shutdown();
    expect(runtime.getJob(job.jobId)).toBe(job);
    expect(runtime.listJobs({ status: 'completed' })).toEqual([job]);
  });
});

describe('routine and flow definitions', () => {
  it.each([5, 'retry', {}, null])('setErrorHandler(%p) is refused at once', (bad) => {
    expect(() => new Routine().setErrorHandler(bad as never)).toThrow(InvalidArgumentError);
    expect(() => new Flow('f').setErrorHandler(bad as never)).toThrow(InvalidArgumentError);
    expect(() => new Flow('f', { errorHandler: bad as never })).toThrow(InvalidArgumentError);
  });

  it('a retry handler given as options (not an ErrorHandler) no longer hides the real error later', () => {
    expect(() => new Routine().setErrorHandler({ strategy: 'retry' } as never)).toThrow(/new ErrorHandler/);
  });

  it.each(['x', 5, null, new Date()])('new ErrorHandler(%p) is refused', (bad) => {
    expect(() => new ErrorHandler(bad as never)).toThrow(InvalidArgumentError);
  });

  it('refuses null ErrorHandler options and unknown ones', () => {
    expect(() => new ErrorHandler({ maxRetries: null } as never)).toThrow(InvalidArgumentError);
    expect(() => new ErrorHandler({ stratgy: 'retry' } as never)).toThrow(/"stratgy"/);
  });

  it('defineRoutine names the missing or malformed field', () => {
    expect(() => defineRoutine(undefined as never)).toThrow(/defineRoutine\(definition\)/);
    expect(() => defineRoutine({ logic: () => {} } as never)).toThrow(/defineRoutine slots/);
    expect(() => defineRoutine({ slots: { in: 5 }, logic: () => {} } as never)).toThrow(/slots\.in/);
    expect(() => defineRoutine({ slots: { in: slot() } } as never)).toThrow(/defineRoutine logic/);
    expect(() => defineRoutine({ slots: { in: slot() }, events: { out: {} }, logic: () => {} } as never)).toThrow(/events\.out/);
    expect(() => defineRoutine({ slots: { in: slot() }, logic: () => {}, policy: 0 } as never)).toThrow(InvalidArgumentError);
    expect(() => defineRoutine({ slots: { in: slot() }, logic: () => {}, logik: 1 } as never)).toThrow(/"logik"/);
  });

  it('setConfig follows the serialization rules of WorkerState and reads own keys only', () => {
    const routine = new Routine();
    expect(() => routine.setConfig({ when: new Date() })).toThrow(SerializationError);
    expect(() => routine.setConfig({ n: Number.NaN })).toThrow(/config\.n/);
    expect(() => routine.setConfig(null as never)).toThrow(InvalidArgumentError);
    expect(routine.getConfig('toString', 'fallback')).toBe('fallback');
    routine.setConfig({ constructor: 1, nested: { a: [1] } });
    expect(routine.getConfig('constructor')).toBe(1);
    expect(Object.isFrozen(routine.getConfig<{ a: number[] }>('nested').a)).toBe(true);
  });
});

describe('job data keys', () => {
  it('are own keys: constructor and __proto__ are plain keys; symbols are refused', async () => {
    runtime = new Runtime();
    const seen: unknown[] = [];
    const flow = single(
      'surface-data-keys',
      node(['in'], [], () => {
        const job = getCurrentJob()!;
        seen.push(job.getData('constructor'), job.getData('toString', 'none'));
        job.setData('constructor', 1);
        job.setData('__proto__', { polluted: true });
        expect(() => job.setData(Symbol('k') as never, 1)).toThrow(InvalidArgumentError);
        expect(() => job.getData(5 as never)).toThrow(InvalidArgumentError);
      }),
    );
    const [, job] = runtime.post(flow, 'r', 'in', 1);
    await job.done();
    expect(job.status).toBe('completed');
    expect(seen).toEqual([undefined, 'none']);
    expect(job.getData('constructor')).toBe(1);
    expect(Object.hasOwn(job.data, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('emits, warnings and strict mode', () => {
  it('records an emit on an event with no connection as emit.unrouted', async () => {
    runtime = new Runtime({ onWarning: () => {} });
    const flow = single('surface-unrouted', node(['in'], ['out'], (_d, _m, _s, ctx) => ctx.emit('out', { x: 1 })));
    const [, job] = runtime.post(flow, 'r', 'in', 1);
    await job.done();
    expect(job.traceLog.map((e) => [e.routineId, e.action, e.details])).toContainEqual(['r', 'emit.unrouted', { event: 'out' }]);
  });

  it('reports a flow\'s warnings once, when its first worker starts (entry slots are not warnings)', () => {
    const onWarning = vi.fn();
    runtime = new Runtime({ onWarning });
    const flow = single('surface-warn', node(['in'], ['out'], () => {}));
    runtime.exec(flow);
    runtime.exec(flow);
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0]![0]).toBe('surface-warn');
    expect(onWarning.mock.calls[0]![1].map((p: { code: string }) => p.code)).toEqual(['UNCONNECTED_EVENT']);
    runtime.exec(single('surface-clean'));
    expect(onWarning).toHaveBeenCalledTimes(1);
  });

  it('strict refuses to run a flow with problems, warnings included, and starts nothing', () => {
    runtime = new Runtime({ strict: true });
    const flow = single('surface-strict', node(['in'], ['out'], () => {}));
    expect(() => runtime!.exec(flow)).toThrow(FlowValidationError);
    expect(() => runtime!.post(flow, 'r', 'in', 1)).toThrow(/Event "r\.out" is connected to nothing/);
    expect(runtime.listWorkers()).toEqual([]);
    expect(runtime.exec(single('surface-strict-ok')).status).toBe('running');
  });
});

describe('test runtime settle()', () => {
  it('runs a job to its end (await job.done() alone would wait forever under the test runtime)', async () => {
    const test = createTestRuntime();
    const flow = new Flow('surface-settle')
      .addRoutine(node(['in'], ['out'], (d, _m, _s, ctx) => ctx.emit('out', { n: (d.in[0] as number) + 1 })), 'a')
      .addRoutine(node(['in'], [], (d) => getCurrentJob()!.setData('n', (d.in[0] as { n: number }).n)), 'b')
      .connect('a', 'out', 'b', 'in');
    const [, job] = test.post(flow, 'a', 'in', 1);
    const settled = await test.settle(job);
    expect(settled).toBe(job);
    expect(job.status).toBe('completed');
    expect(job.getData('n')).toBe(2);
    await expect(test.settle(5 as never)).rejects.toThrow(InvalidArgumentError);
    await test.shutdown();
  });

  it('says why when a job cannot end (its worker is paused)', async () => {
    const test = createTestRuntime();
    const flow = single('surface-settle-paused');
    const ws = test.exec(flow);
    test.pause(ws.workerId);
    const [, job] = test.post(flow, 'r', 'in', 1, { workerId: ws.workerId });
    await expect(test.settle(job)).rejects.toThrow(/paused/);
    test.resume(ws.workerId);
    await test.settle(job);
    expect(job.status).toBe('completed');
    await test.shutdown();
  });
});

describe('captureConsole', () => {
  it("honours a later caller's passthrough while it captures", async () => {
    const printed: unknown[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => printed.push(args.join(' '));
    runtime = new Runtime();
    const undoFirst = captureConsole();
    const undoSecond = captureConsole({ passthrough: true });
    try {
      const flow = single('surface-console', node(['in'], [], () => console.log('inside')));
      const [, job] = runtime.post(flow, 'r', 'in', 1);
      await job.done();
      expect(job.output).toEqual(['inside']);
      expect(printed).toEqual(['inside']);
      undoSecond();
      const [, quiet] = runtime.post(flow, 'r', 'in', 1);
      await quiet.done();
      expect(quiet.output).toEqual(['inside']);
      expect(printed).toEqual(['inside']);
    } finally {
      undoSecond();
      undoFirst();
      console.log = original;
    }
    expect(() => captureConsole('yes' as never)).toThrow(InvalidArgumentError);
  });
});
