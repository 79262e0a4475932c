import { InvalidArgumentError, RoutiluxError } from '../errors.js';
import type { FinishedJob } from '../durable/replay.js';
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
