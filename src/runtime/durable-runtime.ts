import { InvalidArgumentError, RoutiluxError } from '../errors.js';
import type { FinishedJob, RestoredJob, RestoredWorker } from '../durable/replay.js';
import { JobRun } from '../job/job-run.js';
import { deepFreeze } from '../serialization/deep-freeze.js';
import type { Worker } from './worker.js';
import type { WorkerDurability } from './worker-durability.js';
import { resolveStore, type ResolvedStore } from '../durable/resolve-store.js';
import { JobContext, jobLifecycle, type JobLimits } from '../job/job-context.js';
import type { KeyValueStore } from '../stores/types.js';
import { MAX_TIMER_DELAY } from '../util/delay.js';

/** The durability options of a Runtime (DESIGN §6.1). */
export interface DurableRuntimeOptions {
  /**
   * Makes workers and jobs durable: a KeyValueStore (SqliteStore, RedisStore, MemoryStore; the caller closes it)
   * or a URL string the runtime opens and closes: `sqlite:./routilux.db`, `redis://127.0.0.1:6379/0`, `memory:`.
   * Without it nothing is stored and nothing is paid.
   */
  readonly store?: KeyValueStore | string;
  /** How long (ms) `accepted()` / `done()` wait for the store before rejecting with StoreConnectionError. Default 10,000. */
  readonly storeTimeout?: number;
  /** How long (ms) an idempotency key is remembered after its job was posted. Default 24 h. */
  readonly idempotencyTtl?: number;
}

/** The checked durability settings of a runtime with a store. */
export interface DurableSettings {
  readonly resolved: ResolvedStore;
  readonly storeTimeout: number | undefined;
  readonly idempotencyTtl: number | undefined;
}

function checkMs(name: string, value: unknown, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`Runtime ${name}`, value, `a number of milliseconds from 1 to ${max}, or leave it out`);
  }
  return value;
}

/** Checks the durability options; undefined without a store (then storeTimeout/idempotencyTtl are refused as meaningless). */
export function checkDurableOptions(options: DurableRuntimeOptions): DurableSettings | undefined {
  const storeTimeout = checkMs('storeTimeout', options.storeTimeout, MAX_TIMER_DELAY);
  const idempotencyTtl = checkMs('idempotencyTtl', options.idempotencyTtl, Number.MAX_SAFE_INTEGER);
  if (options.store === undefined) {
    for (const name of ['storeTimeout', 'idempotencyTtl'] as const) {
      if (options[name] !== undefined) throw new InvalidArgumentError(`Runtime ${name}`, options[name], `left out unless a store is given (add store: "sqlite:./routilux.db" or a store instance)`);
    }
    return undefined;
  }
  return { resolved: resolveStore(options.store), storeTimeout, idempotencyTtl };
}

/** A finished job of a durable worker's restored history, as a JobContext (what getJob answers after a restart). */
export function finishedJobContext(workerId: string, jobId: string, finished: FinishedJob, now: () => number, limits: JobLimits): JobContext {
  const job = new JobContext({ jobId, workerId, flowId: finished.flowId, metadata: Object.freeze({ ...finished.metadata }), now, limits, createdAt: finished.createdAt });
  for (const [key, value] of Object.entries(finished.data)) jobLifecycle.restoreData(job, key, value);
  const error = finished.error ? Object.assign(new RoutiluxError(finished.error.code ?? 'JOB_FAILED', finished.error.message), { name: finished.error.name }) : undefined;
  jobLifecycle.restoreEnd(job, finished.status, error, finished.completedAt);
  return job;
}

/** The job an idempotency key already started on `worker` (live, in history, or in its store), if any. */
export function idempotentJob(worker: Worker, key: string, getJob: (jobId: string) => JobContext | undefined, now: () => number, limits: JobLimits): JobContext | undefined {
  const stored = worker.durability?.log?.findIdempotent(key);
  const jobId = worker.durability ? stored?.jobId : worker.keyedJob(key);
  if (jobId === undefined) return undefined;
  const job = worker.live.get(jobId)?.job ?? getJob(jobId);
  if (job || !stored) return job;
  // Finished longer ago than the bounded history keeps: the key still knows how it ended (not its data).
  const finished: FinishedJob = { jobId, status: stored.status ?? 'completed', flowId: worker.flow.name, routineId: '', slot: '', metadata: {}, createdAt: stored.at, data: {}, completedAt: stored.at };
  return finishedJobContext(worker.id, jobId, finished, now, limits);
}

/** A restored durable worker's unfinished jobs, rebuilt and handed to `start` (which counts and posts each). */
export function resumeJobs(worker: Worker, restored: RestoredWorker, now: () => number, limits: JobLimits, start: (run: JobRun, accepted: RestoredJob['accepted']) => void): void {
  for (const [jobId, stored] of restored.jobs) {
    const { accepted } = stored;
    const job = new JobContext({ jobId, workerId: worker.id, flowId: worker.flow.name, metadata: deepFreeze({ ...accepted.metadata }), now, limits, createdAt: accepted.createdAt });
    const timeout = accepted.deadline !== undefined ? Math.max(0, accepted.deadline - accepted.createdAt) : undefined;
    jobLifecycle.durable(job, { ...worker.durability!.jobHooks, accepted: () => Promise.resolve() });
    start(JobRun.restored(worker, job, worker.flow, stored, timeout), accepted);
  }
}

/**
 * The output gate of a durable job's end: records `job.ended` and calls `release(true)` once it is durable. While
 * the store is out, done() rejects with StoreConnectionError (after storeTimeout) and the gate waits again; a log
 * that can never confirm it (closed, or its store closed) releases it unconfirmed.
 */
export function releaseWhenDurable(durability: WorkerDurability, run: JobRun, shutDown: () => boolean, release: (confirmed: boolean) => void): void {
  const lsn = durability.jobEnded(run.job);
  const settle = (): void => {
    durability.whenDurable(lsn).then(
      () => release(true),
      (error: unknown) => {
        jobLifecycle.unconfirmed(run.job, error);
        const final = lsn < 0 || (error instanceof RoutiluxError && error.code === 'DURABLE_LOG_CLOSED');
        if (!final && !shutDown()) setTimeout(settle, 50);
        else release(false);
      },
    );
  };
  settle();
}

/** A finished job of a restored worker's history (it ended before the restart), as a JobContext. */
export function storedFinishedJob(workers: Iterable<Worker>, jobId: string, now: () => number, limits: JobLimits): JobContext | undefined {
  for (const worker of workers) {
    const stored = worker.durability?.log?.finishedJob(jobId);
    if (stored) return finishedJobContext(worker.id, jobId, stored, now, limits);
  }
  return undefined;
}
