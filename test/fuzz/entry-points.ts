/**
 * Every public entry point that takes input, with the argument the fuzz fills in and which values it accepts.
 * A new export joins this list (or NO_INPUT in public-api.fuzz.test.ts): the fuzz test fails until it does.
 */
import {
  ErrorHandler,
  Flow,
  FlowRegistry,
  MemoryStore,
  RedisStore,
  Routine,
  Runtime,
  SqliteStore,
  StateMap,
  batchSizePolicy,
  captureConsole,
  createInspector,
  createStore,
  customPolicy,
  defineRoutine,
  event,
  lruRecord,
  readableInspect,
  slot,
  stateMap,
  timeIntervalPolicy,
  typedStore,
  withHooks,
  type JobContext,
  type KeyValueStore,
} from '../../src/index.js';
import { TestClock, createTestRuntime, expectJob, seededIds, seededRandom } from '../../src/testing/index.js';

/** What an argument accepts among the fuzzed values: the rest must be refused with a RoutiluxError. */
export type Accepts = (value: unknown) => boolean;

export interface EntryPoint {
  /** The export it belongs to (checked against the package's exports). */
  readonly exportName: string;
  /** "Export.method argument", for messages. */
  readonly name: string;
  readonly accepts: Accepts;
  call(value: unknown, env: FuzzEnvironment): unknown;
}

/** Shared objects the calls work on, made fresh per test file. */
export interface FuzzEnvironment {
  readonly runtime: Runtime;
  readonly flow: Flow;
  readonly routine: () => Routine;
  readonly store: KeyValueStore;
  readonly job: JobContext;
}

export const isPlain = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
const none: Accepts = () => false;
const undefinedOr = (more: Accepts): Accepts => (v) => v === undefined || more(v);
const optionBag: Accepts = undefinedOr(isPlain);
const nonEmptyString: Accepts = (v) => typeof v === 'string' && v !== '';
const positiveInt: Accepts = (v) => typeof v === 'number' && Number.isInteger(v) && v > 0;
const delay: Accepts = (v) => typeof v === 'number' && v > 0 && v <= 2_147_483_647;
const delayOrZero: Accepts = (v) => v === 0 || delay(v);
/** Plain data: what the json serializer stores (values that may be refused either way are also fine). */
export const jsonValue: Accepts = (v) => {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(jsonValue);
  if (isPlain(v)) return Object.values(v as object).every(jsonValue);
  return false;
};
const fn: Accepts = (v) => typeof v === 'function';
/** What the stores' json serializer keeps: plain data, with Dates (tagged) anywhere in it. */
const storeValue: Accepts = (v) => {
  if (v instanceof Date) return true;
  if (Array.isArray(v)) return v.every(storeValue);
  if (isPlain(v)) return Object.values(v as object).every(storeValue);
  return jsonValue(v);
};

const KEY_OPS = ['get', 'delete', 'exists'] as const;

