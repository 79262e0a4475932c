/** The options of Runtime, exec, post and listJobs, and the checks that refuse bad ones before anything starts. */
import type { InspectionEvent, Observer } from 'xstate';
import { InvalidArgumentError, type FlowProblem } from '../errors.js';
import type { RestoredWorker } from '../durable/replay.js';
import type { JobLimits, JobStatus } from '../job/job-context.js';
import type { JobHistoryOptions } from '../job/history.js';
import type { SerializationMode } from '../serialization/check.js';
import { assertOptionalBoolean, assertOptionalFunction, assertOptionalOneOf, isPlainObject, optionsBag } from '../util/args.js';
import type { ClusterOptions } from '../cluster/options.js';
import type { Clock } from './clock.js';
import type { DurableRuntimeOptions } from './durable-runtime.js';
import type { ErrorReporter, RuntimeHooks } from './hooks.js';
import type { IdGenerator } from './ids.js';

/** Options of new Runtime(); every one may be left out. Unknown options are refused (InvalidArgumentError). */
export interface RuntimeOptions extends DurableRuntimeOptions {
  /**
   * How many logic calls may run at once in this runtime. Async logic holds its slot until it settles, or until its
   * job ends (timed out, cancelled, failed): abandoned logic then runs on unseen, so make long logic honour
   * `signal`. Default: unlimited.
   */
  readonly concurrency?: number;
  /** Where every timer and timestamp comes from (timeouts, retries, policies, history). Default: systemClock. */
  readonly clock?: Clock;
  /** Makes worker and job ids that are not given explicitly. Default: `<prefix>_<12 random characters>`. */
  readonly idGenerator?: IdGenerator;
  /** An XState inspector (e.g. createBrowserInspector().inspect from @statelyai/inspect): sees every worker and job actor. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** What WorkerState values may hold: `json` (default) or `structured` (adds Date, Map, Set, BigInt, typed arrays). */
  readonly serializer?: SerializationMode;
  /** How many finished jobs getJob/listJobs keep, and for how long. Default 10,000 jobs, one hour. */
  readonly jobHistory?: JobHistoryOptions;
  /** Per-job caps on trace entries and output lines. Default 1,000 each. */
  readonly jobLimits?: Partial<JobLimits>;
  /** Observers and gates around workers, jobs and activations (runtime.observe adds more later). */
  readonly hooks?: RuntimeHooks;
  /** Where errors thrown by hooks are reported. Default: console.error. */
  readonly onError?: ErrorReporter;
  /**
   * Where flow.validate() problems of a flow are reported once, when its first worker starts (a connection that
   * leads nowhere, an unconnected slot, a cycle). Default: console.warn. With `strict`, they are refused instead.
   */
  readonly onWarning?: FlowWarningReporter;
  /** Refuse to run a flow that flow.validate() finds any problem in (warnings too): FlowValidationError. Default false. */
  readonly strict?: boolean;
  /**
   * OpenTelemetry spans: each job a span `routilux.job` (child of a W3C `traceparent` in its metadata), each
   * activation a child span `routilux.routine`. Needs the optional `@opentelemetry/api` package and a tracer
   * provider registered by the application. Default: off (and then costs nothing).
   */
  readonly tracing?: boolean;
  /**
   * Several processes on one Redis (DESIGN §6.2): `{ url, nodeId, leaseTtl }`. Needs `store` to be a RedisStore on
   * the same Redis, and the optional packages ioredis and bullmq. exec offers this node as a worker's host (one host
   * at a time, by a lease with a fencing token); post works on any node (routed to the worker's host through BullMQ).
   */
  readonly cluster?: ClusterOptions;
  /** @internal `manual` is for the test runtime: activations run only when it is told to run them. */
  readonly scheduling?: 'auto' | 'manual';
}

/** Receives the problems flow.validate() found in a flow when its first worker starts. */
export type FlowWarningReporter = (flowName: string, problems: readonly FlowProblem[]) => void;

