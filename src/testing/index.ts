/**
 * Deterministic testing of flows: a runtime with a simulated clock, seeded ids, activations run step by step,
 * and assertions on how a job ended.
 *
 * @module routilux/testing
 */
export { createTestRuntime, TestRuntime } from './test-runtime.js';
export type { TestRuntimeOptions, RunUntilIdleOptions, StepResult, JobTraceEntry } from './test-runtime.js';
export { TestClock } from './test-clock.js';
export { seededIds, seededRandom } from './seeded-ids.js';
export { expectJob, JobExpectationError } from './expect-job.js';