export const ENTRY_POINTS: readonly EntryPoint[] = [
  // ---- Runtime ----
  { exportName: 'Runtime', name: 'new Runtime(options)', accepts: optionBag, call: (v) => new Runtime(v as never).shutdown() },
  { exportName: 'Runtime', name: 'Runtime concurrency', accepts: (v) => v === undefined || v === Infinity || positiveInt(v), call: (v) => new Runtime({ concurrency: v as never }).shutdown() },
  { exportName: 'Runtime', name: 'Runtime serializer', accepts: undefinedOr((v) => v === 'json' || v === 'structured'), call: (v) => new Runtime({ serializer: v as never }).shutdown() },
  { exportName: 'Runtime', name: 'Runtime hooks', accepts: optionBag, call: (v) => new Runtime({ hooks: v as never }).shutdown() },
  { exportName: 'Runtime', name: 'Runtime jobHistory', accepts: optionBag, call: (v) => new Runtime({ jobHistory: v as never }).shutdown() },
  { exportName: 'Runtime', name: 'Runtime jobHistory.maxEntries', accepts: (v) => v === undefined || v === 0 || positiveInt(v), call: (v) => new Runtime({ jobHistory: { maxEntries: v as never } }).shutdown() },
  { exportName: 'Runtime', name: 'Runtime onError', accepts: undefinedOr(fn), call: (v) => new Runtime({ onError: v as never }).shutdown() },
  { exportName: 'Runtime', name: 'Runtime clock', accepts: (v) => v === undefined, call: (v) => new Runtime({ clock: v as never }).shutdown() },
  { exportName: 'Runtime', name: 'Runtime strict', accepts: (v) => v === undefined || typeof v === 'boolean', call: (v) => new Runtime({ strict: v as never }).shutdown() },
  { exportName: 'Runtime', name: 'exec(flow)', accepts: none, call: (v, e) => e.runtime.exec(v as never) },
  { exportName: 'Runtime', name: 'exec options', accepts: optionBag, call: (v, e) => e.runtime.exec(e.flow, v as never) },
  { exportName: 'Runtime', name: 'exec workerId', accepts: undefinedOr(nonEmptyString), call: (v, e) => e.runtime.exec(e.flow, { workerId: v as never }) },
  { exportName: 'Runtime', name: 'post(flow)', accepts: none, call: (v, e) => e.runtime.post(v as never, 'r', 'in', 1) },
  { exportName: 'Runtime', name: 'post routineId', accepts: (v) => v === 'r', call: (v, e) => e.runtime.post(e.flow, v as never, 'in', 1) },
  { exportName: 'Runtime', name: 'post slotName', accepts: (v) => v === 'in', call: (v, e) => e.runtime.post(e.flow, 'r', v as never, 1) },
  { exportName: 'Runtime', name: 'post data', accepts: jsonValue, call: (v, e) => e.runtime.post(e.flow, 'r', 'in', v) },
  { exportName: 'Runtime', name: 'post options', accepts: optionBag, call: (v, e) => e.runtime.post(e.flow, 'r', 'in', 1, v as never) },
  { exportName: 'Runtime', name: 'post metadata', accepts: undefinedOr((v) => isPlain(v) && jsonValue(v)), call: (v, e) => e.runtime.post(e.flow, 'r', 'in', 1, { metadata: v as never }) },
  { exportName: 'Runtime', name: 'post jobId', accepts: undefinedOr(nonEmptyString), call: (v, e) => e.runtime.post(e.flow, 'r', 'in', 1, { jobId: typeof v === 'string' && v !== '' ? `${v}-${Math.random()}` : (v as never) }) },
  { exportName: 'Runtime', name: 'post workerId', accepts: undefinedOr(nonEmptyString), call: (v, e) => e.runtime.post(e.flow, 'r', 'in', 1, { workerId: v as never }) },
  { exportName: 'Runtime', name: 'post timeout', accepts: undefinedOr(delay), call: (v, e) => e.runtime.post(e.flow, 'r', 'in', 1, { timeout: v as never }) },
  { exportName: 'Runtime', name: 'getJob(jobId)', accepts: nonEmptyString, call: (v, e) => e.runtime.getJob(v as never) },
  { exportName: 'Runtime', name: 'getWorker(workerId)', accepts: nonEmptyString, call: (v, e) => e.runtime.getWorker(v as never) },
  { exportName: 'Runtime', name: 'pause(workerId)', accepts: nonEmptyString, call: (v, e) => e.runtime.pause(v as never) },
  { exportName: 'Runtime', name: 'resume(workerId)', accepts: nonEmptyString, call: (v, e) => e.runtime.resume(v as never) },
  { exportName: 'Runtime', name: 'stop(workerId)', accepts: nonEmptyString, call: (v, e) => e.runtime.stop(v as never) },
  { exportName: 'Runtime', name: 'listJobs(filter)', accepts: optionBag, call: (v, e) => e.runtime.listJobs(v as never) },
  { exportName: 'Runtime', name: 'listJobs status', accepts: undefinedOr((v) => ['pending', 'running', 'completed', 'failed', 'cancelled', 'timedOut'].includes(v as string)), call: (v, e) => e.runtime.listJobs({ status: v as never }) },
  { exportName: 'Runtime', name: 'listJobs workerId', accepts: undefinedOr(nonEmptyString), call: (v, e) => e.runtime.listJobs({ workerId: v as never }) },
  { exportName: 'Runtime', name: 'waitUntilAllJobsFinished options', accepts: optionBag, call: (v, e) => e.runtime.waitUntilAllJobsFinished(v as never) },
  { exportName: 'Runtime', name: 'waitUntilAllJobsFinished timeout', accepts: undefinedOr(delayOrZero), call: (v, e) => e.runtime.waitUntilAllJobsFinished({ timeout: v as never }) },
  { exportName: 'Runtime', name: 'shutdown options', accepts: optionBag, call: (v) => new Runtime().shutdown(v as never) },
  { exportName: 'Runtime', name: 'shutdown timeout', accepts: undefinedOr(delayOrZero), call: (v) => new Runtime().shutdown({ timeout: v as never }) },
  // ---- WorkerState (through exec) ----
  { exportName: 'WorkerState', name: 'updateRoutineState(routineId)', accepts: nonEmptyString, call: (v, e) => e.runtime.exec(e.flow).updateRoutineState(v as never, { n: 1 }) },
  { exportName: 'WorkerState', name: 'updateRoutineState(value)', accepts: (v) => jsonValue(v) || fn(v), call: (v, e) => e.runtime.exec(e.flow).updateRoutineState('x', v) },
  { exportName: 'WorkerState', name: 'getRoutineState(routineId)', accepts: nonEmptyString, call: (v, e) => e.runtime.exec(e.flow).getRoutineState(v as never) },
  { exportName: 'WorkerState', name: 'deleteRoutineState(routineId)', accepts: nonEmptyString, call: (v, e) => e.runtime.exec(e.flow).deleteRoutineState(v as never) },
  { exportName: 'WorkerState', name: 'subscribe(listener)', accepts: fn, call: (v, e) => e.runtime.exec(e.flow).subscribe(v as never)() },
  // ---- JobContext ----
  { exportName: 'JobContext', name: 'setData(key)', accepts: nonEmptyString, call: (v, e) => e.job.setData(v as never, 1) },
  { exportName: 'JobContext', name: 'getData(key)', accepts: nonEmptyString, call: (v, e) => e.job.getData(v as never) },
  { exportName: 'JobContext', name: 'hasData(key)', accepts: nonEmptyString, call: (v, e) => e.job.hasData(v as never) },
  // ---- Routine, defineRoutine, ErrorHandler ----
  { exportName: 'Routine', name: 'addSlot(name)', accepts: (v) => typeof v === 'string' && /^[A-Za-z_][\w-]*$/.test(v), call: (v, e) => e.routine().addSlot(v as never) },
  { exportName: 'Routine', name: 'addSlot options', accepts: optionBag, call: (v, e) => e.routine().addSlot('s', v as never) },
  { exportName: 'Routine', name: 'addSlot maxQueueLength', accepts: undefinedOr(positiveInt), call: (v, e) => e.routine().addSlot('s', { maxQueueLength: v as never }) },
  { exportName: 'Routine', name: 'addEvent(name)', accepts: (v) => typeof v === 'string' && /^[A-Za-z_][\w-]*$/.test(v), call: (v, e) => e.routine().addEvent(v as never) },
  { exportName: 'Routine', name: 'addEvent params', accepts: (v) => v === undefined || (Array.isArray(v) && v.every((p) => typeof p === 'string')), call: (v, e) => e.routine().addEvent('e', v as never) },
  { exportName: 'Routine', name: 'setLogic', accepts: fn, call: (v, e) => e.routine().setLogic(v as never) },
  { exportName: 'Routine', name: 'setActivationPolicy', accepts: none, call: (v, e) => e.routine().setActivationPolicy(v as never) },
  { exportName: 'Routine', name: 'setErrorHandler', accepts: (v) => v === undefined, call: (v, e) => e.routine().setErrorHandler(v as never) },
  { exportName: 'Routine', name: 'setConfig', accepts: (v) => isPlain(v) && jsonValue(v), call: (v, e) => e.routine().setConfig(v as never) },
  { exportName: 'Routine', name: 'getConfig(key)', accepts: nonEmptyString, call: (v, e) => e.routine().getConfig(v as never) },
  { exportName: 'Routine', name: 'setType', accepts: (v) => typeof v === 'string' && v.trim() !== '' && v.trim() === v, call: (v, e) => e.routine().setType(v as never) },
  { exportName: 'defineRoutine', name: 'defineRoutine(definition)', accepts: none, call: (v) => defineRoutine(v as never) },
  { exportName: 'defineRoutine', name: 'defineRoutine slots', accepts: (v) => isPlain(v) && Object.keys(v as object).length > 0 && Object.values(v as object).every(isPlain), call: (v) => defineRoutine({ slots: v as never, logic: () => {} }) },
  { exportName: 'defineRoutine', name: 'defineRoutine logic', accepts: fn, call: (v) => defineRoutine({ slots: { in: slot() }, logic: v as never }) },
  { exportName: 'slot', name: 'slot(options)', accepts: optionBag, call: (v) => slot(v as never) },
  { exportName: 'event', name: 'event(params)', accepts: (v) => v === undefined || (Array.isArray(v) && v.every((p) => typeof p === 'string')), call: (v) => defineRoutine({ slots: { in: slot() }, events: { out: event(v as never) }, logic: () => {} }) },
  { exportName: 'ErrorHandler', name: 'new ErrorHandler(options)', accepts: optionBag, call: (v) => new ErrorHandler(v as never) },
  { exportName: 'ErrorHandler', name: 'ErrorHandler strategy', accepts: undefinedOr((v) => ['stop', 'continue', 'retry', 'skip'].includes(v as string)), call: (v) => new ErrorHandler({ strategy: v as never }) },
  { exportName: 'ErrorHandler', name: 'ErrorHandler maxRetries', accepts: (v) => v === undefined || v === 0 || positiveInt(v), call: (v) => new ErrorHandler({ maxRetries: v as never }) },
  { exportName: 'ErrorHandler', name: 'ErrorHandler retryDelay', accepts: undefinedOr(delayOrZero), call: (v) => new ErrorHandler({ retryDelay: v as never }) },
  { exportName: 'ErrorHandler', name: 'ErrorHandler isRetryable', accepts: undefinedOr(fn), call: (v) => new ErrorHandler({ isRetryable: v as never }) },
  // ---- Flow, FlowRegistry, policies ----
  { exportName: 'Flow', name: 'new Flow(name)', accepts: (v) => typeof v === 'string' && v.trim() !== '', call: (v) => new Flow(v as never) },
  { exportName: 'Flow', name: 'new Flow options', accepts: optionBag, call: (v) => new Flow('f', v as never) },
  { exportName: 'Flow', name: 'addRoutine(routine)', accepts: none, call: (v) => new Flow('f').addRoutine(v as never, 'r') },
  { exportName: 'Flow', name: 'addRoutine(id)', accepts: (v) => typeof v === 'string' && /^[A-Za-z_][\w-]*$/.test(v), call: (v, e) => new Flow('f').addRoutine(e.routine(), v as never) },
  { exportName: 'Flow', name: 'connect(from)', accepts: none, call: (v) => new Flow('f').connect(v as never, 'out', 'b', 'in') },
  { exportName: 'Flow', name: 'setJobTimeout', accepts: undefinedOr(delay), call: (v) => new Flow('f').setJobTimeout(v as never) },
  { exportName: 'Flow', name: 'setErrorHandler', accepts: (v) => v === undefined, call: (v) => new Flow('f').setErrorHandler(v as never) },
  { exportName: 'Flow', name: 'Flow.fromJSON(definition)', accepts: none, call: (v) => Flow.fromJSON(v as never, () => new Routine()) },
  { exportName: 'Flow', name: 'Flow.fromJSON(factory)', accepts: none, call: (v, e) => Flow.fromJSON(JSON.parse(JSON.stringify(e.flow.toJSON())), v as never) },
  { exportName: 'FlowRegistry', name: 'registerByName(name)', accepts: nonEmptyString, call: (v, e) => FlowRegistry.getInstance().registerByName(v as never, e.flow) },
  { exportName: 'FlowRegistry', name: 'registerByName(flow)', accepts: none, call: (v) => FlowRegistry.getInstance().registerByName('fuzz-flow', v as never) },
  { exportName: 'FlowRegistry', name: 'get(name)', accepts: nonEmptyString, call: (v) => FlowRegistry.getInstance().get(v as never) },
  { exportName: 'batchSizePolicy', name: 'batchSizePolicy(n)', accepts: positiveInt, call: (v) => batchSizePolicy(v as never) },
  { exportName: 'timeIntervalPolicy', name: 'timeIntervalPolicy(ms)', accepts: delayOrZero, call: (v) => timeIntervalPolicy(v as never) },
  { exportName: 'customPolicy', name: 'customPolicy(fn)', accepts: fn, call: (v) => customPolicy(v as never) },
  // ---- state helpers, console, inspection ----
  { exportName: 'stateMap', name: 'stateMap(options)', accepts: optionBag, call: (v) => stateMap(v as never) },
  { exportName: 'lruRecord', name: 'lruRecord(max)', accepts: (v) => positiveInt(v) && v !== Infinity, call: (v) => lruRecord(v as never) },
  { exportName: 'StateMap', name: 'StateMap set(key)', accepts: (v) => typeof v === 'string', call: (v) => stateMap().set(v as never, 1) },
  { exportName: 'captureConsole', name: 'captureConsole(options)', accepts: optionBag, call: (v) => captureConsole(v as never)() },
  { exportName: 'createInspector', name: 'createInspector(kind)', accepts: none, call: (v) => createInspector(v as never) },
  { exportName: 'readableInspect', name: 'readableInspect(target)', accepts: (v) => fn(v), call: (v) => readableInspect(v as never) },
  // ---- stores ----
  { exportName: 'MemoryStore', name: 'new MemoryStore(options)', accepts: optionBag, call: (v) => new MemoryStore(v as never).close() },
  { exportName: 'MemoryStore', name: 'MemoryStore maxEntries', accepts: undefinedOr((v) => v === Infinity || positiveInt(v)), call: (v) => new MemoryStore({ maxEntries: v as never }).close() },
  { exportName: 'MemoryStore', name: 'MemoryStore serializer', accepts: (v) => v === undefined || v === 'json' || v === 'structured' || v === 'none', call: (v) => new MemoryStore({ serializer: v as never }).close() },
  { exportName: 'RedisStore', name: 'new RedisStore(options)', accepts: none, call: (v) => new RedisStore(v === undefined || isPlain(v) ? { ...(v as object), url: 5 } as never : (v as never)) },
  { exportName: 'SqliteStore', name: 'new SqliteStore(options)', accepts: none, call: (v) => new SqliteStore(v as never) },
  { exportName: 'createStore', name: 'createStore(env)', accepts: optionBag, call: (v) => createStore(v as never).close() },
  { exportName: 'createStore', name: 'createStore ROUTILUX_STORE', accepts: (v) => v === undefined || (typeof v === 'string' && ['', 'memory', 'memory:'].includes(v.trim())), call: (v) => createStore({ ROUTILUX_STORE: v as never }).close() },
  ...KEY_OPS.map((op): EntryPoint => ({ exportName: 'MemoryStore', name: `store.${op}(key)`, accepts: nonEmptyString, call: (v, e) => e.store[op](v as never) })),
  { exportName: 'MemoryStore', name: 'store.set(key)', accepts: nonEmptyString, call: (v, e) => e.store.set(v as never, 1) },
  { exportName: 'MemoryStore', name: 'store.set(value)', accepts: storeValue, call: (v, e) => e.store.set('k', v) },
  { exportName: 'MemoryStore', name: 'store.set options', accepts: optionBag, call: (v, e) => e.store.set('k', 1, v as never) },
  { exportName: 'MemoryStore', name: 'store.keys(pattern)', accepts: (v) => v === undefined || typeof v === 'string', call: (v, e) => e.store.keys(v as never) },
  { exportName: 'MemoryStore', name: 'store.getMany(keys)', accepts: (v) => Array.isArray(v) && v.every(nonEmptyString), call: (v, e) => e.store.getMany(v as never) },
  { exportName: 'MemoryStore', name: 'store.deleteMany(keys)', accepts: (v) => Array.isArray(v) && v.every(nonEmptyString), call: (v, e) => e.store.deleteMany(v as never) },
  { exportName: 'MemoryStore', name: 'store.scope(prefix)', accepts: nonEmptyString, call: (v, e) => e.store.scope(v as never) },
  { exportName: 'typedStore', name: 'typedStore(store)', accepts: none, call: (v) => typedStore(v as never, { '~standard': { version: 1, vendor: 'fuzz', validate: (x: unknown) => ({ value: x }) } }) },
  { exportName: 'typedStore', name: 'typedStore(schema)', accepts: none, call: (v, e) => typedStore(e.store, v as never) },
  { exportName: 'withHooks', name: 'withHooks(hooks)', accepts: optionBag, call: (v, e) => withHooks(e.store, v as never) },
  // ---- routilux/testing ----
  { exportName: 'createTestRuntime', name: 'createTestRuntime(options)', accepts: optionBag, call: (v) => createTestRuntime(v as never).shutdown() },
  { exportName: 'createTestRuntime', name: 'createTestRuntime seed', accepts: (v) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v)), call: (v) => createTestRuntime({ seed: v as never }).shutdown() },
  { exportName: 'TestClock', name: 'new TestClock(startTime)', accepts: (v) => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0), call: (v) => new TestClock(v as never) },
  { exportName: 'TestClock', name: 'TestClock advance(ms)', accepts: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, call: (v) => new TestClock().advance(v as never) },
  { exportName: 'seededIds', name: 'seededIds(seed)', accepts: (v) => typeof v === 'number' && Number.isSafeInteger(v), call: (v) => seededIds(v as never) },
  { exportName: 'seededRandom', name: 'seededRandom(seed)', accepts: (v) => typeof v === 'number' && Number.isSafeInteger(v), call: (v) => seededRandom(v as never) },
  { exportName: 'expectJob', name: 'expectJob(job)', accepts: none, call: (v) => expectJob(v as never) },
];
