/**
 * The XState machines of the runtime (runtime, worker, job and the job hub), importable on their own. Their JSON
 * configs for the Stately editor are exported as `routilux/machines/<name>.machine.json`.
 *
 * @module routilux/machines
 */
export { runtimeMachine, type RuntimeMachine, type RuntimeMachineEvent } from './runtime.machine.js';
export { workerMachine, type WorkerMachine, type WorkerMachineEvent, type WorkerStateData, type WorkerContext, type StateUpdateReply } from './worker.machine.js';
export { jobMachine, type JobMachine, type JobMachineContext, type JobMachineEvent, type JobDriver, type JobOutcome, type SlotDelivery, type ActivationRef } from './job.machine.js';
export { jobHubLogic, type JobHubLogic, type JobHubContext } from './job-hub.logic.js';
// WorkerContext.routineStates names it, and a public signature names only exported types.
export type { RoutineStates } from '../src/state/routine-states.js';
