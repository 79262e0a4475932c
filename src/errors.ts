/**
 * Every error routilux throws extends RoutiluxError: it carries a stable `code` for programs and a message that
 * says what was wrong and how to fix it, for people.
 */
export class RoutiluxError extends Error {
  /** Stable, machine-readable, e.g. `INVALID_ARGUMENT`: branch on it rather than on the message or the class name. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

const list = (names: readonly string[]): string => (names.length ? names.map((n) => `"${n}"`).join(', ') : '(none)');

/** `FLOW_NOT_FOUND`: a flow named by string is not in the FlowRegistry; lists the registered names. */
export class FlowNotFoundError extends RoutiluxError {
  constructor(
    readonly flowName: string,
    readonly knownFlows: readonly string[],
  ) {
    super(
      'FLOW_NOT_FOUND',
      `Flow "${flowName}" is not registered. Registered flows: ${list(knownFlows)}. ` +
        `Register it first with FlowRegistry.getInstance().registerByName("${flowName}", flow), or pass the Flow object itself.`,
    );
  }
}

/** `ROUTINE_NOT_FOUND`: a routine id the flow does not have (connect, post); lists its routine ids. */
export class RoutineNotFoundError extends RoutiluxError {
  constructor(
    readonly routineId: string,
    readonly flowName: string,
    readonly knownRoutines: readonly string[],
  ) {
    super(
      'ROUTINE_NOT_FOUND',
      `Flow "${flowName}" has no routine "${routineId}". Its routines are ${list(knownRoutines)}. ` +
        `Add it with flow.addRoutine(routine, "${routineId}") or use one of the ids above.`,
    );
  }
}

/** `SLOT_NOT_FOUND`: a slot the routine does not declare (connect, post); lists its slots. */
export class SlotNotFoundError extends RoutiluxError {
  constructor(
    readonly slotName: string,
    readonly routineId: string,
    readonly knownSlots: readonly string[],
  ) {
    super(
      'SLOT_NOT_FOUND',
      `Routine "${routineId}" has no slot "${slotName}". Its slots are ${list(knownSlots)}. ` +
        `Declare it with this.addSlot("${slotName}") or use one of the slots above.`,
    );
  }
}

/** `EVENT_NOT_FOUND`: an event the routine does not declare (connect, emit); lists its events. */
export class EventNotFoundError extends RoutiluxError {
  constructor(
    readonly eventName: string,
    readonly routineId: string,
    readonly knownEvents: readonly string[],
  ) {
    super(
      'EVENT_NOT_FOUND',
      `Routine "${routineId}" has no event "${eventName}". Its events are ${list(knownEvents)}. ` +
        `Declare it with this.addEvent("${eventName}") before emitting or connecting it.`,
    );
  }
}

/** `DUPLICATE_ID`: an id (slot, event, routine, connection, worker, job) already taken where it must be unique. */
export class DuplicateIdError extends RoutiluxError {
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly where: string,
  ) {
    super('DUPLICATE_ID', `${where} already has a ${kind} with id "${id}". Ids must be unique there: choose another id.`);
  }
}

/**
 * One finding of flow.validate(): an `error` refuses the flow; a `warning` is reported (through the runtime's
 * onWarning) and refuses it only under `strict`.
 */
export interface FlowProblem {
  readonly severity: 'error' | 'warning';
  /** Stable machine-readable name of the problem, e.g. `UNKNOWN_ROUTINE`; match on this, not on the message. */
  readonly code: string;
  /** Says what is wrong and how to fix it. */
  readonly message: string;
}

/**
 * `FLOW_INVALID`: flow.validate() found errors (or, under `strict`, warnings) when a worker was to start the flow;
 * `problems` lists them all.
 */
export class FlowValidationError extends RoutiluxError {
  constructor(
    readonly flowName: string,
    readonly problems: readonly FlowProblem[],
  ) {
    // Under `strict`, warnings alone refuse a flow: then they are what the message lists.
    const errors = problems.some((p) => p.severity === 'error') ? problems.filter((p) => p.severity === 'error') : problems;
    super(
      'FLOW_INVALID',
      `Flow "${flowName}" is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n` +
        errors.map((p) => `  - ${p.message}`).join('\n') +
        `\nFix these (flow.validate() lists them) before running the flow.`,
    );
  }
}

