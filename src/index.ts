/**
 * routilux: an actor-model runtime for workflows on XState v5. Flows of routines, workers whose state is
 * immutable, jobs as child actors that end by themselves, and key-value stores (memory, Redis, SQLite).
 *
 * @module routilux
 */
export * from './errors.js';
export { Routine, DEFAULT_MAX_QUEUE_LENGTH } from './routine/routine.js';
export type { SlotTypes, EventTypes, SlotData, LogicContext, RoutineLogic, SlotOptions, SlotSpec, EventSpec } from './routine/routine.js';
export { defineRoutine, slot, event } from './routine/define-routine.js';
export type { RoutineDefinition } from './routine/define-routine.js';
export { ErrorHandler } from './routine/error-handler.js';
export type { ErrorHandlerOptions, ErrorStrategy } from './routine/error-handler.js';
export { Flow } from './flow/flow.js';
export type { Connection, FlowOptions } from './flow/flow.js';
export { FlowRegistry } from './flow/registry.js';
export { immediatePolicy, batchSizePolicy, allSlotsReadyPolicy, timeIntervalPolicy, customPolicy } from './policies/builtin.js';
export type { CustomPolicyResult } from './policies/builtin.js';
export type { ActivationPolicy, PolicyDecision, PolicyContext, SlotsView, Take } from './policies/policy.js';
export { Runtime } from './runtime/runtime.js';
export type { RuntimeOptions, ExecOptions, PostOptions, ListJobsFilter, FlowWarningReporter } from './runtime/runtime.js';
export type { ClusterOptions } from './cluster/options.js';
export type { RuntimeHooks, RoutineStartInfo, RoutineEndInfo, EventEmitInfo, ErrorReporter } from './runtime/hooks.js';
export { systemClock } from './runtime/clock.js';
export type { Clock } from './runtime/clock.js';
export type { IdGenerator } from './runtime/ids.js';
export { JobContext } from './job/job-context.js';
export type { JobStatus, TraceEntry, JobLimits, UnconsumedData } from './job/job-context.js';
export type { JobHistoryOptions } from './job/history.js';
export { getCurrentJob } from './job/current-job.js';
export { WorkerState } from './state/worker-state.js';
export type { WorkerStatus, WorkerStateSnapshot } from './state/worker-state.js';
export type { StateUpdate } from './state/apply-update.js';
export { StateMap, stateMap, lruRecord } from './state/state-map.js';
export type { StateMapOptions, StateMapJSON } from './state/state-map.js';
export type { SerializationMode } from './serialization/check.js';
export { captureConsole } from './job/capture-console.js';
export type { CaptureConsoleOptions } from './job/capture-console.js';
export { FLOW_DEFINITION_VERSION } from './flow/definition.js';
export type { FlowDefinition, FlowRoutineDefinition, PolicyDefinition, ErrorHandlerDefinition, RoutineFactory } from './flow/definition.js';
export { createInspector, readableInspect, toInspectable } from './inspect/index.js';
export type { Inspector, InspectorKind, InspectorOptions } from './inspect/index.js';
export * from './stores/index.js';
// Types that public signatures name: users can name them too.
export type { SlotDeclaration, EventDeclaration, SlotsOf, EventsOf } from './routine/define-routine.js';
export type { AnyRoutine } from './flow/definition.js';
export type { StoreView } from './stores/store-view.js';
export type { FlowShape } from './flow/flow-shape.js';
// Durable workers (design §6.1): the options and what a migration receives.
export type { DurableRuntimeOptions } from './runtime/durable-runtime.js';
export type { RestoredWorker, RestoredJob, FinishedJob } from './durable/replay.js';
export type { RestoredActivation, RecordedCall } from './durable/replay.js';
export type { JobAcceptedRecord, JobEndedRecord, TimerSetRecord, RecordedError, ActivationOutcome, TimerKind, CallKind, ActivationStartRecord } from './durable/records.js';
export type { FlowShape as SavedFlowShape } from './durable/flow-shape.js';
