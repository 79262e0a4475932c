import type { Span } from '@opentelemetry/api';
import type { JobContext } from '../job/job-context.js';
import type { RuntimeHooks } from '../runtime/hooks.js';
import { loadOpenTelemetry, type OpenTelemetryApi } from './load-otel.js';
import { parentContextOf } from './traceparent.js';

/** The tracer's instrumentation scope name. */
export const TRACER_NAME = 'routilux';

/** Span and attribute names, as tracing backends will show them. */
export const SPAN = { job: 'routilux.job', routine: 'routilux.routine' } as const;

/** The attributes set on routilux spans. */
export const ATTRIBUTE = {
  jobId: 'routilux.job_id',
  workerId: 'routilux.worker_id',
  flowId: 'routilux.flow_id',
  routineId: 'routilux.routine_id',
  attempt: 'routilux.attempt',
  status: 'routilux.status',
} as const;

// What a job ended as that counts as a failure of the span (cancelled is the caller's choice, not a failure).
const FAILED = new Set(['failed', 'timedOut']);

/**
 * Hooks that make each job a span `routilux.job` (child of the `traceparent` in its metadata, if any) and each
 * activation a child span `routilux.routine`. Spans are kept beside the job, never on it, and dropped with it.
 * `api` defaults to `@opentelemetry/api` (OptionalPackageMissingError if it is not installed).
 */
export function createTracingHooks(api: OpenTelemetryApi = loadOpenTelemetry()): RuntimeHooks {
  const tracer = api.trace.getTracer(TRACER_NAME);
  const jobSpans = new WeakMap<JobContext, Span>();
  // One routine can have several activations open at once in a job (async logic): a queue per routine and attempt.
  const routineSpans = new WeakMap<JobContext, Map<string, Span[]>>();

  const fail = (span: Span, error: unknown): void => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  };

  return {
    onJobStart(job) {
      const span = tracer.startSpan(
        SPAN.job,
        { attributes: { [ATTRIBUTE.jobId]: job.jobId, [ATTRIBUTE.workerId]: job.workerId, [ATTRIBUTE.flowId]: job.flowId } },
        parentContextOf(api, job.metadata),
      );
      jobSpans.set(job, span);
    },
    onJobEnd(job) {
      const span = jobSpans.get(job);
      if (!span) return;
      jobSpans.delete(job);
      span.setAttribute(ATTRIBUTE.status, job.status);
      if (FAILED.has(job.status)) fail(span, job.error);
      span.end();
    },
    onRoutineStart({ job, routineId, attempt }) {
      const parent = jobSpans.get(job);
      const context = parent ? api.trace.setSpan(api.ROOT_CONTEXT, parent) : parentContextOf(api, job.metadata);
      const span = tracer.startSpan(
        SPAN.routine,
        { attributes: { [ATTRIBUTE.jobId]: job.jobId, [ATTRIBUTE.workerId]: job.workerId, [ATTRIBUTE.routineId]: routineId, [ATTRIBUTE.attempt]: attempt } },
        context,
      );
      let open = routineSpans.get(job);
      if (!open) routineSpans.set(job, (open = new Map()));
      const key = `${attempt}:${routineId}`;
      const queue = open.get(key);
      if (queue) queue.push(span);
      else open.set(key, [span]);
    },
    onRoutineEnd(info) {
      const { job, routineId, attempt } = info;
      const open = routineSpans.get(job);
      const key = `${attempt}:${routineId}`;
      const queue = open?.get(key);
      const span = queue?.shift();
      if (!span) return;
      if (queue!.length === 0) open!.delete(key);
      if ('error' in info) fail(span, info.error);
      span.end();
    },
  };
}
