import { assign, setup } from 'xstate';
import { RoutineStates } from '../src/state/routine-states.js';

/** A WorkerState as plain data: what a worker starts from (its input) and what a snapshot of it holds. */
export interface WorkerStateData {
  readonly workerId: string;
  readonly flowId: string;
  readonly routineStates: Readonly<Record<string, unknown>>;
}

/**
 * The worker actor's whole context: its WorkerState. Routine states live in a persistent map, so an update costs
 * the same with 10 or 10,000 routines; it shows (toJSON) as the plain `routineStates` record.
 */
export interface WorkerContext {
  readonly workerId: string;
  readonly flowId: string;
  readonly routineStates: RoutineStates;
}

/** Filled in by the worker while it processes a `state.update`, so the sender gets the result synchronously. */
export interface StateUpdateReply {
  value?: unknown;
  error?: unknown;
  done?: boolean;
  /** Set by a sender that could not wait (the worker was busy): the update must then not be applied at all. */
  abandoned?: boolean;
}

/**
 * What a worker actor receives: `job.post` starts a job, `state.update` applies a recipe to a routine's state,
 * `pause`/`resume`/`stop` come from the Worker handle.
 */
export type WorkerMachineEvent =
  | { type: 'job.post'; job: unknown }
  | { type: 'state.update'; routineId: string; update: unknown; reply: StateUpdateReply }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop'; reason?: unknown }
  /** Sent by the worker's job hub when its last live job has ended. */
  | { type: 'jobs.drained' }
  /** Cluster: this node now hosts the worker (it holds the worker's lease): restore it and run. */
  | { type: 'host' }
  /** Cluster: this node lost the worker's lease: drop its jobs here (their host resumes them) and wait in standby. */
  | { type: 'demote'; reason: unknown };

/**
 * A worker runs one flow. Its context is the WorkerState, changed only by `state.update` events, which XState
 * processes one at a time: a recipe always sees the latest state, so concurrent jobs never lose an update.
 * It starts a job actor per `job.post` (actor id = job id). Job actors are children of the worker's job hub
 * (`job-hub.logic.ts`), which hears when each one ends or crashes: a failing job never takes its worker down.
 *
 * The actions are declared here by name and implemented by the runtime (`workerMachine.provide(...)`), so the
 * machine stays viewable on its own and the inspector shows what each step is.
 */
export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    events: {} as WorkerMachineEvent,
    input: {} as WorkerStateData,
  },
  actions: {
    'job.spawn': () => {},
    'job.refuse': () => {},
    'activations.hold': () => {},
    'activations.release': () => {},
    'jobs.cancelAll': () => {},
    'state.apply': () => {},
    'worker.stopped': () => {},
    'jobs.stopHub': () => {},
    'worker.standby': () => {},
    /** A fresh start for a new hosting term: the state is restored from the store, where the last host left it. */
    'state.reset': assign({ routineStates: () => RoutineStates.fromRecord({}) }),
  },
  guards: {
    hasNoLiveJobs: () => true,
    isRestored: () => true,
    isStandby: () => false,
  },
}).createMachine({
  id: 'worker',
  /** Builds the WorkerState from the plain data the worker is started with (its input). */
  context: ({ input }) => ({ workerId: input.workerId, flowId: input.flowId, routineStates: RoutineStates.fromRecord(input.routineStates) }),
  initial: 'starting',
  on: {
    'state.update': { actions: 'state.apply' },
  },
  states: {
    // A worker without a store is restored at once. A durable one waits here while its log is read (the guard
    // is checked again after each event it processes); posts are refused meanwhile: the runtime says to await ready().
    starting: {
      always: [
        { guard: 'isStandby', target: 'standby' },
        { guard: 'isRestored', target: 'running' },
      ],
    },
    // Cluster: another node hosts the worker (or nobody yet); this node waits for its lease. Posts go to the host.
    standby: {
      entry: 'worker.standby',
      on: {
        host: { target: 'starting', actions: 'state.reset' },
        stop: 'stopped',
      },
    },
    // Cluster: the lease was lost; this node's copies of the jobs end here, unrecorded, and the new host resumes them.
    handingOver: {
      entry: 'jobs.cancelAll',
      always: { guard: 'hasNoLiveJobs', target: 'standby' },
      on: {
        'jobs.drained': { guard: 'hasNoLiveJobs', target: 'standby' },
        'job.post': { actions: 'job.refuse' },
        stop: 'stopping',
      },
    },
    running: {
      on: {
        'job.post': { actions: 'job.spawn' },
        pause: 'paused',
        stop: 'stopping',
        demote: 'handingOver',
      },
    },
    // Paused: posts still create jobs, but no logic starts until resume releases the held activations in order.
    paused: {
      entry: 'activations.hold',
      exit: 'activations.release',
      on: {
        'job.post': { actions: 'job.spawn' },
        resume: 'running',
        stop: 'stopping',
        demote: 'handingOver',
      },
    },
    stopping: {
      entry: 'jobs.cancelAll',
      always: { guard: 'hasNoLiveJobs', target: 'stopped' },
      on: {
        'jobs.drained': { guard: 'hasNoLiveJobs', target: 'stopped' },
        'job.post': { actions: 'job.refuse' },
      },
    },
    stopped: {
      type: 'final',
      entry: ['jobs.stopHub', 'worker.stopped'],
    },
  },
});

/** The type of {@link workerMachine}. */
export type WorkerMachine = typeof workerMachine;
