import { setup } from 'xstate';

/** How a job ended. */
export type JobOutcome = 'completed' | 'failed' | 'cancelled' | 'timedOut';

/** One item on its way into one slot of this job (routine and slot by index; `target` names them). */
export interface SlotDelivery {
  readonly routine: number;
  readonly slot: number;
  /** "routineId.slotName", for people reading traces and the inspector. */
  readonly target: string;
  readonly item: unknown;
}

/** A finished run of a routine's logic, as the job machine sees it. */
export interface ActivationRef {
  readonly routineId: string;
  readonly attempt: number;
}

/**
 * What the job machine asks of the job it runs. The job's driver does the work of each event (queues items,
 * settles an activation, wakes a timer) as it sends the event; the machine then decides, by these guards, whether
 * the job has ended, and it alone enters the final states (the driver refuses any work once `finish` ran).
 * Keeping the driver behind an interface lets this machine be imported, visualised and tested on its own.
 */
export interface JobDriver {
  readonly jobId: string;
  /** Set when the job must fail (an error under the `stop` strategy, a full slot, a throwing policy). */
  readonly failure: unknown;
  /** Nothing running, nothing scheduled, and no routine able to activate. */
  isQuiescent(): boolean;
  /** Entered a final state: abort the signal, clear timers, record the outcome. */
  finish(outcome: JobOutcome, reason?: unknown): void;
}

/** The job machine's context: only the driver it asks (the job's state lives there, not in XState). */
export interface JobMachineContext {
  readonly driver: JobDriver;
}

/**
 * What a job actor receives: work (`slot.enqueue`, `routine.done`, `timer.fire`), after each of which it checks
 * whether the job has ended, and the endings (`job.cancel`, `job.timeout`, `job.fail`, `job.idle`).
 */
export type JobMachineEvent =
  | { type: 'slot.enqueue'; items: readonly SlotDelivery[]; buffered?: boolean }
  | { type: 'routine.done'; activation: ActivationRef }
  | { type: 'timer.fire'; timer: number }
  | { type: 'job.cancel'; reason?: unknown }
  | { type: 'job.timeout'; reason?: unknown }
  | { type: 'job.fail'; error: unknown }
  | { type: 'job.idle' };

const endings = {
  'job.cancel': '#job.cancelled',
  'job.timeout': '#job.timedOut',
  'job.fail': '#job.failed',
  'job.idle': '#job.completed',
} as const;

// After each piece of work, the job ends if it failed or nothing is left to do. Plain guards, no actions: a job
// that goes on takes no microstep at all (no snapshot, no action), which is most of what a hop would cost.
const workThenCheck = [
  { guard: 'job.hasFailed', target: '#job.failed' },
  { guard: 'job.isQuiescent', target: '#job.completed' },
] as const;

/**
 * running → completed | failed | cancelled | timedOut. A job completes by itself at quiescence: no logic running,
 * no timer pending, and no routine able to activate on what its slots hold.
 *
 * Each routine's run reaches the job as `routine.done` (carrying what it emitted before it yielded), an emit made
 * after an await as `slot.enqueue`, a retry or policy wake-up as `timer.fire`: the inspector shows every one.
 *
 * `pending` (no logic started yet: waiting for a concurrency slot or a paused worker) is a status of the job's
 * JobContext, not a state of this machine: a pending → running transition for every job cost about a fifth of
 * the runtime's throughput, and tells nothing the JobContext does not.
 */
export const jobMachine = setup({
  types: {
    context: {} as JobMachineContext,
    events: {} as JobMachineEvent,
    input: {} as { driver: JobDriver },
  },
  guards: {
    'job.hasFailed': ({ context }) => context.driver.failure !== undefined,
    'job.isQuiescent': ({ context }) => context.driver.isQuiescent(),
  },
  actions: {
    'job.finish': ({ context, event }, params: { outcome: JobOutcome }) => {
      const reason =
        event.type === 'job.cancel' || event.type === 'job.timeout' ? event.reason : event.type === 'job.fail' ? event.error : undefined;
      context.driver.finish(params.outcome, reason);
    },
  },
}).createMachine({
  id: 'job',
  // The input is the context as it is: one object fewer per job.
  /** The context is the input, `{ driver }`, as it is. */
  context: ({ input }) => input,
  initial: 'running',
  states: {
    running: {
      on: { ...endings, 'slot.enqueue': workThenCheck, 'routine.done': workThenCheck, 'timer.fire': workThenCheck },
    },
    completed: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'completed' } } },
    failed: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'failed' } } },
    cancelled: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'cancelled' } } },
    timedOut: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'timedOut' } } },
  },
});

/** The type of {@link jobMachine}. */
export type JobMachine = typeof jobMachine;
