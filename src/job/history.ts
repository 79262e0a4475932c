import { InvalidArgumentError } from '../errors.js';
import { RingBuffer } from '../util/ring-buffer.js';
import type { JobContext } from './job-context.js';

/** How long finished jobs stay findable (RuntimeOptions.jobHistory); whichever bound is hit first evicts. */
export interface JobHistoryOptions {
  /** Finished jobs kept for getJob/listJobs. Default 10,000. */
  readonly maxEntries?: number;
  /** How long (ms) a finished job is kept. Default one hour. */
  readonly ttl?: number;
}

/**
 * Records of finished jobs, oldest first, bounded by count and age: a ring buffer in the order jobs finished, and
 * an index by id. Expiry is checked on every add (against the time the added job finished, so adding reads no
 * clock) and on every read, so memory stays flat without a timer.
 */
export class JobHistory {
  readonly #order: RingBuffer<JobContext>;
  readonly #byId = new Map<string, JobContext>();
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
    this.#order = new RingBuffer(maxEntries);
  }

  add(job: JobContext): void {
    if (this.maxEntries === 0) return;
    this.#expire(job.completedAt ?? this.now());
    const evicted = this.#order.push(job);
    if (evicted) this.#forget(evicted);
    this.#byId.set(job.jobId, job);
  }

  get(jobId: string): JobContext | undefined {
    this.#expire(this.now());
    return this.#byId.get(jobId);
  }

  values(): JobContext[] {
    this.#expire(this.now());
    return this.#order.toArray();
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Drops the records that finished `ttl` ms or more before `now`: they are the oldest, at the front. */
  #expire(now: number): void {
    const cutoff = now - this.ttl;
    for (let oldest = this.#order.peek(); oldest && (oldest.completedAt ?? 0) <= cutoff; oldest = this.#order.peek()) {
      this.#forget(this.#order.shift()!);
    }
  }

  #forget(job: JobContext): void {
    // An id can come back once its record has left; only the newest record under an id is indexed.
    if (this.#byId.get(job.jobId) === job) this.#byId.delete(job.jobId);
  }
}
