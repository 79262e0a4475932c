import { InvalidArgumentError } from '../errors.js';
import type { JobContext, JobStatus } from '../job/job-context.js';
import { JOB_STATUSES } from './views.js';

/** A page of the job list: filters, a search text, and where the page starts. */
export interface JobQuery {
  readonly status?: JobStatus;
  readonly workerId?: string;
  readonly q?: string;
  readonly limit: number;
  readonly offset: number;
}

/** The default and the largest page size the monitor serves. */
export const PAGE = { defaultLimit: 100, maxLimit: 1000 } as const;

/** Reads `status`, `workerId`, `q`, `limit` and `offset` from query parameters; bad values are InvalidArgumentError. */
export function readJobQuery(params: (name: string) => string | undefined): JobQuery {
  const status = params('status') || undefined;
  if (status !== undefined && !JOB_STATUSES.includes(status as JobStatus)) {
    throw new InvalidArgumentError('status', status, `one of ${JOB_STATUSES.join(', ')} (or leave it out)`);
  }
  return {
    status: status as JobStatus | undefined,
    workerId: params('workerId') || undefined,
    q: params('q')?.trim() || undefined,
    limit: integer(params('limit'), 'limit', PAGE.defaultLimit, 1, PAGE.maxLimit),
    offset: integer(params('offset'), 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

function integer(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(name, text, `an integer from ${min} to ${max}`);
  return value;
}

/**
 * The matching jobs, newest first, and how many match in all. `q` matches (case-insensitively, as a substring)
 * the job id or any top-level metadata value that is a string, number or boolean.
 */
export function queryJobs(jobs: readonly JobContext[], query: JobQuery): { page: JobContext[]; total: number } {
  const needle = query.q?.toLowerCase();
  const matching: JobContext[] = [];
  // History is oldest first and live jobs come after it: walking backwards gives newest first.
  for (let i = jobs.length - 1; i >= 0; i--) {
    const job = jobs[i]!;
    if (query.status !== undefined && job.status !== query.status) continue;
    if (query.workerId !== undefined && job.workerId !== query.workerId) continue;
    if (needle !== undefined && !matches(job, needle)) continue;
    matching.push(job);
  }
  matching.sort((a, b) => b.createdAt - a.createdAt);
  return { page: matching.slice(query.offset, query.offset + query.limit), total: matching.length };
}

function matches(job: JobContext, needle: string): boolean {
  if (job.jobId.toLowerCase().includes(needle)) return true;
  for (const value of Object.values(job.metadata)) {
    if ((typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && String(value).toLowerCase().includes(needle)) return true;
  }
  return false;
}
