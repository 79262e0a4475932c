import { assign, createActor, stopChild, type Actor, type AnyActorRef } from 'xstate';
import { jobHubLogic, type JobHubLogic } from '../../machines/job-hub.logic.js';
import type { RuntimeMachine } from '../../machines/runtime.machine.js';
import { workerMachine, type WorkerMachine, type WorkerMachineEvent, type WorkerStateData } from '../../machines/worker.machine.js';
import { RoutiluxError, WorkerNotRunningError } from '../errors.js';
import type { CompiledFlow } from '../flow/compiled-flow.js';
import type { ActivationGates, JobHost, RunnableActivation } from '../job/job-host.js';
import type { JobRun } from '../job/job-run.js';
import type { SerializationMode } from '../serialization/check.js';
import { applyStateEvent } from '../state/apply-event.js';
import { WorkerState } from '../state/worker-state.js';
import type { StateUpdateReply } from '../../machines/worker.machine.js';
import type { RestoredWorker } from '../durable/replay.js';
import { jobLifecycle } from '../job/job-context.js';
import type { JobJournal } from '../job/job-journal.js';
import type { WorkerDurability } from './worker-durability.js';
import type { Clock } from '../util/clock.js';
import type { Executor } from '../job/executor.js';
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
  /** A durable worker was restored: resume its unfinished jobs. */
  resumeJobs?(worker: Worker, restored: RestoredWorker): void;
}

type EventOf<T extends WorkerMachineEvent['type']> = Extract<WorkerMachineEvent, { type: T }>;

/**
 * Owns one worker actor: implements its named actions (the methods under "the worker machine's actions"), keeps
 * the index of live jobs (kept here, not in the machine's children, because XState copies a parent's children
 * record on every spawn and stop), and hosts its jobs (JobHost): their clock, timers, scheduling, and holding
 * activations while the worker is paused.
 */
export class Worker implements JobHost {
  readonly actor: Actor<WorkerMachine>;
  /** The parent of this worker's job actors (see machines/job-hub.logic.ts). */
  readonly hub: Actor<JobHubLogic>;
  readonly state: WorkerState;
  readonly live = new Map<string, JobRun>();
  paused = false;
  #held: RunnableActivation[] = [];
  #failure: unknown = undefined;
  /** False while a durable worker reads its log (it stays `starting`). */
  #restored: boolean;
  /** Why stop was asked for while the worker was still restoring. */
  #stopRequested: unknown;
  /** This worker's journal (a durable worker's), for its jobs: a plain field, read on every activation. */
  readonly journal: JobJournal | undefined;
  readonly #stopped: Promise<void>;
  #resolveStopped!: () => void;

