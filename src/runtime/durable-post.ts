import { jobLifecycle, type JobContext } from '../job/job-context.js';
import type { WorkerDurability } from './worker-durability.js';

/**
 * Records a posted job on its durable worker (`job.accepted`: entry item, metadata, ids, absolute deadline,
 * idempotency key) and gates the job's `accepted()` on that record being durable.
 */
export function acceptDurably(
  durability: WorkerDurability,
  job: JobContext,
  routineId: string,
  slot: string,
  data: unknown,
  timeout: number | undefined,
  idempotencyKey: string | undefined,
  reply?: { readonly to: string; readonly requestId: string },
): void {
  const lsn = durability.jobAccepted({
    type: 'job.accepted',
    jobId: job.jobId,
    flowId: job.flowId,
    routineId,
    slot,
    data,
    metadata: job.metadata,
    createdAt: job.createdAt,
    ...(timeout !== undefined ? { deadline: job.createdAt + timeout } : {}),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(reply !== undefined ? { reply } : {}),
  });
  jobLifecycle.durable(job, { ...durability.jobHooks, accepted: () => durability.whenDurable(lsn) });
}
