import type { AnyActorRef } from 'xstate';
import type { WorkerState } from '../state/worker-state.js';
import type { Clock } from '../util/clock.js';
import type { JobContext } from './job-context.js';
import type { JobJournal } from './job-journal.js';

/** What the runtime's hooks (and anything else watching activations) see of one run of a routine's logic. */
export interface ActivationInfo {
  readonly job: JobContext;
  readonly routineId: string;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  readonly slotData: Readonly<Record<string, readonly unknown[]>>;
  /** The logic threw (or rejected); `error` says with what. */
  readonly failed: boolean;
  readonly error: unknown;
  /** A gate refused to start it: its logic never ran. */
  readonly vetoed: boolean;
}

/** An activation as the executor sees it: something to run outside any actor transition. */
export interface RunnableActivation extends ActivationInfo {
  /** Runs the logic now; returns a promise only when the logic is async (it then holds a concurrency slot). */
  execute(): Promise<void> | undefined;
}

/**
 * Gates and observers around every activation: its start, each emit, and its end. Every one of these passes
 * through here, in the order the logic made them, so this is also where a journal of activations plugs in.
 */
export interface ActivationGates {
  /** Before the logic runs; false skips the activation (it still ends, as vetoed). */
  allowRoutineStart(activation: ActivationInfo): boolean;
  /** After the logic returned, threw or settled (not for a vetoed activation). */
  routineEnded(activation: ActivationInfo): void;
  /** Before an emit is delivered; false drops it. */
  allowEmit(activation: ActivationInfo, event: string, payload: unknown): boolean;
}

/**
 * What the job engine (JobRun, Activation, Executor) needs from the worker that hosts its jobs. The engine
 * declares it and the runtime's Worker implements it, so the engine never imports the runtime. A durable worker
 * implements the same interface: timers arrive as absolute deadlines on the runtime clock, every activation
 * passes through `schedule`, and its start, emits and end through `gates`.
 */
export interface JobHost {
  /** The parent of the job actors (the worker's job hub): the inspector shows each job under its worker. */
  readonly jobParent: AnyActorRef;
  /** The runtime clock: what policies read as now. */
  readonly clock: Clock;
  /** The worker's live state, given to policies and to logic. */
  readonly state: WorkerState;
  readonly gates: ActivationGates;
  /** Queues an activation to run outside any transition, when a concurrency slot is free. */
  schedule(activation: RunnableActivation): void;
  /** While the worker is paused, keeps the activation back (true) and schedules it again on resume. */
  hold(activation: RunnableActivation): boolean;
  /** Gives back the concurrency slot of async logic whose job ended before it settled. */
  release(activation: RunnableActivation): void;
  /** Calls `fire` at `deadline` (ms on the runtime clock; at once if it has passed). Returns a handle for clearTimer. */
  setTimer(deadline: number, fire: () => void): unknown;
  clearTimer(handle: unknown): void;
  /** Set on a durable worker: where activations, their runtime calls and timers are recorded. */
  readonly journal?: JobJournal;
}
