import type { Draft, Immutable } from 'immer';
import type { Actor } from 'xstate';
import type { StateUpdateReply, WorkerContext, WorkerMachine } from '../../machines/worker.machine.js';
import { InvalidArgumentError, RoutiluxError, WorkerNotRunningError, WorkerStartingError } from '../errors.js';
import { assertRoutineId, undefinedState } from './apply-update.js';

/**
 * Where a worker is in its life (`failed`: its actor crashed). With the `cluster` option: `standby` while another
 * node hosts it (or none yet), `handingOver` while this node drops its copy after losing the worker's lease.
 */
export type WorkerStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'failed' | 'standby' | 'handingOver';

/** A WorkerState at one moment, frozen: safe to keep, compare or serialize. */
export interface WorkerStateSnapshot {
  readonly workerId: string;
  readonly flowId: string;
  readonly status: WorkerStatus;
  readonly routineStates: Readonly<Record<string, unknown>>;
}

/**
 * What a durable worker adds to its WorkerState: `update` wraps every update (it journals the change, or returns
 * the recorded result of one a re-run already committed), and `ready` settles once the worker is restored.
 */
export interface DurableStateHooks {
  readonly ready: Promise<void>;
  update(routineId: string, apply: () => unknown): unknown;
}

/** Passed as the update to remove a routine's state. */
export const DELETE_STATE: unique symbol = Symbol('routilux.deleteState');

/**
 * A live handle on a worker's state. Reads return deeply frozen values; every write is an event processed by the
 * worker actor one at a time, so `updateRoutineState(id, draft => { draft.count++ })` never loses an update,
 * however many jobs run at once.
 */
export class WorkerState {
  #durable: DurableStateHooks | undefined;

  /** @internal Created by the runtime; use runtime.exec(flow) to get one. */
  constructor(
    private readonly actor: Actor<WorkerMachine>,
    private readonly failure: () => unknown,
  ) {}

  /** @internal A durable worker journals every update through `hooks` and is ready once its log is restored. */
  makeDurable(hooks: DurableStateHooks): void {
    this.#durable = hooks;
  }

  /**
   * Resolves with this WorkerState once the worker is restored from its store and running (at once without a
   * store). Rejects when it cannot be restored (e.g. FlowShapeChangedError, StoreConnectionError).
   */
  ready(): Promise<this> {
    const durable = this.#durable;
    return durable ? durable.ready.then(() => this) : Promise.resolve(this);
  }

  /** The worker's id (unique in its runtime). */
  get workerId(): string {
    return this.#data.workerId;
  }

  /** The name of the flow the worker runs. */
  get flowId(): string {
    return this.#data.flowId;
  }

  /** The worker's status now. */
  get status(): WorkerStatus {
    if (this.failure() !== undefined) return 'failed';
    const snapshot = this.actor.getSnapshot();
    return snapshot.status === 'error' ? 'failed' : (snapshot.value as WorkerStatus);
  }

  /**
   * Every routine's state, frozen, as a record without a prototype: each key is a routine id and nothing else
   * (`routineStates.toString` is undefined unless a routine is named so). Built on first read after a change.
   * Keys starting with `_shared`, `_cache`, `_config`, `_meta` are shared by convention.
   */
  get routineStates(): Readonly<Record<string, unknown>> {
    return this.#data.routineStates.toRecord();
  }

  /** The routine's state (frozen), or undefined if it was never set. Any string is an id, `toString` included. */
  getRoutineState<T = unknown>(routineId: string): Immutable<T> | undefined {
    assertRoutineId(routineId);
    return this.#data.routineStates.get(routineId) as Immutable<T> | undefined;
  }

  /**
   * Replaces the routine's state with `value`, or applies a recipe to a draft of it (a draft of `{}` if unset).
   * Validated before it is applied: a value that cannot be serialized throws SerializationError naming its path,
   * and the state stays as it was. Returns the new frozen value.
   */
  updateRoutineState<T = unknown>(routineId: string, update: T | ((draft: Draft<T>) => void | T)): Immutable<T> {
    assertRoutineId(routineId);
    if (update === undefined) throw undefinedState(routineId);
    return this.#send(routineId, update) as Immutable<T>;
  }

  /** Removes the routine's state. Returns whether there was one. */
  deleteRoutineState(routineId: string): boolean {
    assertRoutineId(routineId);
    const had = this.#data.routineStates.has(routineId);
    this.#send(routineId, DELETE_STATE);
    return had;
  }

  /** The whole state at this moment, frozen: safe to keep, compare or serialize. */
  snapshot(): WorkerStateSnapshot {
    const data = this.#data;
    return Object.freeze({ workerId: data.workerId, flowId: data.flowId, status: this.status, routineStates: data.routineStates.toRecord() });
  }

  /**
   * Calls `listener` after the state or status changes (a microtask later, never inside the worker's transition,
   * so the listener may itself update state). Returns a function that unsubscribes.
   */
  subscribe(listener: (snapshot: WorkerStateSnapshot) => void): () => void {
    if (typeof listener !== 'function') throw new InvalidArgumentError('subscribe(listener)', listener, 'a function (snapshot) => void');
    let lastStates = this.#data.routineStates;
    let lastStatus = this.status;
    let queued = false;
    const notify = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        const states = this.#data.routineStates;
        const status = this.status;
        if (states === lastStates && status === lastStatus) return;
        lastStates = states;
        lastStatus = status;
        listener(this.snapshot());
      });
    };
    // A crashed worker ends its subscription with an error: the listener still hears the `failed` status.
    const subscription = this.actor.subscribe({ next: notify, error: notify });
    return () => subscription.unsubscribe();
  }

  /** The snapshot (see snapshot()), so JSON.stringify(workerState) shows the state. */
  toJSON(): WorkerStateSnapshot {
    return this.snapshot();
  }

  get #data(): WorkerContext {
    return this.actor.getSnapshot().context;
  }

  #send(routineId: string, update: unknown): unknown {
    const status = this.status;
    if (status === 'stopped' || status === 'failed' || status === 'standby' || status === 'handingOver') {
      throw new WorkerNotRunningError(this.workerId, status, 'update its state');
    }
    const durable = this.#durable;
    if (durable) {
      // While restoring, the state is about to be replaced by the stored one: an update now would be lost.
      if (status === 'starting') throw new WorkerStartingError(this.workerId, 'update its state');
      return durable.update(routineId, () => this.#apply(routineId, update));
    }
    return this.#apply(routineId, update);
  }

  #apply(routineId: string, update: unknown): unknown {
    const reply: StateUpdateReply = {};
    this.actor.send({ type: 'state.update', routineId, update, reply });
    if (!reply.done) {
      reply.abandoned = true;
      throw new RoutiluxError(
        'STATE_UPDATE_REENTRANT',
        `updateRoutineState("${routineId}") was called while worker "${this.workerId}" was processing another event ` +
          `(from inside a recipe, or from code the worker calls synchronously), so it was not applied. Recipes must be pure: return the change, ` +
          `and make further updates after updateRoutineState returns.`,
      );
    }
    if ('error' in reply) throw reply.error;
    return reply.value;
  }
}