  constructor(
    private readonly services: WorkerServices,
    readonly id: string,
    readonly flow: CompiledFlow,
    routineStates: Readonly<Record<string, unknown>> = Object.freeze({}),
    /** Set on a runtime with a store: the worker is restored from its log and journals what it does. */
    readonly durability?: WorkerDurability,
  ) {
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    this.#restored = durability === undefined;
    this.journal = durability;
    const machine = workerMachine.provide({
      actions: {
        'job.spawn': ({ event }) => this.#spawnJob(event as EventOf<'job.post'>),
        'job.refuse': ({ event }) => this.#refuseJob(event as EventOf<'job.post'>),
        'activations.hold': () => this.#holdActivations(),
        'activations.release': () => this.#releaseActivations(),
        'jobs.cancelAll': ({ event }) => this.#cancelAllJobs(event),
        'state.apply': durability
          ? assign(({ context, event }) => applyStateEvent(context, event, services.serializer, this.#restored ? durability.applied : undefined))
          : assign(({ context, event }) => applyStateEvent(context, event, services.serializer)),
        'jobs.stopHub': stopChild(() => this.hub),
        'worker.stopped': () => this.#stoppedNow(),
      },
      guards: {
        hasNoLiveJobs: () => this.live.size === 0,
        isRestored: () => this.#restored,
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
    if (durability) {
      this.state.makeDurable(durability);
      durability.onDiverged = (jobId, details) => {
        const job = this.live.get(jobId)?.job;
        if (job) jobLifecycle.restoreTrace(job, { timestamp: services.clock.now(), routineId: '', action: 'journal.diverged', details });
      };
    }
  }

  start(): void {
    this.actor.start();
    this.hub.start();
    if (this.durability) void this.#restore(this.durability);
  }

  /** Reads the log, puts the stored routine states in place, goes `running`, then resumes the unfinished jobs. */
  async #restore(durability: WorkerDurability): Promise<void> {
    let restored: RestoredWorker;
    try {
      restored = await durability.open(this.flow.flow, () => this.state.routineStates);
      if (this.#stopRequested !== undefined) throw new WorkerNotRunningError(this.id, 'stopping', 'be restored');
      for (const [routineId, value] of Object.entries(restored.routineStates)) {
        if (value === undefined) continue;
        const reply: StateUpdateReply = {};
        this.actor.send({ type: 'state.update', routineId, update: value, reply });
        if ('error' in reply) throw reply.error;
      }
    } catch (error) {
      if (this.#stopRequested === undefined) this.#failure = error;
      durability.markFailed(error);
      // It leaves the runtime as any stopped worker does; its status stays `failed` (with ready() saying why).
      this.#restored = true;
      this.#nudge();
      this.actor.send({ type: 'stop', reason: this.#stopRequested ?? error });
      return;
    }
    this.#restored = true;
    this.#nudge();
    this.services.resumeJobs?.(this, restored);
    durability.markReady();
  }

  /** Asks the worker to stop; one still restoring stops once its log is read (its jobs stay in the store). */
  requestStop(reason: unknown): void {
    if (this.#restored) this.actor.send({ type: 'stop', reason });
    else this.#stopRequested = reason ?? `worker "${this.id}" stopped`;
  }

  /**
   * Lets the `starting` state's guard be checked again (XState re-checks eventless transitions after each event):
   * an abandoned `state.update` changes nothing and keeps the machine's events those of an in-memory worker.
   */
  #nudge(): void {
    this.actor.send({ type: 'state.update', routineId: '', update: undefined, reply: { abandoned: true } });
  }

  /** In-memory idempotency keys (a durable worker keeps them in its log): key -> job id, oldest first, bounded. */
  #keys: Map<string, string> | undefined;

  /** Remembers that idempotency key `key` started job `jobId` (without a store). */
  rememberKey(key: string, jobId: string): void {
    const keys = (this.#keys ??= new Map());
    keys.set(key, jobId);
    if (keys.size > 100_000) keys.delete(keys.keys().next().value!);
  }

  /** The job id an idempotency key started on this worker (without a store). */
  keyedJob(key: string): string | undefined {
    return this.#keys?.get(key);
  }



  /** Running or paused: a post is accepted (while paused its activations wait for resume). */
  get acceptsJobs(): boolean {
    const status = this.state.status;
    return status === 'running' || status === 'paused';
  }

  post(run: JobRun): void {
    this.actor.send({ type: 'job.post', job: run });
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

  // ---- JobHost: what this worker's jobs use ----

  get jobParent(): AnyActorRef {
    return this.hub;
  }

  get clock(): Clock {
    return this.services.clock;
  }

  get gates(): ActivationGates {
    return this.services.hooks;
  }

  schedule(activation: RunnableActivation): void {
    this.services.executor.schedule(activation);
  }

  /** Keeps the activation back while paused; resume schedules held activations in the order they arrived. */
  hold(activation: RunnableActivation): boolean {
    if (!this.paused) return false;
    this.#held.push(activation);
    return true;
  }

  release(activation: RunnableActivation): void {
    this.services.executor.release(activation);
  }

  setTimer(deadline: number, fire: () => void): unknown {
    const clock = this.services.clock;
    return clock.setTimeout(fire, Math.max(0, deadline - clock.now()));
  }

  clearTimer(handle: unknown): void {
    this.services.clock.clearTimeout(handle);
  }

  // ---- the worker machine's actions ----

  #spawnJob(event: EventOf<'job.post'>): void {
    const run = event.job as JobRun;
    this.live.set(run.jobId, run);
    run.start();
  }

  /** A post that raced with stop: end it cancelled, so nobody waits for it forever. */
  #refuseJob(event: EventOf<'job.post'>): void {
    const run = event.job as JobRun;
    run.finish('cancelled', `worker "${this.id}" was stopping when the job arrived`);
    this.services.jobEnded(run);
  }

  #holdActivations(): void {
    this.paused = true;
  }

  #releaseActivations(): void {
    this.paused = false;
    const held = this.#held;
    this.#held = [];
    for (const activation of held) this.services.executor.schedule(activation);
  }

  #cancelAllJobs(event: WorkerMachineEvent): void {
    const reason = event.type === 'stop' && event.reason !== undefined ? event.reason : `worker "${this.id}" stopped`;
    // After this transition, not inside it: cancelling aborts job signals, and their listeners are user code.
    queueMicrotask(() => {
      for (const run of [...this.live.values()]) run.job.cancel(reason);
    });
  }

  #stoppedNow(): void {
    this.services.hooks.workerStopped(this.state);
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
