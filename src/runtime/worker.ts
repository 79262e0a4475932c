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

/**
 * A worker of a cluster: it starts in standby and is restored each time this node becomes its host, with a new
 * durability (a fresh log writer carrying the new fencing token).
 */
export interface ClusterRole {
  /** Opens the durability of one hosting term (called when the worker leaves standby). */
  newDurability(worker: Worker): WorkerDurability;
  /**
   * Restoring failed: give the lease back so the worker is not held by a node that cannot run it (a StoreConnectionError
   * leaves the worker in standby here, offering again; any other error fails it here).
   */
  restoreFailed(worker: Worker, error: unknown): void;
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
  /** This worker's journal (a durable worker's), for its jobs: a plain field, read when a job starts. */
  journal: JobJournal | undefined;
  /** Set on a cluster worker: it waits in standby until this node hosts it. */
  readonly #cluster: ClusterRole | undefined;
  #standby: boolean;
  /** Bumped when a cluster worker loses its host role: a restore of an earlier term stops where it is. */
  #term = 0;
  /** Cluster: this node got the lease while the worker was still handing its last term over. */
  #hostWhenStandby = false;
  /** Cluster: settles `ready()` of the current standby period. */
  #hosted: Deferred | undefined;
  readonly #stopped: Promise<void>;
  #resolveStopped!: () => void;