/** The default FlowWarningReporter: one console.warn per flow. */
export const consoleWarningReporter: FlowWarningReporter = (flowName, problems) => {
  console.warn(`[routilux] flow "${flowName}" has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p.severity}: ${p.message}`).join('\n')}`);
};

export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timedOut'];
/** Every option new Runtime() knows: any other name is refused (a typo must not pass silently). */
const RUNTIME_OPTIONS = new Set(['concurrency', 'clock', 'idGenerator', 'inspect', 'serializer', 'jobHistory', 'jobLimits', 'hooks', 'onError', 'onWarning', 'strict', 'tracing', 'scheduling', 'store', 'storeTimeout', 'idempotencyTtl', 'cluster']);

/** Options of runtime.exec(). */
export interface ExecOptions {
  /** The new worker's id. Default: one from the idGenerator. A taken id throws DuplicateIdError. */
  readonly workerId?: string;
  /**
   * With a store: turns a worker saved with another flow shape into one this flow can run. Without it, restoring
   * onto a changed flow fails `ready()` with FlowShapeChangedError naming the differences.
   */
  readonly migrate?: (saved: RestoredWorker) => RestoredWorker;
}

/** Options of runtime.post(). */
export interface PostOptions {
  /** Read-only data for the job (job.metadata): serializable like WorkerState values, frozen. Default `{}`. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Post to this worker (it must run the same flow); default: the flow's first running worker, started if none. */
  readonly workerId?: string;
  /** The job's id. Default: one from the idGenerator. An id already live or in the history throws DuplicateIdError. */
  readonly jobId?: string;
  /** ms; overrides the flow's jobTimeout. The job ends `timedOut` if it has not finished by then. */
  readonly timeout?: number;
  /**
   * A key this worker already has (a live job, a finished one in history, or, with a store, one posted within
   * `idempotencyTtl`, across restarts) returns `[ws, thatJob]` and starts nothing.
   */
  readonly idempotencyKey?: string;
}

/** What runtime.listJobs() keeps; with no field, every live and remembered job. */
export interface ListJobsFilter {
  /** Only jobs of this worker. */
  readonly workerId?: string;
  /** Only jobs in this status. */
  readonly status?: JobStatus;
}

const HOOK_NAMES = new Set(['onWorkerStart', 'onWorkerStop', 'onJobStart', 'onJobEnd', 'onRoutineStart', 'onRoutineEnd', 'onEventEmit']);

/** Refuses option bags and options of the wrong kind at construction, before any actor exists. */
export function checkRuntimeOptions(options: RuntimeOptions | undefined): RuntimeOptions {
  const bag = optionsBag('Runtime options', options);
  for (const key of Object.keys(bag)) {
    if (!RUNTIME_OPTIONS.has(key)) throw new InvalidArgumentError(`Runtime option "${key}"`, bag[key as keyof RuntimeOptions], `one of the known options: ${[...RUNTIME_OPTIONS].join(', ')}`);
  }
  const clock = bag.clock;
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function')) {
    throw new InvalidArgumentError('Runtime clock', clock, 'an object with now(), setTimeout(fn, ms) and clearTimeout(handle), like systemClock or a TestClock');
  }
  assertOptionalFunction('Runtime idGenerator', bag.idGenerator, 'a function (kind) => string');
  assertOptionalFunction('Runtime onError', bag.onError, 'a function (error, where) => void');
  assertOptionalFunction('Runtime onWarning', bag.onWarning, 'a function (flowName, problems) => void');
  assertOptionalBoolean('Runtime strict', bag.strict);
  assertOptionalBoolean('Runtime tracing', bag.tracing);
  assertOptionalOneOf('Runtime scheduling', bag.scheduling, ['auto', 'manual']);
  const inspect = bag.inspect;
  if (inspect !== undefined && typeof inspect !== 'function' && !(isPlainObject(inspect) || (typeof inspect === 'object' && inspect !== null && typeof (inspect as Observer<InspectionEvent>).next === 'function'))) {
    throw new InvalidArgumentError('Runtime inspect', inspect, 'an XState inspector: a function (event) => void or an observer { next(event) }');
  }
  if (bag.concurrency === null) throw new InvalidArgumentError('Runtime concurrency', null, 'a positive integer (or Infinity), or leave it out');
  if (bag.serializer === null) throw new InvalidArgumentError('Runtime serializer', null, '"json" or "structured", or leave it out');
  return bag;
}

/** The hooks bag: plain, with only known hook names, each a function. */
export function checkHooks(hooks: RuntimeHooks | undefined): RuntimeHooks {
  const bag = optionsBag('Runtime hooks', hooks);
  for (const [name, hook] of Object.entries(bag)) {
    if (!HOOK_NAMES.has(name)) throw new InvalidArgumentError(`Runtime hook "${name}"`, hook, `one of ${[...HOOK_NAMES].join(', ')}`);
    assertOptionalFunction(`Runtime hooks.${name}`, hook);
  }
  return bag;
}
