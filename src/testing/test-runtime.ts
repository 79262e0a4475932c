import { InvalidArgumentError, RoutiluxError } from '../errors.js';
import { JobContext as JobContextClass } from '../job/job-context.js';
import { optionsBag } from '../util/args.js';
import type { Flow } from '../flow/flow.js';
import type { JobContext, TraceEntry } from '../job/job-context.js';
import { Runtime, type PostOptions, type RuntimeOptions } from '../runtime/runtime.js';
import type { WorkerState } from '../state/worker-state.js';
import { seededIds } from './seeded-ids.js';
import { TestClock } from './test-clock.js';

/**
 * Options of createTestRuntime: those of a Runtime, except that time, ids and scheduling are the test runtime's
 * own (a TestClock, seeded ids, activations run by step() and runUntilIdle()).
 */
export interface TestRuntimeOptions extends Omit<RuntimeOptions, 'clock' | 'idGenerator' | 'scheduling'> {
  /** Seeds the id generator: the same seed gives the same job and worker ids. Default 1. */
  readonly seed?: number;
  /** The simulated clock's starting time (ms since the epoch). Default 0. */
  readonly startTime?: number;
}

/** Options of runUntilIdle() and settle(). */
export interface RunUntilIdleOptions {
  /** When nothing can run, move the simulated clock to the next timer (retries, policies, timeouts). Default true. */
  readonly advanceTime?: boolean;
  /** Give up (with an error) after this many activations: a flow that loops forever. Default 100,000. */
  readonly maxActivations?: number;
}

/** Which activation step() ran. */
export interface StepResult {
  readonly jobId: string;
  readonly routineId: string;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /** Whether the logic has settled by the time step() returns (async logic waiting on the clock has not). */
  readonly settled: boolean;
}

/** A trace entry with the id of the job that wrote it, as TestRuntime.trace() lists them. */
export type JobTraceEntry = TraceEntry & { readonly jobId: string };

/** Lets every pending microtask chain run, once. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A Runtime for tests: simulated time, seeded ids, and activations that run only when the test says so, one at a
 * time (`step()`) or until nothing is left (`runUntilIdle()`). The same seed and the same test give byte-identical
 * job ids, traces and worker state on every run.
 */
export class TestRuntime extends Runtime {
  /** The simulated clock: advance() it, or let runUntilIdle() move it to the next timer. */
  declare readonly clock: TestClock;
  readonly #posted: JobContext[] = [];

  /** @throws InvalidArgumentError for a bad option (createTestRuntime is the usual way in). */
  constructor(options?: TestRuntimeOptions) {
    const { seed = 1, startTime = 0, ...rest } = optionsBag('createTestRuntime options', options);
    super({ ...rest, clock: new TestClock(startTime), idGenerator: seededIds(seed), scheduling: 'manual' });
  }

  override post(flow: string | Flow, routineId: string, slotName: string, data: unknown, options?: PostOptions): [WorkerState, JobContext] {
    const result = super.post(flow, routineId, slotName, data, options);
    this.#posted.push(result[1]);
    return result;
  }

  /** Runs the next queued activation (and the microtasks it starts). Undefined when nothing is queued. */
  async step(): Promise<StepResult | undefined> {
    const started = this.executor.startNext();
    if (!started) return undefined;
    let settled = started.promise === undefined;
    void started.promise?.then(() => (settled = true));
    await turn();
    const { activation } = started;
    return { jobId: activation.job.jobId, routineId: activation.routineId, attempt: activation.attempt, settled };
  }

  /**
   * Runs activations until none is queued or in flight; then, unless `advanceTime` is false, fires the next timer
   * on the simulated clock and carries on, until no timer is left either. Returns how many activations ran.
   */
  async runUntilIdle(options: RunUntilIdleOptions = {}): Promise<number> {
    const { advanceTime = true, maxActivations = 100_000 } = options;
    let ran = 0;
    for (;;) {
      while (this.executor.startNext()) {
        if (++ran > maxActivations) {
          throw new RoutiluxError(
            'NOT_IDLE',
            `runUntilIdle() ran ${maxActivations} activations and work remains: a flow that never stops (a cycle?). ` +
              `Raise maxActivations if that much work is expected.`,
          );
        }
      }
      await turn();
      if (this.executor.queued > 0) continue;
      const waitingLogic = this.executor.inFlight > 0;
      if (this.clock.pending > 0) {
        // Timers are what is left (or what running logic waits for): fire the next one, or stop here if told to.
        if (!advanceTime) return ran;
        this.clock.fireNext();
        continue;
      }
      if (!waitingLogic) return ran;
      // Logic is waiting on something outside the simulated world (real I/O): give it real time.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Shuts down as Runtime does, running the simulated world meanwhile (so its grace period can elapse). */
  override async shutdown(options?: { timeout?: number }): Promise<void> {
    let finished = false;
    const done = super.shutdown(options).finally(() => (finished = true));
    while (!finished) {
      await this.runUntilIdle();
      await turn();
    }
    return done;
  }

  /**
   * Runs the simulated world until `job` has ended and left its worker, and resolves with it. Under the test
   * runtime nothing runs by itself, so `await job.done()` alone would wait forever: await this instead.
   */
  async settle(job: JobContext, options?: RunUntilIdleOptions): Promise<JobContext> {
    if (!(job instanceof JobContextClass)) throw new InvalidArgumentError('settle(job)', job, 'a JobContext returned by post()');
    let released = false;
    const done = job.done().then(() => (released = true));
    while (!released) {
      const ran = await this.runUntilIdle(options);
      await turn();
      if (!released && ran === 0 && this.executor.queued === 0 && this.executor.inFlight === 0 && (this.clock.pending === 0 || options?.advanceTime === false)) {
        throw new RoutiluxError(
          'JOB_NOT_SETTLED',
          `Job "${job.jobId}" is ${job.status} and nothing is left to run (is its worker paused? resume it; or let time advance), so it cannot end.`,
        );
      }
    }
    await done;
    return job;
  }

  /** Every job's trace, in time order (jobs in the order they were posted), each entry with its job id. */
  trace(): JobTraceEntry[] {
    const entries = this.#posted.flatMap((job) => job.traceLog.map((entry) => ({ jobId: job.jobId, ...entry })));
    return entries.sort((a, b) => a.timestamp - b.timestamp);
  }

  /** The jobs posted through this runtime, in order. */
  get postedJobs(): readonly JobContext[] {
    return this.#posted;
  }
}

/**
 * A TestRuntime: simulated time from `startTime` (default 0), ids seeded by `seed` (default 1), and nothing runs
 * until the test calls step(), runUntilIdle() or settle().
 * @throws InvalidArgumentError for a bad option.
 */
export function createTestRuntime(options?: TestRuntimeOptions): TestRuntime {
  return new TestRuntime(options);
}