  constructor(
    private readonly services: WorkerServices,
    readonly id: string,
    readonly flow: CompiledFlow,
    routineStates: Readonly<Record<string, unknown>> = Object.freeze({}),
    /** Set on a runtime with a store: the worker is restored from its log and journals what it does. */
    public durability?: WorkerDurability,
    cluster?: ClusterRole,
  ) {
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    this.#restored = durability === undefined && cluster === undefined;
    this.#cluster = cluster;
    this.#standby = cluster !== undefined;
    this.journal = durability;
    const machine = workerMachine.provide({
      actions: {
        'job.spawn': ({ event }) => this.#spawnJob(event as EventOf<'job.post'>),
        'job.refuse': ({ event }) => this.#refuseJob(event as EventOf<'job.post'>),
        'activations.hold': () => this.#holdActivations(),
        'activations.release': () => this.#releaseActivations(),
        'jobs.cancelAll': ({ event }) => this.#cancelAllJobs(event),
        'state.apply':
          durability || cluster
            ? assign(({ context, event }) => applyStateEvent(context, event, services.serializer, this.#restored ? this.durability?.applied : undefined))
            : assign(({ context, event }) => applyStateEvent(context, event, services.serializer)),
        'jobs.stopHub': stopChild(() => this.hub),
        'worker.stopped': () => this.#stoppedNow(),
        'worker.standby': () => this.#enteredStandby(),
      },
      guards: {
        hasNoLiveJobs: () => this.live.size === 0,
        isRestored: () => this.#restored,
        isStandby: () => this.#standby,
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
    if (cluster) {
      const self = this;
      this.state.makeDurable({
        get ready() {
          return self.#hosted?.promise ?? Promise.resolve();
        },
        update: (routineId, apply) => (self.durability ? self.durability.update(routineId, apply) : apply()),
      });
    } else if (durability) {
      this.state.makeDurable(durability);
      this.#traceDivergence(durability);
    }
  }

  #traceDivergence(durability: WorkerDurability): void {
    durability.onDiverged = (jobId, details) => {
      const job = this.live.get(jobId)?.job;
      if (job) jobLifecycle.restoreTrace(job, { timestamp: this.services.clock.now(), routineId: '', action: 'journal.diverged', details });
    };
  }

  start(): void {
    if (this.#cluster) this.#hosted = deferred();
    this.actor.start();
    this.hub.start();
    if (this.durability) void this.#restore(this.durability);
  }

  /** Cluster: this node holds the worker's lease now: restore it from the store and run it here. */
  host(): void {
    if (!this.#cluster) return;
    if (this.state.status !== 'standby') {
      this.#hostWhenStandby = true; // still handing the last term over: host once it is done
      return;
    }
    this.#hostWhenStandby = false;
    const durability = this.#cluster.newDurability(this);
    this.durability = durability;
    this.journal = durability;
    this.#traceDivergence(durability);
    this.#standby = false;
    this.#restored = false;
    this.actor.send({ type: 'host' });
    void this.#restore(durability);
  }

  /**
   * Cluster: this node no longer hosts the worker (its lease was lost or taken, or a write was fenced out): nothing
   * more is written, its jobs here end unrecorded (their done() rejects with `reason`: the new host resumes them), and
   * the worker waits in standby for the lease again.
   */
  demote(reason: Error): void {
    if (!this.#cluster) return;
    this.#hostWhenStandby = false;
    const status = this.state.status;
    if (status === 'standby' || status === 'stopping' || status === 'stopped' || status === 'failed') return;
    this.#term++;
    this.durability?.discard(reason);
    this.#standby = true;
    if (status === 'starting') {
      // Restoring: it goes back to standby at once (the restore of this term stops where it is).
      this.#restored = true;
      this.#nudge();
    } else this.actor.send({ type: 'demote', reason });
  }

  /** Cluster: this node could not join (Redis unreachable at start): `ready()` rejects with `error`; a later one waits again. */
  hostingFailed(error: unknown): void {
    if (this.state.status !== 'standby') return;
    this.#hosted?.reject(error);
    this.#hosted = deferred();
  }

  #enteredStandby(): void {
    this.journal = undefined;
    this.durability = undefined;
    if (!this.#hosted || this.#hosted.settled) this.#hosted = deferred();
    // Not inside the transition: host() sends to this actor.
    if (this.#hostWhenStandby) queueMicrotask(() => this.#hostWhenStandby && this.host());
  }

  /** Reads the log, puts the stored routine states in place, goes `running`, then resumes the unfinished jobs. */
  async #restore(durability: WorkerDurability): Promise<void> {
    let restored: RestoredWorker;
    const term = this.#term;
    try {
      restored = await durability.open(this.flow.flow, () => this.state.routineStates);
      if (term !== this.#term) return; // demoted meanwhile: that term is over
      if (this.#stopRequested !== undefined) throw new WorkerNotRunningError(this.id, 'stopping', 'be restored');
      for (const [routineId, value] of Object.entries(restored.routineStates)) {
        if (value === undefined) continue;
        const reply: StateUpdateReply = {};
        this.actor.send({ type: 'state.update', routineId, update: value, reply });
        if ('error' in reply) throw reply.error;
      }
    } catch (error) {
      if (term !== this.#term) return;
      if (this.#cluster && this.#stopRequested === undefined && error instanceof RoutiluxError && error.code === 'STORE_CONNECTION') {
        // Redis failed while this node was restoring: back to standby, and the lease is offered again (here or elsewhere).
        this.demote(error);
        this.#cluster.restoreFailed(this, error);
        return;
      }
      if (this.#cluster) this.#cluster.restoreFailed(this, error);
      if (this.#stopRequested === undefined) this.#failure = error;
      durability.markFailed(error);
      this.#hosted?.reject(error);
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
    this.#hosted?.resolve();
  }

  /** Asks the worker to stop; one still restoring stops once its log is read (its jobs stay in the store). */
  requestStop(reason: unknown): void {
    this.#hostWhenStandby = false;
    this.#hosted?.reject(new WorkerNotRunningError(this.id, 'stopped', 'be hosted on this node'));
    if (this.#restored || this.#standby) this.actor.send({ type: 'stop', reason });
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
    const reason = (event.type === 'stop' || event.type === 'demote') && event.reason !== undefined ? event.reason : `worker "${this.id}" stopped`;
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
    const status = this.state.status;
    if (this.live.size === 0 && (status === 'stopping' || status === 'handingOver')) this.actor.send({ type: 'jobs.drained' });
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  readonly settled: boolean;
}

/** A promise with its settle functions, for a cluster worker's `ready()` (one per standby period). */
function deferred(): Deferred {
  let settled = false;
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // nobody may be awaiting ready()
  return {
    promise,
    get settled() {
      return settled;
    },
    resolve: () => {
      settled = true;
      resolve();
    },
    reject: (error) => {
      settled = true;
      reject(error);
    },
  };
}
