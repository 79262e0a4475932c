import { assign, createActor, stopChild, type Actor } from 'xstate';
import { jobHubLogic, type JobHubLogic } from '../../machines/job-hub.logic.js';
import type { RuntimeMachine } from '../../machines/runtime.machine.js';
import { workerMachine, type WorkerMachine, type WorkerStateData } from '../../machines/worker.machine.js';
import { RoutiluxError } from '../errors.js';
import type { CompiledFlow } from '../flow/compiled-flow.js';
import type { Activation } from '../job/activation.js';
import type { JobRun } from '../job/job-run.js';
import type { SerializationMode } from '../serialization/check.js';
import { applyStateEvent } from '../state/apply-event.js';
import { WorkerState } from '../state/worker-state.js';
import type { Clock } from './clock.js';
import type { Executor } from './executor.js';
import type { HookRunner } from './hooks.js';

/** What a worker needs from its runtime. */
export interface WorkerServices {
  readonly root: Actor<RuntimeMachine>;
  readonly clock: Clock;
  readonly executor: Executor;
  readonly hooks: HookRunner;
  readonly serializer: SerializationMode;
  jobEnded(run: JobRun): void;
  workerStopped(worker: Worker): void;
}

/**
 * Owns one worker actor: implements its named actions, keeps the index of live jobs (kept here, not in the
 * machine's children, because XState copies a parent's children record on every spawn and stop), and holds
 * activations while the worker is paused.
 */
export class Worker {
  readonly actor: Actor<WorkerMachine>;
  /** The parent of this worker's job actors (see machines/job-hub.logic.ts). */
  readonly hub: Actor<JobHubLogic>;
  readonly state: WorkerState;
  readonly live = new Map<string, JobRun>();
  paused = false;
  #held: Activation[] = [];
  #failure: unknown = undefined;
  readonly #stopped: Promise<void>;
  #resolveStopped!: () => void;

  constructor(
    private readonly services: WorkerServices,
    readonly id: string,
    readonly flow: CompiledFlow,
    routineStates: Readonly<Record<string, unknown>> = Object.freeze({}),
  ) {
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    const machine = workerMachine.provide({
      actions: {
        'job.spawn': ({ event }) => {
          if (event.type !== 'job.post') return;
          const run = event.job as JobRun;
          this.live.set(run.jobId, run);
          run.start();
        },
        'activations.hold': () => {
          this.paused = true;
        },
        'activations.release': () => {
          this.paused = false;
          const held = this.#held;
          this.#held = [];
          for (const activation of held) services.executor.schedule(activation);
        },
        'jobs.cancelAll': ({ event }) => {
          const reason = event.type === 'stop' && event.reason !== undefined ? event.reason : `worker "${id}" stopped`;
          // After this transition, not inside it: cancelling aborts job signals, and their listeners are user code.
          queueMicrotask(() => {
            for (const run of [...this.live.values()]) run.job.cancel(reason);
          });
        },
        'job.refuse': ({ event }) => {
          if (event.type !== 'job.post') return;
          // A post that raced with stop: end it cancelled, so nobody waits for it forever.
          const run = event.job as JobRun;
          run.finish('cancelled', `worker "${id}" was stopping when the job arrived`);
          services.jobEnded(run);
        },
        'state.apply': assign(({ context, event }) => applyStateEvent(context, event, services.serializer)),
        'jobs.stopHub': stopChild(() => this.hub),
        'worker.stopped': () => {
          services.hooks.workerStopped(this.state);
          services.workerStopped(this);
          this.#resolveStopped();
        },
      },
      guards: {
        hasNoLiveJobs: () => this.live.size === 0,
      },
    });
    const input: WorkerStateData = { workerId: id, flowId: flow.name, routineStates };
    this.actor = createActor(machine, { parent: services.root, id, input });
    this.hub = createActor(jobHubLogic, {
      parent: this.actor,
      id: 'jobs',
      input: {
        jobEnded: (jobId) => this.#release(jobId, undefined),
        jobCrashed: (jobId, error) => this.#release(jobId, error),
        toJSON: () => ({ workerId: id, liveJobs: this.live.size }),
      },
    });
    this.state = new WorkerState(this.actor, () => this.#failure);
  }

  start(): void {
    this.actor.start();
    this.hub.start();
  }

  get clock(): Clock {
    return this.services.clock;
  }

  get executor(): Executor {
    return this.services.executor;
  }

  get hooks(): HookRunner {
    return this.services.hooks;
  }

  /** Running or paused: a post is accepted (while paused its activations wait for resume). */
  get acceptsJobs(): boolean {
    const status = this.state.status;
    return status === 'running' || status === 'paused';
  }

  post(run: JobRun): void {
    this.actor.send({ type: 'job.post', job: run });
  }

  /** Keeps the activation back while paused; resume schedules held activations in the order they arrived. */
  hold(activation: Activation): boolean {
    if (!this.paused) return false;
    this.#held.push(activation);
    return true;
  }

  /** Resolves once the worker has stopped (all its jobs released). */
  whenStopped(): Promise<void> {
    return this.#stopped;
  }

  /** The worker actor itself crashed (a bug): fail its jobs so nobody waits forever, and report it. */
  crashed(error: unknown): void {
    this.#failure = error ?? new RoutiluxError('WORKER_CRASHED', `Worker "${this.id}" crashed.`);
    for (const id of [...this.live.keys()]) this.#release(id, this.#failure);
    this.services.workerStopped(this);
    this.#resolveStopped();
  }

  #release(jobId: string, crash: unknown): void {
    const run = this.live.get(jobId);
    if (!run) return;
    this.live.delete(jobId);
    // A job actor that crashed never reached a final state: record the failure ourselves.
    if (!run.finished) run.finish('failed', crash ?? new RoutiluxError('JOB_CRASHED', `Job "${jobId}" stopped unexpectedly.`));
    this.services.jobEnded(run);
    if (this.live.size === 0 && this.state.status === 'stopping') this.actor.send({ type: 'jobs.drained' });
  }
}
