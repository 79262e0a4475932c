import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { runtimeMachine, type RuntimeMachine } from '../../machines/runtime.machine.js';
import {
  DuplicateIdError,
  InvalidArgumentError,
  RoutineNotFoundError,
  RuntimeShutDownError,
  SerializationError,
  SlotNotFoundError,
  WorkerNotFoundError,
  WorkerNotRunningError,
} from '../errors.js';
import { compileFlow, type CompiledFlow } from '../flow/compiled-flow.js';
import { Flow } from '../flow/flow.js';
import { FlowRegistry } from '../flow/registry.js';
import { JobContext, DEFAULT_JOB_LIMITS, jobLifecycle, type JobLimits, type JobStatus } from '../job/job-context.js';
import { JobHistory, type JobHistoryOptions } from '../job/history.js';
import { JobRun } from '../job/job-run.js';
import { findUnserializable, type SerializationMode } from '../serialization/check.js';
import type { WorkerState } from '../state/worker-state.js';
import { systemClock, type Clock } from './clock.js';
import { Executor } from './executor.js';
import { HookRunner, consoleReporter, type ErrorReporter, type RuntimeHooks } from './hooks.js';
import { randomIds, type IdGenerator } from './ids.js';
import { Worker } from './worker.js';

export interface RuntimeOptions {
  /** How many logic calls may run at once in this runtime (async logic holds its slot until it settles). Default: unlimited. */
  readonly concurrency?: number;
  readonly clock?: Clock;
  readonly idGenerator?: IdGenerator;
  /** An XState inspector (e.g. createBrowserInspector().inspect from @statelyai/inspect): sees every worker and job actor. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** What WorkerState values may hold: `json` (default) or `structured` (adds Date, Map, Set, BigInt, typed arrays). */
  readonly serializer?: SerializationMode;
  readonly jobHistory?: JobHistoryOptions;
  readonly jobLimits?: Partial<JobLimits>;
  readonly hooks?: RuntimeHooks;
  /** Where errors thrown by hooks are reported. Default: console.error. */
  readonly onError?: ErrorReporter;
  /** @internal `manual` is for the test runtime: activations run only when it is told to run them. */
  readonly scheduling?: 'auto' | 'manual';
}

export interface ExecOptions {
  readonly workerId?: string;
}

export interface PostOptions {
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Post to this worker (it must run the same flow); default: the flow's first running worker, started if none. */
  readonly workerId?: string;
  readonly jobId?: string;
  /** ms; overrides the flow's jobTimeout. The job ends `timedOut` if it has not finished by then. */
  readonly timeout?: number;
}

export interface ListJobsFilter {
  readonly workerId?: string;
  readonly status?: JobStatus;
}

const EMPTY_METADATA = Object.freeze({});

/**
 * Runs flows. Owns one XState actor system: a root actor, a worker actor per exec, a job actor per post.
 * `await using runtime = new Runtime()` shuts it down at the end of the scope.
 */
export class Runtime implements AsyncDisposable {
  readonly clock: Clock;
  readonly #root: Actor<RuntimeMachine>;
  readonly #executor: Executor;
  readonly #hooks: HookRunner;
  readonly #ids: IdGenerator;
  readonly #serializer: SerializationMode;
  readonly #history: JobHistory;
  readonly #limits: JobLimits;
  readonly #workers = new Map<string, Worker>();
  readonly #byFlow = new Map<string, Worker[]>();
  readonly #compiled = new WeakMap<Flow, CompiledFlow>();
  #liveJobs = 0;
  #idleWaiters: (() => void)[] = [];
  #shutDown = false;

