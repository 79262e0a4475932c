import { formatWithOptions } from 'node:util';
import type { JobOutcome } from '../../machines/job.machine.js';
import { assertId } from '../util/args.js';
import { BoundedLog } from '../util/bounded-log.js';

/**
 * Where a job is: `pending` until its first logic starts (waiting for a concurrency slot or a paused worker),
 * `running`, then one of the final outcomes `completed`, `failed`, `cancelled` or `timedOut`.
 */
export type JobStatus = 'pending' | 'running' | JobOutcome;

/** One line of a job's trace (job.traceLog): what happened, where and when. */
export interface TraceEntry {
  /** ms since the epoch, on the runtime's clock. */
  readonly timestamp: number;
  /** The routine concerned; `''` for the job as a whole. */
  readonly routineId: string;
  /** What happened, dotted, e.g. `routine.retry`, `emit.vetoed`, `job.timedOut`. */
  readonly action: string;
  /** Action-specific data (attempt, error message, event name…). */
  readonly details: unknown;
}

/** Per-job caps that keep a long or chatty job's memory bounded (RuntimeOptions.jobLimits). */
export interface JobLimits {
  /** Trace entries kept per job (the oldest go first). Default 1,000. */
  readonly maxTraceEntries: number;
  /** Output lines kept per job (the oldest go first). Default 1,000. */
  readonly maxOutputLines: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = Object.freeze({ maxTraceEntries: 1000, maxOutputLines: 1000 });

export interface JobContextInit {
  readonly jobId: string;
  readonly workerId: string;
  readonly flowId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly now: () => number;
  readonly limits: JobLimits;
  /** When it was created, if not now (a job restored from a durable worker's log). */
  readonly createdAt?: number;
}

/**
 * What a durable worker adds to a job: the output gate of its acceptance, and the journaling of the job's own
 * runtime calls (`setData`, `trace`) made by an activation (false: replayed from the journal, do not repeat it).
 */
export interface DurableJobHooks {
  accepted(): Promise<void>;
  setData(job: JobContext, key: string, value: unknown): boolean;
  trace(job: JobContext, entry: TraceEntry): boolean;
}

/** What a live job lets its context do to it. */
export interface JobControl {
  cancel(reason: unknown): void;
}

const EMPTY: readonly never[] = Object.freeze([]);
const FINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled', 'timedOut']);

let started: (job: JobContext) => void;
let attach: (job: JobContext, control: JobControl | undefined) => void;
let finished: (job: JobContext, outcome: JobOutcome, error: unknown, failedRoutineId: string | undefined, unconsumed: UnconsumedData | undefined) => void;
let released: (job: JobContext) => void;
let durable: (job: JobContext, hooks: DurableJobHooks) => void;
let unconfirmed: (job: JobContext, error: unknown) => void;
let restoreTrace: (job: JobContext, entry: unknown) => void;
let restoreData: (job: JobContext, key: string, value: unknown) => void;
let restoreEnd: (job: JobContext, outcome: JobOutcome, error: unknown, completedAt: number) => void;

/** Data left in slot queues when a job ended, by "routineId.slotName". */
export type UnconsumedData = Readonly<Record<string, readonly unknown[]>>;

/**
 * One job's own world: its metadata, data, trace and output, visible only to that job's logic (via
 * getCurrentJob()) and to whoever holds this object. It outlives the job's actor as a record in the runtime's
 * bounded history.
 */
export class JobContext {
  readonly jobId: string;
  readonly workerId: string;
  readonly flowId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;

  #status: JobStatus = 'pending';
  #error: unknown;
  #failedRoutineId: string | undefined;
  #completedAt: number | undefined;
  #unconsumed: UnconsumedData | undefined;
  // Allocated on first use: most jobs never touch some of them, and a job's size decides how many can be live.
  #data: Map<string, unknown> | undefined;
  #trace: BoundedLog<TraceEntry> | undefined;
  #output: BoundedLog<string> | undefined;
  #abort: AbortController | undefined;
  #done: { promise: Promise<JobContext>; resolve: (job: JobContext) => void; reject: (error: unknown) => void } | undefined;
  /** Set on a durable worker's job; its `unconfirmed` says why its end is not durable yet (done() rejects with it). */
  #durable: (DurableJobHooks & { unconfirmed?: unknown }) | undefined;
  #released = false;
  #control: JobControl | undefined;
  readonly #now: () => number;
  readonly #limits: JobLimits;

