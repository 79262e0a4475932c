/**
 * Model-based testing of the job machine with xstate/graph (the successor of @xstate/graph, built into XState 5).
 *
 * The pattern: traverse the machine as a model (here with a driver that does nothing, so only the machine's own
 * transitions count), take the shortest path to every state, and replay each path against a real job in a test
 * runtime: each model event has an executor that does the real-world equivalent, and each model state has a
 * check of what a user would observe.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { jobMachine, type JobDriver, type JobMachineEvent } from '../../machines/job.machine.js';
import { Flow, type JobContext } from '../../src/index.js';
import { createTestRuntime, expectJob, type TestRuntime } from '../../src/testing/index.js';
import { node } from '../helpers.js';

const inertDriver: JobDriver = {
  jobId: 'model',
  isQuiescent: () => false,
  failure: undefined,
  finish: () => {},
};

const modelEvents: JobMachineEvent[] = [
  { type: 'routine.done', activation: { routineId: 'first', attempt: 1 } },
  { type: 'job.idle' },
  { type: 'job.cancel', reason: 'test' },
  { type: 'job.timeout' },
  { type: 'job.fail', error: new Error('model failure') },
];

/**
 * The system under test: a real two-step job (first → second) with a 1 s timeout, in a deterministic runtime.
 * `second` waits at a gate the test opens, so the job stays running until the test decides how it ends.
 */
class RealJob {
  readonly runtime: TestRuntime = createTestRuntime({ seed: 3 });
  readonly job: JobContext;
  failNext = false;
  open!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.open = resolve));

  constructor() {
    const flow = new Flow('model')
      .addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => ctx.emit('out', {})), 'first')
      .addRoutine(
        node(['in'], [], async () => {
          await this.#gate;
          if (this.failNext) throw new Error('real failure');
        }),
        'second',
      );
    flow.connect('first', 'out', 'second', 'in');
    this.job = this.runtime.post(flow, 'first', 'in', {}, { timeout: 1000 })[1];
  }
}

describe('job machine, model-based', () => {
  const model = createTestModel(jobMachine, { input: { driver: inertDriver }, events: modelEvents });

  it('the model reaches every final state of the machine from running', () => {
    expect(createActor(jobMachine, { input: { driver: inertDriver } }).getSnapshot().value).toBe('running');
    const reached = new Set(model.getShortestPaths().map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual(['cancelled', 'completed', 'failed', 'timedOut']);
  });

  const paths = [...model.getShortestPaths(), ...model.getPathsFromEvents([modelEvents[0]!, { type: 'job.idle' }], { fromState: createActor(jobMachine, { input: { driver: inertDriver } }).getSnapshot() })];
  for (const path of paths) {
    it(`real job: ${path.description}`, async () => {
      const sut = new RealJob();
      await path.test({
        events: {
          'routine.done': async () => {
            expect(await sut.runtime.step()).toMatchObject({ routineId: 'first' });
          },
          'job.idle': async () => {
            sut.open();
            await sut.runtime.runUntilIdle();
          },
          'job.cancel': () => {
            expect(sut.job.cancel('test')).toBe(true);
          },
          'job.timeout': async () => {
            await sut.runtime.runUntilIdle({ advanceTime: false });
            sut.runtime.clock.advance(1000); // the gate is still closed: time runs out
          },
          'job.fail': async () => {
            sut.failNext = true;
            sut.open();
            await sut.runtime.runUntilIdle();
          },
        },
        states: {
          running: () => expect(['pending', 'running']).toContain(sut.job.status),
          completed: () => void expectJob(sut.job).toComplete(),
          failed: () => void expectJob(sut.job).toFail('real failure'),
          cancelled: () => void expectJob(sut.job).toBeCancelled(),
          timedOut: () => void expectJob(sut.job).toTimeOut(),
        },
      });
      sut.open();
      await sut.runtime.shutdown();
    });
  }
});
