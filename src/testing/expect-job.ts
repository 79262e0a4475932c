import { InvalidArgumentError, RoutiluxError } from '../errors.js';
import { JobContext as JobContextClass, type JobContext, type JobStatus } from '../job/job-context.js';

/** Thrown by expectJob(); its message shows the job's status, error and trace tail so a failure explains itself. */
export class JobExpectationError extends RoutiluxError {
  constructor(message: string) {
    super('JOB_EXPECTATION', message);
  }
}

function describeJob(job: JobContext): string {
  const error = job.error instanceof Error ? `${job.error.name}: ${job.error.message}` : job.error === undefined ? 'none' : String(job.error);
  const trace = job.traceLog
    .slice(-5)
    .map((t) => `    ${t.timestamp} ${t.routineId} ${t.action} ${JSON.stringify(t.details)}`)
    .join('\n');
  return `job ${job.jobId}: status ${job.status}, error ${error}${job.failedRoutineId ? ` (in routine "${job.failedRoutineId}")` : ''}\n  last trace entries:\n${trace || '    (none)'}`;
}

/**
 * Assertions on a job that work in any test runner: `expectJob(job).toComplete()`, `.toFail(/message/)`,
 * `.toTimeOut()`, `.toBeCancelled()`, `.toHaveTraced(['routine.retry', ...])`. Each returns the job.
 * @throws InvalidArgumentError when `job` is not a JobContext; the assertions throw JobExpectationError.
 */
export function expectJob(job: JobContext) {
  if (!(job instanceof JobContextClass)) throw new InvalidArgumentError('expectJob(job)', job, 'a JobContext, e.g. the second item post() returns');
  const expectStatus = (status: JobStatus) => {
    if (job.status !== status) throw new JobExpectationError(`expected the job to be ${status}, but it is not:\n${describeJob(job)}`);
    return job;
  };
  return {
    /** The job completed. */
    toComplete: () => expectStatus('completed'),
    /** The job timed out (its post's or its flow's `timeout` elapsed first). */
    toTimeOut: () => expectStatus('timedOut'),
    /** The job was cancelled (job.cancel(), or its worker stopped). */
    toBeCancelled: () => expectStatus('cancelled'),
    /** The job failed; with `message`, its error's message matches it (a substring or a RegExp). */
    toFail(message?: string | RegExp): JobContext {
      expectStatus('failed');
      if (message !== undefined) {
        const actual = job.error instanceof Error ? job.error.message : String(job.error);
        const ok = typeof message === 'string' ? actual.includes(message) : message.test(actual);
        if (!ok) throw new JobExpectationError(`expected the job's error to match ${String(message)}:\n${describeJob(job)}`);
      }
      return job;
    },
    /** The job's trace contains these actions in this order (other entries may come between). */
    toHaveTraced(actions: readonly string[]): JobContext {
      let next = 0;
      for (const entry of job.traceLog) if (entry.action === actions[next]) next++;
      if (next < actions.length) {
        throw new JobExpectationError(`expected the job to have traced ${JSON.stringify(actions)} in order (missing "${actions[next]}"):\n${describeJob(job)}`);
      }
      return job;
    },
  };
}
