import type { RestoredJob } from '../durable/replay.js';
import type { Activation } from './activation.js';

/** A pending retry or policy wake-up, with its absolute deadline on the runtime clock. */
export type Timer = { readonly handle: unknown; readonly deadline: number } & (
  | { readonly kind: 'retry'; readonly activation: Activation }
  | { readonly kind: 'policy'; readonly routine: number }
);

/** What only some jobs need (a failure, timers, a timeout, async logic, fan-out): made on first use, so a job that
 * needs none of it stays small (a live job's size decides how many jobs fit). */
export interface RareState {
  failure: unknown;
  failedRoutineId: string | undefined;
  timeout: number | undefined;
  timeoutHandle: unknown;
  timers: Map<number, Timer> | undefined;
  nextTimer: number;
  lastActivated: number[] | undefined;
  policyTimer: number[] | undefined;
  /** Async activations still running (their concurrency slots are released if the job ends first). */
  running: Set<Activation> | undefined;
  /** Routines marked dirty after the first, in order. */
  dirtyMore: number[] | undefined;
  /** Set for a job resumed from a durable worker's log (start() rebuilds it from there, not from a posted item). */
  restored: RestoredJob | undefined;
}

/** A job's rare state before anything in it is used. */
export function newRareState(): RareState {
  return {
    failure: undefined,
    failedRoutineId: undefined,
    timeout: undefined,
    timeoutHandle: undefined,
    timers: undefined,
    nextTimer: 1,
    lastActivated: undefined,
    policyTimer: undefined,
    running: undefined,
    dirtyMore: undefined,
    restored: undefined,
  };
}
