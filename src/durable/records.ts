import type { Patch } from 'immer';
import type { FlowShape } from './flow-shape.js';

/**
 * What a worker's durable log holds: one discriminated union, in the order things happened in the worker.
 * Every field is data (what `encodeRecord` can write): the log is replayed by `replay()` after a restart.
 */

/** A change to one routine's state: Immer patches relative to that state, a replacement value, or a removal. */
export type StateChange =
  | { readonly op: 'patch'; readonly routineId: string; readonly patches: readonly Patch[] }
  | { readonly op: 'set'; readonly routineId: string; readonly value: unknown }
  | { readonly op: 'delete'; readonly routineId: string };

/** An error as the log keeps it (an Error instance does not survive serialization). */
export interface RecordedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** An item put into a slot of a routine of the same job (by an emit, or the job's entry item). */
export interface RecordedDelivery {
  readonly routineId: string;
  readonly slot: string;
  readonly item: unknown;
}

/** The worker started (or restarted) running a flow of this shape; the checkpoint's shape is the latest one. */
export interface WorkerStartedRecord {
  readonly type: 'worker.started';
  readonly flow: FlowShape;
  readonly at: number;
}

/** A state update made outside an activation (e.g. `ws.updateRoutineState` from application code). */
export type StatePatchRecord = StateChange & { readonly type: 'state.patch' };

/** `post` accepted a job: from this record on, the job survives a crash. */
export interface JobAcceptedRecord {
  readonly type: 'job.accepted';
  readonly jobId: string;
  readonly flowId: string;
  readonly routineId: string;
  readonly slot: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  /** Absolute deadline (runtime clock, ms) of the job's timeout, if it has one. */
  readonly deadline?: number;
  readonly idempotencyKey?: string;
  /** Set for a job posted on another node: where its result goes, so whichever node ends it can answer. */
  readonly reply?: { readonly to: string; readonly requestId: string };
}

/**
 * An activation took `items` from its routine's slot queues (from the front, as policies do) and started.
 * A retry (`retryOf` = the seq of the activation it retries) re-uses that activation's items and takes none.
 */
export interface ActivationStartRecord {
  readonly type: 'activation.start';
  readonly jobId: string;
  /** Unique in the job, increasing: `<jobId>:<seq>` is the activation's idempotency key. */
  readonly seq: number;
  readonly routineId: string;
  readonly attempt: number;
  readonly items: Readonly<Record<string, readonly unknown[]>>;
  /** The policy's message for the logic, if any. */
  readonly message?: unknown;
  readonly retryOf?: number;
}

/** The kinds of runtime call an activation journals. */
export type CallKind = 'update' | 'emit' | 'setData' | 'trace';

/**
 * The `index`-th runtime call an activation made, committed. Per kind:
 * - `update`: `target` = routine id, `change` = the state change it made (folded into routineStates);
 *   the call's result (the routine's state right after it) is rebuilt by replay, so it is not stored twice.
 * - `emit`: `target` = event name, `deliveries` = where the payload went (folded into the job's queues).
 * - `setData`: `target` = key, `value` = the value set (folded into the job's data).
 * - `trace`: `target` = action, `value` = the trace entry (folded into the job's restored traces).
 * `result` is for anything else the engine wants a re-run to get back unchanged.
 */
export interface ActivationCallRecord {
  readonly type: 'activation.call';
  readonly jobId: string;
  readonly seq: number;
  readonly index: number;
  readonly kind: CallKind;
  readonly target?: string;
  readonly change?: StateChange;
  readonly deliveries?: readonly RecordedDelivery[];
  readonly value?: unknown;
  readonly result?: unknown;
}

/**
 * A re-run departed from its journal at call `index`: the recorded calls from `index` on are dropped from the
 * journal (their effects stay: they were committed) and the re-run's own calls, journaled live from `index`
 * on, take their place.
 */
export interface ActivationDivergedRecord {
  readonly type: 'activation.diverged';
  readonly jobId: string;
  readonly seq: number;
  readonly index: number;
  readonly expected?: string;
  readonly actual: string;
}

/** How an activation ended: `retry` keeps it (and its items) until its retry starts or the job ends. */
export type ActivationOutcome = 'completed' | 'failed' | 'retry' | 'cancelled' | 'vetoed';

/** The activation's logic finished (or was stopped): a finished activation never runs again after a restart. */
export interface ActivationEndRecord {
  readonly type: 'activation.end';
  readonly jobId: string;
  readonly seq: number;
  readonly outcome: ActivationOutcome;
  readonly error?: RecordedError;
}

/** What a durable timer is for. */
export type TimerKind = 'retry' | 'policy' | 'timeout';

/** A timer with an absolute deadline on the runtime clock; after a restart it fires then, or at once if past. */
export interface TimerSetRecord {
  readonly type: 'timer.set';
  readonly jobId: string;
  readonly timerId: string;
  readonly kind: TimerKind;
  readonly deadline: number;
  /** retry: the activation to retry; policy: the routine to wake. */
  readonly seq?: number;
  readonly routineId?: string;
}

/** The timer fired or was cancelled. */
export interface TimerClearedRecord {
  readonly type: 'timer.cleared';
  readonly jobId: string;
  readonly timerId: string;
}

/** The job reached a final status: its journal is dropped at the next compaction, a summary stays in history. */
export interface JobEndedRecord {
  readonly type: 'job.ended';
  readonly jobId: string;
  readonly status: 'completed' | 'failed' | 'cancelled' | 'timedOut';
  readonly error?: RecordedError;
  readonly data: Readonly<Record<string, unknown>>;
  readonly traceLog?: readonly unknown[];
  readonly output?: readonly string[];
  readonly completedAt: number;
}

/** Every record a worker log holds. */
export type DurableRecord =
  | WorkerStartedRecord
  | StatePatchRecord
  | JobAcceptedRecord
  | ActivationStartRecord
  | ActivationCallRecord
  | ActivationDivergedRecord
  | ActivationEndRecord
  | TimerSetRecord
  | TimerClearedRecord
  | JobEndedRecord;

/** The record types, for checks of records read back from a store. */
export const RECORD_TYPES: ReadonlySet<DurableRecord['type']> = new Set([
  'worker.started',
  'state.patch',
  'job.accepted',
  'activation.start',
  'activation.call',
  'activation.diverged',
  'activation.end',
  'timer.set',
  'timer.cleared',
  'job.ended',
]);

/** A record with its log sequence number (LSN): 1, 2, 3, ... per worker, without gaps. */
export interface LoggedRecord {
  readonly lsn: number;
  readonly record: DurableRecord;
}

/** Turns any thrown value into a RecordedError. */
export function recordError(error: unknown): RecordedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}