/** `SLOT_QUEUE_FULL`: an item was refused because the slot already holds `maxQueueLength` items for that job. */
export class SlotQueueFullError extends RoutiluxError {
  constructor(
    readonly jobId: string,
    readonly routineId: string,
    readonly slotName: string,
    readonly maxQueueLength: number,
  ) {
    super(
      'SLOT_QUEUE_FULL',
      `Slot "${routineId}.${slotName}" of job "${jobId}" is full (maxQueueLength ${maxQueueLength}); the item was not accepted. ` +
        `Raise maxQueueLength in addSlot("${slotName}", { maxQueueLength }) or let the routine consume faster (e.g. a batch policy).`,
    );
  }
}

/**
 * `NOT_SERIALIZABLE`: a value (state, config, metadata, posted data, stored value) that cannot be kept as data;
 * `path` says where in it, e.g. `routineStates.db.connection`. Nothing was written.
 */
export class SerializationError extends RoutiluxError {
  constructor(
    /** Where the value is, e.g. `routineStates.db.connection`. */
    readonly path: string,
    /** Why it cannot be kept, e.g. `Server is not serializable`. */
    readonly reason: string,
    hint = 'Store plain data (objects, arrays, strings, finite numbers, booleans, null) and recreate live objects such as connections from it when needed.',
  ) {
    super('NOT_SERIALIZABLE', `${path}: ${reason}. ${hint}`);
  }
}

/** `JOB_TIMEOUT`: a job's error when its timeout (ms) elapsed before it finished; the job ends `timedOut`. */
export class JobTimeoutError extends RoutiluxError {
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super(
      'JOB_TIMEOUT',
      `Job "${jobId}" did not finish within ${timeoutMs} ms and was stopped. ` +
        `Raise the timeout in post(..., { timeout }) or the flow's default, or make the logic honour job.signal.`,
    );
  }
}

/** `JOB_CANCELLED`: a job's error when it was cancelled (job.cancel(), its worker stopped, shutdown). */
export class JobCancelledError extends RoutiluxError {
  constructor(
    readonly jobId: string,
    readonly reason: string,
  ) {
    super('JOB_CANCELLED', `Job "${jobId}" was cancelled (${reason}). Its logic should stop when job.signal is aborted.`);
  }
}

/** `RUNTIME_SHUT_DOWN`: exec or post after runtime.shutdown(). */
export class RuntimeShutDownError extends RoutiluxError {
  constructor(readonly action: string) {
    super('RUNTIME_SHUT_DOWN', `Cannot ${action}: this Runtime has been shut down. Create a new Runtime to run more work.`);
  }
}

/** `WORKER_NOT_RUNNING`: the worker is paused, stopping or stopped, so it cannot do `action`. */
export class WorkerNotRunningError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly status: string,
    action = 'accept work',
  ) {
    super(
      'WORKER_NOT_RUNNING',
      `Worker "${workerId}" cannot ${action}: it is ${status}. Start a new worker with runtime.exec(flow), or resume it if it is paused.`,
    );
  }
}

/** `WORKER_NOT_FOUND`: no live worker has that id; lists the live ones. */
export class WorkerNotFoundError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly knownWorkers: readonly string[],
  ) {
    super(
      'WORKER_NOT_FOUND',
      `No worker "${workerId}" in this runtime. Live workers: ${list(knownWorkers)}. runtime.exec(flow) starts one and returns its WorkerState.`,
    );
  }
}

/** `NO_CURRENT_JOB`: a call that needs the running job (routine.emit) made outside a routine's logic. */
export class NoCurrentJobError extends RoutiluxError {
  constructor(readonly action: string) {
    super(
      'NO_CURRENT_JOB',
      `${action} was called outside a job. It only works inside a routine's logic while a job runs it; ` +
        `start work with runtime.post(flow, routine, slot, data) instead.`,
    );
  }
}

/**
 * `INVALID_ARGUMENT`: an argument or option of the wrong type or out of range; the message names it, what was
 * received and what is accepted. Thrown before anything is changed.
 */
