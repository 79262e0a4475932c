import { AsyncLocalStorage } from 'node:async_hooks';
import type { Activation } from './activation.js';
import type { JobContext } from './job-context.js';

/** What AsyncLocalStorage carries through a job's logic, its awaits and its timers. */
export interface ExecutionScope {
  readonly job: JobContext;
  /** Set while a routine's logic runs (not in hooks). */
  readonly activation: Activation | undefined;
}

export const executionScope = new AsyncLocalStorage<ExecutionScope>();

/** The JobContext of the job whose logic is running here, or undefined outside a job. Works across awaits and timers. */
export function getCurrentJob(): JobContext | undefined {
  return executionScope.getStore()?.job;
}

export function currentActivation(): Activation | undefined {
  return executionScope.getStore()?.activation;
}
