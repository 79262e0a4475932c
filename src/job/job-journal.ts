import type { JournalCursor } from '../durable/journal-cursor.js';
import type { ActivationOutcome, CallKind, RecordedDelivery, TimerKind } from '../durable/records.js';

/** One activation's place in its job's journal: its seq (unique in the job) and the cursor its runtime calls step. */
export interface ActivationJournal {
  readonly seq: number;
  readonly cursor: JournalCursor;
  /** The journal that opened it: a worker that changed hosts refuses calls of activations opened by an earlier one. */
  readonly owner?: unknown;
}

/**
 * What a durable worker records of its jobs (DESIGN §6.1). The engine declares it and calls it only when its
 * host has one (`JobHost.journal`), so an in-memory job pays one field read per activation and nothing else.
 * Every method records synchronously (the log group-commits); none throws for a closed log (a suspended worker).
 */
export interface JobJournal {
  /** An activation took `items` and starts (a retry names the seq it retries and takes nothing). */
  activationStarted(jobId: string, routineId: string, attempt: number, items: Readonly<Record<string, readonly unknown[]>>, message: unknown, retryOf?: number): ActivationJournal;
  /** A runtime call made live by an activation (not replayed): an emit with where it went, a setData or a trace. */
  call(jobId: string, journal: ActivationJournal, index: number, kind: Exclude<CallKind, 'update'>, target: string, extra: { deliveries?: readonly RecordedDelivery[]; value?: unknown }): void;
  /** A re-run departed from its journal: trace it and record it. */
  diverged(jobId: string, journal: ActivationJournal, index: number, expected: string | undefined, actual: string): void;
  /** The activation's logic ended (or it was vetoed). */
  activationEnded(jobId: string, seq: number, outcome: ActivationOutcome, error?: unknown): void;
  timerSet(jobId: string, timerId: string, kind: TimerKind, deadline: number, seq?: number, routineId?: string): void;
  timerCleared(jobId: string, timerId: string): void;
}
