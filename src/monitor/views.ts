import type { JobContext, JobStatus } from '../job/job-context.js';
import type { WorkerState } from '../state/worker-state.js';

/** A worker as the monitor lists it. */
export interface WorkerSummary {
  readonly workerId: string;
  readonly flowId: string;
  readonly status: string;
  readonly liveJobs: number;
}

/** A job as the monitor lists it: what a table row needs, nothing that grows with the job. */
export interface JobSummary {
  readonly jobId: string;
  readonly workerId: string;
  readonly flowId: string;
  readonly status: JobStatus;
  readonly createdAt: number;
  readonly completedAt: number | null;
  readonly error: unknown;
}

/** Every job status, in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timedOut'];

/** The summary of a worker, given how many of its jobs are live. */
export function workerSummary(worker: WorkerState, liveJobs: number): WorkerSummary {
  return { workerId: worker.workerId, flowId: worker.flowId, status: worker.status, liveJobs };
}

/** The summary of a job (its error reduced to name and message). */
export function jobSummary(job: JobContext): JobSummary {
  return {
    jobId: job.jobId,
    workerId: job.workerId,
    flowId: job.flowId,
    status: job.status,
    createdAt: job.createdAt,
    completedAt: job.completedAt ?? null,
    error: errorView(job.error),
  };
}

/** The whole job, made safe to send as JSON whatever its data holds. */
export function jobDetail(job: JobContext): Record<string, unknown> {
  return toPlainData({
    ...job.toJSON(),
    completedAt: job.completedAt ?? null,
    error: errorView(job.error),
    traceDropped: job.traceDropped,
    outputDropped: job.outputDropped,
  }) as Record<string, unknown>;
}

/** An error as `{ name, message, code? }`, anything else as plain data. */
export function errorView(error: unknown): unknown {
  if (error === undefined || error === null) return null;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { name: error.name, message: error.message, code } : { name: error.name, message: error.message };
  }
  return toPlainData(error);
}

const MAX_DEPTH = 20;

/**
 * A copy that JSON.stringify can always write: job data may hold anything (cycles, BigInt, Map, functions).
 * Cycles and deep nesting become marker strings, Maps and Sets become objects and arrays, Errors `{ name, message }`.
 */
export function toPlainData(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return undefined;
    case 'function':
    case 'symbol':
      return String(value);
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  seen.add(object);
  try {
    if (object instanceof Error) return { name: object.name, message: object.message };
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
    if (Array.isArray(object)) return object.map((item) => toPlainData(item, depth + 1, seen) ?? null);
    if (object instanceof Set) return [...object].map((item) => toPlainData(item, depth + 1, seen) ?? null);
    const entries = object instanceof Map ? [...object].map(([k, v]) => [String(k), v] as const) : Object.entries(object);
    const copy: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const plain = toPlainData(item, depth + 1, seen);
      if (plain !== undefined) copy[key] = plain;
    }
    return copy;
  } finally {
    seen.delete(object);
  }
}