export class InvalidArgumentError extends RoutiluxError {
  constructor(
    /** Which argument or option, e.g. `addSlot("in") maxQueueLength`. */
    readonly argument: string,
    /** The value that was refused. */
    readonly received: unknown,
    /** What is accepted, in words: `a positive integer`. */
    readonly expected: string,
  ) {
    super('INVALID_ARGUMENT', `${argument} must be ${expected}; received ${describe(received)}.`);
  }
}

/** `STORE_CONNECTION`: a store could not reach or open its backend (Redis unreachable or closed, SQLite file not openable). */
export class StoreConnectionError extends RoutiluxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_CONNECTION', message, options);
  }
}

/** `STORE_CLOSED`: an operation on a store after close(). */
export class StoreClosedError extends RoutiluxError {
  constructor(readonly operation: string) {
    super('STORE_CLOSED', `Cannot ${operation}: the store has been closed. Create a new store instance to keep using it.`);
  }
}

/** `STORE_READONLY`: a write through a view made by store.readonly(). */
export class ReadonlyStoreError extends RoutiluxError {
  constructor(readonly operation: string) {
    super(
      'STORE_READONLY',
      `Cannot ${operation} through a read-only view. Write through the store it was made from (store.readonly() returns a view that only reads).`,
    );
  }
}

/** One reason a value failed a store's schema, as the schema (Standard Schema) reported it. */
export interface SchemaIssue {
  readonly message: string;
  /** Where in the value the issue is, outermost key first; absent when it concerns the whole value. */
  readonly path?: readonly PropertyKey[];
}

/**
 * `SCHEMA_INVALID`: a value written to, or read from, a typedStore does not match its schema; `direction` says
 * which, `issues` what the schema reported.
 */
export class SchemaValidationError extends RoutiluxError {
  constructor(
    readonly key: string,
    readonly issues: readonly SchemaIssue[],
    /** `write`: the value given was refused and nothing was written. `read`: the stored value no longer matches. */
    readonly direction: 'write' | 'read',
  ) {
    const lines = issues.map((i) => `  - ${i.path?.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`);
    super(
      'SCHEMA_INVALID',
      `Value ${direction === 'write' ? 'written to' : 'read from'} "${key}" does not match the schema:\n${lines.join('\n')}\n` +
        (direction === 'write'
          ? 'Fix the value before writing it.'
          : 'The stored data predates the schema or was written without it: migrate or delete it.'),
    );
  }
}

/** `ROUTINE_TYPE_MISSING`: flow.toJSON() met a routine with no type name, so a definition could not rebuild it. */
export class MissingRoutineTypeError extends RoutiluxError {
  constructor(
    readonly routineId: string,
    readonly flowName: string,
  ) {
    super(
      'ROUTINE_TYPE_MISSING',
      `Routine "${routineId}" of flow "${flowName}" has no type name, so a flow definition cannot say how to rebuild it. ` +
        `Make it a subclass (class MyRoutine extends Routine: the class name is the type), call routine.setType("myType"), ` +
        `or pass a name to defineRoutine({ name: "myType", ... }).`,
    );
  }
}

/** `UNKNOWN_ROUTINE_TYPE`: Flow.fromJSON's factory has no routine for a definition's type, or returned no Routine. */
export class UnknownRoutineTypeError extends RoutiluxError {
  constructor(
    readonly routineType: string,
    readonly routineId: string,
    /** The factory map's types; undefined when the factory is a function. */
    readonly knownTypes: readonly string[] | undefined,
    received?: unknown,
  ) {
    super(
      'UNKNOWN_ROUTINE_TYPE',
      knownTypes
        ? `Routine "${routineId}" has type "${routineType}", which the routine factory does not know. Known types: ` +
            `${knownTypes.length ? knownTypes.map((t) => `"${t}"`).join(', ') : '(none)'}. ` +
            `Add it to the factory ({ ${JSON.stringify(routineType)}: MyRoutineClass }) or correct the type in the definition.`
        : `The routine factory returned ${describe(received)} for type "${routineType}" (routine "${routineId}"). ` +
            `Return a new Routine for every type the definitions you read may contain.`,
    );
  }
}