  constructor(options: RuntimeOptions = {}) {
    const concurrency = options.concurrency ?? Infinity;
    if (!(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency > 0))) {
      throw new InvalidArgumentError('concurrency', concurrency, 'a positive integer (or Infinity)');
    }
    const serializer = options.serializer ?? 'json';
    if (serializer !== 'json' && serializer !== 'structured') throw new InvalidArgumentError('serializer', serializer, '"json" or "structured"');
    this.clock = options.clock ?? systemClock;
    this.#ids = options.idGenerator ?? randomIds;
    this.#serializer = serializer;
    this.#limits = { ...DEFAULT_JOB_LIMITS, ...options.jobLimits };
    this.#history = new JobHistory(options.jobHistory ?? {}, () => this.clock.now());
    this.#hooks = new HookRunner(options.hooks ?? {}, options.onError ?? consoleReporter);
    this.#executor = new Executor(concurrency, options.scheduling ?? 'auto');
    const root = runtimeMachine.provide({
      actions: {
        'worker.crashed': ({ event }) => {
          if ('error' in event) this.#workers.get(event.type.slice('xstate.error.actor.'.length))?.crashed(event.error);
        },
      },
    });
    this.#root = createActor(root, { id: 'runtime', clock: this.clock, ...(options.inspect ? { inspect: options.inspect } : {}) });
    this.#root.start();
  }

  /** Starts a worker for the flow (by registered name, or the Flow itself) and returns its live WorkerState. */
  exec(flow: string | Flow, options: ExecOptions = {}): WorkerState {
    if (this.#shutDown) throw new RuntimeShutDownError(`exec("${flowName(flow)}")`);
    const resolved = typeof flow === 'string' ? FlowRegistry.getInstance().require(flow) : flow;
    if (!(resolved instanceof Flow)) throw new InvalidArgumentError('exec(flow)', flow, 'a registered flow name or a Flow');
    const compiled = this.#compile(resolved);
    const workerId = options.workerId ?? this.#ids('worker');
    if (this.#workers.has(workerId)) throw new DuplicateIdError('worker', workerId, 'This runtime');
    const worker = new Worker(
      {
        root: this.#root,
        clock: this.clock,
        executor: this.#executor,
        hooks: this.#hooks,
        serializer: this.#serializer,
        jobEnded: (run) => this.#jobEnded(run),
        workerStopped: (w) => this.#workerStopped(w),
      },
      workerId,
      compiled,
    );
    this.#workers.set(workerId, worker);
    const key = flowName(flow);
    this.#byFlow.set(key, [...(this.#byFlow.get(key) ?? []), worker]);
    worker.start();
    this.#hooks.workerStarted(worker.state);
    return worker.state;
  }

  /**
   * Starts a job: `data` goes into `routineId`'s slot `slotName` and the job runs until nothing is left to do.
   * Starts a worker for the flow if none runs. Returns the worker's state and the job's context at once.
   */
  post(flow: string | Flow, routineId: string, slotName: string, data: unknown, options: PostOptions = {}): [WorkerState, JobContext] {
    if (this.#shutDown) throw new RuntimeShutDownError(`post to "${flowName(flow)}"`);
    const worker = this.#workerFor(flow, options.workerId);
    const routine = worker.flow.byId.get(routineId);
    if (!routine) throw new RoutineNotFoundError(routineId, worker.flow.name, [...worker.flow.byId.keys()]);
    const slot = routine.slotIndex.get(slotName);
    if (slot === undefined) throw new SlotNotFoundError(slotName, routineId, routine.slotNames);
    const timeout = options.timeout ?? worker.flow.jobTimeout;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new InvalidArgumentError('post timeout', timeout, 'a number of milliseconds > 0');
    const jobId = options.jobId ?? this.#ids('job');
    if (options.jobId !== undefined && (typeof jobId !== 'string' || jobId === '' || this.getJob(jobId))) {
      throw new DuplicateIdError('job', String(jobId), 'This runtime');
    }
    const job = new JobContext({
      jobId,
      workerId: worker.id,
      flowId: worker.flow.name,
      metadata: this.#metadata(options.metadata),
      now: () => this.clock.now(),
      limits: this.#limits,
    });
    const target = routine.slots[slot]!;
    const run = new JobRun(worker, job, worker.flow, { routine: routine.index, slot, target: target.target, item: data }, timeout);
    this.#liveJobs++;
    worker.post(run);
    return [worker.state, job];
  }

  /** A live job, or a finished one still in the history. */
  getJob(jobId: string): JobContext | undefined {
    for (const worker of this.#workers.values()) {
      const run = worker.live.get(jobId);
      if (run) return run.job;
    }
    return this.#history.get(jobId);
  }

  listJobs(filter: ListJobsFilter = {}): JobContext[] {
    const live = [...this.#workers.values()].flatMap((w) => [...w.live.values()].map((r) => r.job));
    return [...this.#history.values(), ...live].filter(
      (job) => (filter.workerId === undefined || job.workerId === filter.workerId) && (filter.status === undefined || job.status === filter.status),
    );
  }

  getWorker(workerId: string): WorkerState | undefined {
    return this.#workers.get(workerId)?.state;
  }

  listWorkers(): WorkerState[] {
    return [...this.#workers.values()].map((w) => w.state);
  }

  /** Resolves true once no job is running, or false if `timeout` ms pass first. */
  waitUntilAllJobsFinished(options: { timeout?: number } = {}): Promise<boolean> {
    if (this.#liveJobs === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let handle: unknown;
      const waiter = () => {
        if (handle !== undefined) this.clock.clearTimeout(handle);
        resolve(true);
      };
      this.#idleWaiters.push(waiter);
      if (options.timeout !== undefined) {
        handle = this.clock.setTimeout(() => {
          this.#idleWaiters = this.#idleWaiters.filter((w) => w !== waiter);
          resolve(false);
        }, options.timeout);
      }
    });
  }

  /** Holds new activations of the worker's jobs (posts are still accepted and queued) until resume. */
  pause(workerId: string): void {
    const worker = this.#requireWorker(workerId);
    if (!worker.acceptsJobs) throw new WorkerNotRunningError(workerId, worker.state.status, 'pause');
    worker.actor.send({ type: 'pause' });
  }

  /** Releases held activations in the order they were held. */
  resume(workerId: string): void {
    const worker = this.#requireWorker(workerId);
    if (!worker.acceptsJobs) throw new WorkerNotRunningError(workerId, worker.state.status, 'resume');
    worker.actor.send({ type: 'resume' });
  }

  /** Stops the worker: its jobs end `cancelled`. Resolves when it has stopped. */
  stop(workerId: string, reason?: unknown): Promise<void> {
    const worker = this.#requireWorker(workerId);
    worker.actor.send({ type: 'stop', reason });
    return worker.whenStopped();
  }

  /**
   * Stops taking work (RuntimeShutDownError), lets running jobs finish for up to `timeout` ms (default 10 s),
   * cancels the rest, stops every worker and the actor system. Leaves no timer behind.
   */
  async shutdown(options: { timeout?: number } = {}): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    await this.waitUntilAllJobsFinished({ timeout: options.timeout ?? 10_000 });
    await Promise.all([...this.#workers.values()].map((w) => (w.acceptsJobs ? this.stop(w.id, 'runtime shut down') : w.whenStopped())));
    this.#root.send({ type: 'shutdown' });
  }

  get isShutDown(): boolean {
    return this.#shutDown;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** @internal for the test runtime */
  get executor(): Executor {
    return this.#executor;
  }

  /** @internal for the test runtime */
  get liveJobCount(): number {
    return this.#liveJobs;
  }

  #compile(flow: Flow): CompiledFlow {
    const cached = this.#compiled.get(flow);
    if (cached && cached.version === flow.version) return cached;
    const compiled = compileFlow(flow);
    this.#compiled.set(flow, compiled);
    return compiled;
  }

  #workerFor(flow: string | Flow, workerId: string | undefined): Worker {
    if (workerId !== undefined) {
      const worker = this.#requireWorker(workerId);
      if (worker.flow.name !== flowName(flow)) {
        throw new InvalidArgumentError(`post workerId "${workerId}"`, flowName(flow), `the flow that worker runs ("${worker.flow.name}")`);
      }
      if (!worker.acceptsJobs) throw new WorkerNotRunningError(workerId, worker.state.status, 'accept jobs');
      return worker;
    }
    const running = this.#byFlow.get(flowName(flow))?.find((w) => w.acceptsJobs);
    if (running) return running;
    this.exec(flow);
    return this.#byFlow.get(flowName(flow))!.at(-1)!;
  }

  #requireWorker(workerId: string): Worker {
    const worker = this.#workers.get(workerId);
    if (!worker) throw new WorkerNotFoundError(workerId, [...this.#workers.keys()]);
    return worker;
  }

  #metadata(metadata: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, unknown>> {
    if (metadata === undefined) return EMPTY_METADATA;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new InvalidArgumentError('post metadata', metadata, 'a plain object');
    }
    const problem = findUnserializable(metadata, this.#serializer, 'metadata');
    if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
    return deepFreeze(structuredClone(metadata));
  }

  #jobEnded(run: JobRun): void {
    this.#liveJobs--;
    this.#history.add(run.job);
    jobLifecycle.released(run.job);
    this.#hooks.jobEnded(run.job);
    if (this.#liveJobs === 0 && this.#idleWaiters.length) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  #workerStopped(worker: Worker): void {
    const list = this.#byFlow.get(worker.flow.name);
    if (list) this.#byFlow.set(worker.flow.name, list.filter((w) => w !== worker));
  }
}

function flowName(flow: string | Flow): string {
  return typeof flow === 'string' ? flow : flow instanceof Flow ? flow.name : String(flow);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
