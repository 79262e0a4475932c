import { enqueueActions, setup } from 'xstate';

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
 * The job actor owns its slot queues and activation bookkeeping through this driver; the machine decides *when*
 * things happen (one event at a time), the driver does them. Keeping the driver behind an interface lets this
 * machine be imported, visualised and tested on its own.
 */
export interface JobDriver {
  readonly jobId: string;
  /** Put items into slot queues: the posted item, or emits made by logic (`buffered`: held until it yielded). */
  enqueue(items: readonly SlotDelivery[], buffered: boolean): void;
  /** An activation's logic returned or threw: account for it, apply the error strategy, route what it emitted. */
  settle(activation: ActivationRef): void;
  /** A retry or policy timer fired. */
  wake(timer: number): void;
  /** Ask every routine with queued data whether it activates now, and schedule those that do. */
  activate(): void;
  /** Nothing running, nothing scheduled, and no routine able to activate. */
  isQuiescent(): boolean;
  /** Set when the job must fail (an error under the `stop` strategy, a full slot, a throwing policy). */
  readonly failure: unknown;
  /** Entered a final state: abort the signal, clear timers, record the outcome. */
  finish(outcome: JobOutcome, reason?: unknown): void;
}

export interface JobMachineContext {
  readonly driver: JobDriver;
}

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

// Every piece of work ends by checking whether the job is over (raising job.fail or job.idle), rather than with
// `always` transitions: those would re-run their guards after every event of every job.
const work = {
  'slot.enqueue': { actions: ['slot.enqueue', 'routine.activate', 'job.checkEnd'] },
  'routine.done': { actions: ['routine.settle', 'routine.activate', 'job.checkEnd'] },
  'timer.fire': { actions: ['timer.wake', 'routine.activate', 'job.checkEnd'] },
} as const;

/**
 * running → completed | failed | cancelled | timedOut. A job completes by itself at quiescence: no logic running,
 * no timer pending, and no routine able to activate on what its slots hold.
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
  actions: {
    'slot.enqueue': ({ context, event }) => {
      if (event.type === 'slot.enqueue') context.driver.enqueue(event.items, event.buffered === true);
    },
    'routine.settle': ({ context, event }) => {
      if (event.type === 'routine.done') context.driver.settle(event.activation);
    },
    'timer.wake': ({ context, event }) => {
      if (event.type === 'timer.fire') context.driver.wake(event.timer);
    },
    'routine.activate': ({ context }) => context.driver.activate(),
    'job.checkEnd': enqueueActions(({ context, enqueue }) => {
      const { driver } = context;
      if (driver.failure !== undefined) enqueue.raise({ type: 'job.fail', error: driver.failure });
      else if (driver.isQuiescent()) enqueue.raise({ type: 'job.idle' });
    }),
    'job.finish': ({ context, event }, params: { outcome: JobOutcome }) => {
      const reason =
        event.type === 'job.cancel' || event.type === 'job.timeout' ? event.reason : event.type === 'job.fail' ? event.error : undefined;
      context.driver.finish(params.outcome, reason);
    },
  },
}).createMachine({
  id: 'job',
  context: ({ input }) => ({ driver: input.driver }),
  initial: 'running',
  states: {
    running: {
      on: { ...endings, ...work },
    },
    completed: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'completed' } } },
    failed: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'failed' } } },
    cancelled: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'cancelled' } } },
    timedOut: { type: 'final', entry: { type: 'job.finish', params: { outcome: 'timedOut' } } },
  },
});

export type JobMachine = typeof jobMachine;