/** `FLOW_DEFINITION_VERSION`: a flow definition without a version, or of a version this routilux cannot read. */
export class UnsupportedFlowDefinitionVersionError extends RoutiluxError {
  constructor(
    readonly version: unknown,
    readonly supported: number,
  ) {
    super(
      'FLOW_DEFINITION_VERSION',
      version === undefined
        ? `The flow definition has no "version" field, so it cannot be read safely. ` +
            `Add "version": ${supported} if it follows this format, or re-export it with flow.toJSON().`
        : `Flow definition version ${describe(version)} is not supported: this routilux reads version ${supported}. ` +
            `Re-export the flow with flow.toJSON() from this routilux, or use the routilux release that wrote it.`,
    );
  }
}

/**
 * The backend refused an operation for a reason other than a lost connection (Redis `WRONGTYPE` or `OOM`,
 * SQLite `SQLITE_FULL`, ...). The message names the operation, the key and the backend's own error.
 */
export class StoreOperationError extends RoutiluxError {
  constructor(
    readonly operation: string,
    readonly backend: string,
    detail: string,
    hint: string,
    options?: { cause?: unknown },
  ) {
    super('STORE_OPERATION', `${backend} refused ${operation}: ${detail}. ${hint}`, options);
  }
}

/** An optional package a store needs (ioredis, better-sqlite3) is not installed. */
export class MissingDependencyError extends RoutiluxError {
  constructor(
    readonly packageName: string,
    readonly neededBy: string,
    options?: { cause?: unknown },
  ) {
    super(
      'MISSING_DEPENDENCY',
      `${neededBy} needs the "${packageName}" package, which could not be loaded. Install it with ` +
        `\`npm install ${packageName}\`, or choose another store (MemoryStore needs nothing).`,
      options,
    );
  }
}

/** createInspector could not give an inspector here: the optional package is missing, or there is no browser window. */
export class InspectorUnavailableError extends RoutiluxError {
  constructor(
    readonly kind: 'browser' | 'websocket',
    readonly reason: 'missing-package' | 'no-window',
    options?: { cause?: unknown },
  ) {
    super(
      'INSPECTOR_UNAVAILABLE',
      reason === 'missing-package'
        ? `createInspector("${kind}") needs the "@statelyai/inspect" package, which could not be loaded${causeText(options?.cause)}. Install it with ` +
            '`npm install --save-dev @statelyai/inspect` (the runtime itself runs without it), or leave out the `inspect` option.'
        : 'createInspector("browser") needs a browser window, and there is none here. In Node, use createInspector("websocket") ' +
            'with an inspector server (createInspectorServer() from "@statelyai/inspect/server"), or pass options.window.',
      options,
    );
  }
}

function causeText(cause: unknown): string {
  if (cause === undefined) return '';
  const text = cause instanceof Error ? cause.message : String(cause);
  return ` (${text.split('\n')[0]})`;
}

/** @internal How an error message shows a received value (short, never throws). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const ctor = (value as object).constructor;
  return ctor && ctor !== Object ? `a ${ctor.name} instance` : 'an object';
}

// --- operate ---
/**
 * A feature was asked for whose optional package is not installed: `tracing: true` needs `@opentelemetry/api`,
 * `routilux/monitor` needs `hono` and `@hono/node-server`. Still a MissingDependencyError (same `code`), with a
 * message naming the feature, the install command and how to do without it.
 */
export class OptionalPackageMissingError extends MissingDependencyError {
  constructor(
    packageName: string,
    neededBy: string,
    readonly withoutIt: string,
    options?: { cause?: unknown },
  ) {
    super(packageName, neededBy, options);
    this.message =
      `${neededBy} needs the "${packageName}" package, which could not be loaded${causeText(options?.cause)}. ` +
      `Install it with \`npm install ${packageName}\`, or ${withoutIt}.`;
  }
}

/** No live job and no job in the runtime's history has this id (it may have aged out of the bounded history). */
export class JobNotFoundError extends RoutiluxError {
  constructor(readonly jobId: string) {
    super(
      'JOB_NOT_FOUND',
      `No job "${jobId}" is running or in the job history. Finished jobs are kept only up to jobHistory.maxEntries / ttl: ` +
        'check the id, or keep more history with new Runtime({ jobHistory: { maxEntries, ttl } }).',
    );
  }
}

// --- durable ---

/**
 * A worker's checkpoint was written by a flow of another shape (routines, slots, events or connections differ)
 * than the one `exec` was given. The message lists the differences.
 */