  static {
    started = (job) => {
      job.#status = 'running';
    };
    attach = (job, control) => {
      job.#control = control;
    };
    finished = (job, outcome, error, failedRoutineId, unconsumed) => {
      job.#status = outcome;
      job.#error = error;
      job.#failedRoutineId = failedRoutineId;
      job.#unconsumed = unconsumed;
      job.#completedAt = job.#now();
      job.#control = undefined;
      if (outcome !== 'completed') job.#abort?.abort(error);
    };
    released = (job) => {
      job.#released = true;
      if (job.#durable) job.#durable.unconfirmed = undefined;
      job.#done?.resolve(job);
    };
    durable = (job, hooks) => {
      job.#durable = hooks; // a fresh object per job (the worker makes one): it also carries `unconfirmed`
    };
    unconfirmed = (job, error) => {
      if (job.#durable) job.#durable.unconfirmed = error;
      const done = job.#done;
      job.#done = undefined;
      done?.reject(error);
    };
    restoreTrace = (job, entry) => {
      (job.#trace ??= new BoundedLog(job.#limits.maxTraceEntries)).append(Object.freeze(entry as TraceEntry));
    };
    restoreData = (job, key, value) => {
      (job.#data ??= new Map()).set(key, value);
    };
    restoreEnd = (job, outcome, error, completedAt) => {
      job.#status = outcome;
      job.#error = error;
      job.#completedAt = completedAt;
      job.#released = true;
    };
  }

  /** @internal Created by the runtime for each post(); reach a job with getCurrentJob() or runtime.getJob(). */
  constructor(init: JobContextInit) {
    this.jobId = init.jobId;
    this.workerId = init.workerId;
    this.flowId = init.flowId;
    this.metadata = init.metadata;
    this.#now = init.now;
    this.#limits = init.limits;
    this.createdAt = init.createdAt ?? init.now();
  }

  /**
   * Resolves with this context once the job is recorded in the worker's store: from then on it survives a crash
   * (DESIGN §6.1). At once without a store. Rejects with StoreConnectionError when the store did not confirm it
   * within `storeTimeout` (the record is still written when the store returns).
   */
  accepted(): Promise<JobContext> {
    const hooks = this.#durable;
    return hooks ? hooks.accepted().then(() => this) : Promise.resolve(this);
  }

  /** `pending → running → completed | failed | cancelled | timedOut` */
  get status(): JobStatus {
    return this.#status;
  }

  get isFinished(): boolean {
    return FINAL.has(this.#status);
  }

  /** Why the job failed, timed out (JobTimeoutError) or was cancelled (JobCancelledError). */
  get error(): unknown {
    return this.#error;
  }

  /** The routine whose logic threw, when the job failed that way. */
  get failedRoutineId(): string | undefined {
    return this.#failedRoutineId;
  }

  get completedAt(): number | undefined {
    return this.#completedAt;
  }

  /** Items still queued in slots when the job ended (a policy never took them): reported, never dropped silently. */
  get unconsumed(): UnconsumedData | undefined {
    return this.#unconsumed;
  }

  /** Stores `value` under `key` in this job's own data (a key is any non-empty string, `constructor` included). */
  setData(key: string, value: unknown): void {
    assertId('setData(key)', key);
    if (this.#durable && !this.#durable.setData(this, key, value)) return;
    (this.#data ??= new Map()).set(key, value);
  }

  /** The value set under `key`, else `defaultValue` (undefined when none is given). */
  getData<T = unknown>(key: string): T | undefined;
  getData<T>(key: string, defaultValue: T): T;
  getData<T>(key: string, defaultValue?: T): T | undefined {
    assertId('getData(key)', key);
    return (this.#data?.has(key) ? this.#data.get(key) : defaultValue) as T | undefined;
  }

  /** Whether `key` was set in this job's data. */
  hasData(key: string): boolean {
    assertId('hasData(key)', key);
    return this.#data?.has(key) ?? false;
  }

  /** A snapshot of the job's data. */
  get data(): Readonly<Record<string, unknown>> {
    return Object.freeze(this.#data ? Object.fromEntries(this.#data) : {});
  }

  /** Records a step of the job (kept up to `jobLimits.maxTraceEntries`; the oldest go first). */
  trace(routineId: string, action: string, details?: unknown): void {
    const entry = Object.freeze({ timestamp: this.#now(), routineId, action, details });
    if (this.#durable && !this.#durable.trace(this, entry)) return;
    (this.#trace ??= new BoundedLog(this.#limits.maxTraceEntries)).append(entry);
  }

  /** The trace, oldest first (a frozen snapshot). */
  get traceLog(): readonly TraceEntry[] {
    return this.#trace?.entries ?? EMPTY;
  }

  /** How many of the oldest trace entries were dropped to keep the log within its bound. */
  get traceDropped(): number {
    return this.#trace?.dropped ?? 0;
  }

  /** Appends a line to this job's output (formatted like console.log). */
  log(...args: unknown[]): void {
    this.appendOutput(formatWithOptions({ colors: false }, ...args));
  }

  /** @internal used by captureConsole(); prefer log(). */
  appendOutput(line: string): void {
    (this.#output ??= new BoundedLog(this.#limits.maxOutputLines)).append(line);
  }

  /** The captured output lines, oldest first (a frozen snapshot). */
  get output(): readonly string[] {
    return this.#output?.entries ?? EMPTY;
  }

  /** How many of the oldest output lines were dropped to keep the output within its bound. */
  get outputDropped(): number {
    return this.#output?.dropped ?? 0;
  }

  /** Aborted when the job is cancelled, times out or fails; long-running logic should listen to it. */
  get signal(): AbortSignal {
    if (!this.#abort) {
      this.#abort = new AbortController();
      if (this.isFinished && this.#status !== 'completed') this.#abort.abort(this.#error);
    }
    return this.#abort.signal;
  }

  /** Resolves with this context once the job has ended and left the worker (whatever its outcome). */
  done(): Promise<JobContext> {
    if (this.#released) return Promise.resolve(this);
    // On a durable worker whose store is out: its end is not confirmed durable; done() says so until it is.
    const unconfirmed = this.#durable?.unconfirmed;
    if (unconfirmed !== undefined) return Promise.reject(unconfirmed);
    if (!this.#done) {
      let resolve!: (job: JobContext) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<JobContext>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#done = { promise, resolve, reject };
    }
    return this.#done.promise;
  }

  /** Ends the job as `cancelled` (running logic sees `signal` aborted). Returns false if it had already ended. */
  cancel(reason: unknown = 'cancelled by the caller'): boolean {
    if (!this.#control) return false;
    this.#control.cancel(reason);
    return true;
  }

  /** The job as plain data (ids, status, metadata, data, times, error as `{ name, message }`, …) for logs and APIs. */
  toJSON(): Record<string, unknown> {
    return {
      jobId: this.jobId,
      workerId: this.workerId,
      flowId: this.flowId,
      status: this.#status,
      metadata: this.metadata,
      data: this.data,
      createdAt: this.createdAt,
      completedAt: this.#completedAt,
      error: this.#error instanceof Error ? { name: this.#error.name, message: this.#error.message } : this.#error,
      failedRoutineId: this.#failedRoutineId,
      unconsumed: this.#unconsumed,
      traceLog: this.traceLog,
      output: this.output,
    };
  }
}

/** Internal lifecycle hooks for the job driver; not exported from the package. */
export const jobLifecycle = {
  started: (job: JobContext) => started(job),
  attach: (job: JobContext, control: JobControl | undefined) => attach(job, control),
  finished: (job: JobContext, outcome: JobOutcome, error: unknown, failedRoutineId: string | undefined, unconsumed: UnconsumedData | undefined) =>
    finished(job, outcome, error, failedRoutineId, unconsumed),
  released: (job: JobContext) => released(job),
  /** Makes the job durable (see DurableJobHooks). */
  durable: (job: JobContext, hooks: DurableJobHooks) => durable(job, hooks),
  /** Its end could not be confirmed durable in time: done() rejects with `error` until it is released. */
  unconfirmed: (job: JobContext, error: unknown) => unconfirmed(job, error),
  restoreTrace: (job: JobContext, entry: unknown) => restoreTrace(job, entry),
  restoreData: (job: JobContext, key: string, value: unknown) => restoreData(job, key, value),
  /** A finished job rebuilt from a durable worker's history. */
  restoreEnd: (job: JobContext, outcome: JobOutcome, error: unknown, completedAt: number) => restoreEnd(job, outcome, error, completedAt),
};
