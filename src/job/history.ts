import { InvalidArgumentError } from '../errors.js';
import type { JobContext } from './job-context.js';

export interface JobHistoryOptions {
  /** Finished jobs kept for getJob/listJobs. Default 10,000. */
  readonly maxEntries?: number;
  /** How long (ms) a finished job is kept. Default one hour. */
  readonly ttl?: number;
}

/**
 * Records of finished jobs, oldest first, bounded by count and age. Expiry is checked on every add and read, so
 * memory stays flat without a timer.
 */
export class JobHistory {
  readonly #jobs = new Map<string, JobContext>();
  readonly maxEntries: number;
  readonly ttl: number;

  constructor(
    options: JobHistoryOptions,
    private readonly now: () => number,
  ) {
    const { maxEntries = 10_000, ttl = 3_600_000 } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new InvalidArgumentError('jobHistory.maxEntries', maxEntries, 'an integer >= 0');
    if (!(ttl >= 0)) throw new InvalidArgumentError('jobHistory.ttl', ttl, 'a number of milliseconds >= 0');
    this.maxEntries = maxEntries;
    this.ttl = ttl;
  }

  add(job: JobContext): void {
    this.#jobs.set(job.jobId, job);
    this.#prune();
  }

  get(jobId: string): JobContext | undefined {
    this.#prune();
    return this.#jobs.get(jobId);
  }

  values(): JobContext[] {
    this.#prune();
    return [...this.#jobs.values()];
  }

  get size(): number {
    return this.#jobs.size;
  }

  #prune(): void {
    let excess = this.#jobs.size - this.maxEntries;
    const cutoff = this.now() - this.ttl;
    for (const [id, job] of this.#jobs) {
      if (excess <= 0 && (job.completedAt ?? 0) > cutoff) break;
      this.#jobs.delete(id);
      excess--;
    }
  }
}
