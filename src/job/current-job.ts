import { AsyncLocalStorage } from 'node:async_hooks';
import type { JobContext } from './job-context.js';

/** The running routine's side of the scope: what `routine.emit()` needs to deliver an emit. */
export interface ActivationScope {
  readonly routineId: string;
  /** The routine whose logic is running (emit is refused on any other routine). */
  readonly owner: object;
  emitEvent(event: string, payload?: unknown): void;
  /** Set on a durable worker: the activation's seq and journal cursor (its runtime calls step through it). */
  readonly journal?: import('./job-journal.js').ActivationJournal;
}

/** What AsyncLocalStorage carries through a job's logic, its awaits and its timers. */
export interface ExecutionScope {
  readonly job: JobContext;
  /** Set while a routine's logic runs (not in hooks). */
  readonly activation: ActivationScope | undefined;
}

/** The scope of the job (and activation) whose code runs here; the job engine enters it around logic and hooks. */
export const executionScope = new AsyncLocalStorage<ExecutionScope>();

/** The JobContext of the job whose logic is running here, or undefined outside a job. Works across awaits and timers. */
export function getCurrentJob(): JobContext | undefined {
  return executionScope.getStore()?.job;
}

/** The activation whose logic is running here, or undefined outside one (hooks have a job but no activation). */
export function currentActivation(): ActivationScope | undefined {
  return executionScope.getStore()?.activation;
}