export class FlowShapeChangedError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly differences: readonly string[],
  ) {
    super(
      'FLOW_SHAPE_CHANGED',
      `Worker "${workerId}" was checkpointed with a flow of another shape than the one given to exec:\n` +
        differences.map((d) => `  - ${d}`).join('\n') +
        `\nPass a migration that turns the saved worker into one this flow can run: ` +
        `exec(flow, { workerId: "${workerId}", migrate: (saved) => ({ ...saved, routineStates: { ... } }) }), ` +
        `or restore it with the flow it was saved with.`,
    );
  }
}

/** A worker's durable log in the store is not a gapless sequence: the store lost or altered writes. */
export class DurableLogCorruptError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly detail: string,
  ) {
    super(
      'DURABLE_LOG_CORRUPT',
      `The durable log of worker "${workerId}" cannot be restored: ${detail}. The store lost or altered writes ` +
        `(e.g. Redis without "appendonly yes", or keys under "routilux:{${workerId}}:" written by another program). ` +
        `Restore the store from a backup, or delete those keys to start the worker afresh.`,
    );
  }
}

// --- stores ---

/**
 * `increment()` met a key that does not hold a whole number (or would pass ±Number.MAX_SAFE_INTEGER). Nothing
 * was changed.
 */
export class StoreValueTypeError extends RoutiluxError {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(
      'STORE_VALUE_TYPE',
      `Cannot increment "${key}": ${problem}; nothing was changed. increment() works on keys that are missing or hold a ` +
        'whole number within ±Number.MAX_SAFE_INTEGER: delete the key or set it to a number first, or count under another key.',
    );
  }
}

// --- cluster ---

/**
 * A fenced write of a worker's durable data was refused: another node took the worker over with a newer fencing
 * token, so this node no longer hosts it. Nothing of the write was applied.
 */
export class FencedOutError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly token: number,
    readonly currentToken: number,
  ) {
    super(
      'FENCED_OUT',
      `Worker "${workerId}" was taken over by another node (fencing token ${currentToken} is newer than this node's ${token}), ` +
        'so this write was refused and nothing of it was applied. Stop the worker on this node and discard what its in-flight ' +
        'logic produced: the new host restores it from the durable log and resumes its jobs.',
    );
  }
}

/** The `cluster` option cannot work as given (no store, a store that is not on Redis, a bad nodeId or leaseTtl). */
export class ClusterConfigurationError extends RoutiluxError {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super('CLUSTER_CONFIG', `The cluster option cannot be used: ${problem}. ${fix}`);
  }
}

/** A job that ran on another node ended with an error; this carries that error's name, code and message. */
export class RemoteJobError extends RoutiluxError {
  constructor(
    readonly remoteName: string,
    readonly remoteCode: string | undefined,
    remoteMessage: string,
    readonly nodeId: string | undefined,
  ) {
    super(
      'REMOTE_JOB_ERROR',
      `The job failed on node "${nodeId ?? '?'}" with ${remoteName}${remoteCode ? ` (${remoteCode})` : ''}: ${remoteMessage}`,
    );
  }
}

// --- wiring ---
/** A post or update reached a durable worker that is still restoring from its store (status `starting`). */
export class WorkerStartingError extends WorkerNotRunningError {
  constructor(workerId: string, action = 'accept jobs') {
    super(workerId, 'starting', action);
    this.message =
      `Worker "${workerId}" cannot ${action} yet: it is starting (being restored from its store). ` +
      `Wait for it first: \`await runtime.getWorker("${workerId}").ready()\` (or \`await ws.ready()\` on the WorkerState exec returned).`;
  }
}

/** A durable runtime was asked to start a worker implicitly (a post with no exec'd worker for its flow). */
export class DurableWorkerRequiredError extends RoutiluxError {
  constructor(readonly flowName: string) {
    super(
      'DURABLE_WORKER_REQUIRED',
      `No worker runs flow "${flowName}", and a runtime with a store does not start one implicitly: a worker with a ` +
        `random id could never be found again after a restart. Start it with a stable id first: ` +
        `\`const ws = runtime.exec("${flowName}", { workerId: "${flowName}-1" }); await ws.ready();\`, then post.`,
    );
  }
}
