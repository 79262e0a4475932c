import { RoutiluxError, list, describe } from './base.js';

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
      `Worker "${workerId}" cannot ${action}: it is ${status}. ` +
        (status === 'standby' || status === 'handingOver'
          ? 'Another node of the cluster hosts it: posts to it are routed to its host; await ws.ready() to act on it here once this node hosts it.'
          : 'Start a new worker with runtime.exec(flow), or resume it if it is paused.'),
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
