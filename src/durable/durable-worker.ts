import { InvalidArgumentError } from '../errors.js';
import type { Flow } from '../flow/flow.js';
import type { KeyValueStore } from '../stores/types.js';
import { checkFlowShape, flowShape } from './flow-shape.js';
import type { DurableRecord } from './records.js';
import { WorkerFold, replay, type FinishedJob, type ReplayOptions, type RestoredJob, type RestoredWorker } from './replay.js';
import { WorkerLog, type WorkerLogOptions } from './worker-log.js';

/** Options of DurableWorker.open: the store, worker and flow, the log's and replay's options, and the compaction policy. */
export interface DurableWorkerOptions extends WorkerLogOptions, Omit<ReplayOptions, 'trackState'> {
  readonly store: KeyValueStore;
  readonly workerId: string;
  readonly flow: Flow;
  /** Turns a worker saved with another flow shape into one this flow can run (see checkFlowShape). */
  readonly migrate?: (saved: RestoredWorker) => RestoredWorker;
  /** The live worker's routine states, for snapshots (they are the truth; the fold does not track state). */
  readonly routineStates: () => Readonly<Record<string, unknown>>;
  /** Compact after this many records since the last snapshot. Default 10,000. */
  readonly compactEvery?: number;
}

/** What an idempotency key of this worker points at. */
export interface IdempotentJob {
  readonly jobId: string;
  /** Set while the job is unfinished (restored or live). */
  readonly running?: RestoredJob;
  /** Set when it finished and is still in history. */
  readonly finished?: FinishedJob;
  /** How it ended, kept with the key after its history record was pruned. */
  readonly status?: FinishedJob['status'];
  /** When it was posted. */
  readonly at: number;
}

/**
 * One worker's durability in one object, for the engine: opens and replays the log, checks the flow shape
 * (migrating or throwing FlowShapeChangedError), records `worker.started`, then for every record `record()`
 * appends it and folds it into a WorkerFold (so idempotency keys, history and open activations are known and a
 * snapshot is always at hand), compacting every `compactEvery` records with the live routine states.
 */
export class DurableWorker {
  readonly log: WorkerLog;
  /** What the log held (after migration): the routine states to start from and the unfinished jobs to resume. */
  readonly restored: RestoredWorker;
  readonly #fold: WorkerFold;
  readonly #states: () => Readonly<Record<string, unknown>>;
  readonly #compactEvery: number;
  #sinceCompaction = 0;
  #compacting: Promise<void> | undefined;

  private constructor(log: WorkerLog, restored: RestoredWorker, fold: WorkerFold, options: DurableWorkerOptions) {
    this.log = log;
    this.restored = restored;
    this.#fold = fold;
    this.#states = options.routineStates;
    this.#compactEvery = options.compactEvery ?? 10_000;
  }

  /** Restores worker `workerId` from `store` (or starts it empty) for `flow`. */
  static async open(options: DurableWorkerOptions): Promise<DurableWorker> {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('DurableWorker options', options, 'an object');
    if (typeof options.routineStates !== 'function') {
      throw new InvalidArgumentError('DurableWorker routineStates', options.routineStates, 'a function returning the live routine states');
    }
    const every = options.compactEvery ?? 10_000;
    if (!Number.isInteger(every) || every < 1) throw new InvalidArgumentError('DurableWorker compactEvery', every, 'a whole number >= 1');
    const { store, workerId, flow, migrate, storeTimeout, retryDelay, maxRetryDelay, maxSegmentRecords, schedule, onCommitError, writer, ...replayOptions } = options;
    const shape = flowShape(flow);
    const { log, restored } = await WorkerLog.open(store, workerId, { storeTimeout, retryDelay, maxRetryDelay, maxSegmentRecords, schedule, onCommitError, writer });
    const saved = replay(workerId, restored, replayOptions);
    const worker = checkFlowShape(workerId, saved, shape, migrate);
    const fold = new WorkerFold(workerId, worker, { ...replayOptions, trackState: false });
    const durable = new DurableWorker(log, worker, fold, options);
    durable.record({ type: 'worker.started', flow: shape, at: (options.now ?? Date.now)() });
    // A migrated worker differs from its log: its snapshot must be written before anything else relies on it.
    if (worker !== saved) await log.compact(fold.snapshot(worker.routineStates), log.appendedLsn);
    return durable;
  }

  /**
   * Appends `record` (group-committed) and folds it in; returns its LSN for `whenDurable`. For an `update`
   * call, pass the routine's new state as `updateResult`. Throws what WorkerLog.enqueue throws.
   */
  record(record: DurableRecord, updateResult?: unknown): number {
    const lsn = this.log.enqueue(record);
    this.#fold.apply(record, lsn, updateResult);
    if (++this.#sinceCompaction >= this.#compactEvery && this.#compacting === undefined) void this.compact().catch(() => undefined);
    return lsn;
  }

  /** The output gate: resolves once every record up to `lsn` (default: all) is durable. */
  whenDurable(lsn?: number): Promise<void> {
    return this.log.whenDurable(lsn);
  }

  /** The job an idempotency key started, if this worker still remembers it (live, restored or finished). */
  findIdempotent(key: string): IdempotentJob | undefined {
    const entry = this.#fold.worker.idempotency.get(key);
    if (!entry) return undefined;
    const running = this.#fold.worker.jobs.get(entry.jobId);
    const finished = this.#fold.worker.history.get(entry.jobId);
    return { jobId: entry.jobId, at: entry.at, ...(entry.status ? { status: entry.status } : {}), ...(running ? { running } : {}), ...(finished ? { finished } : {}) };
  }

  /** A finished job of this worker's history (restored ones included), by id. */
  finishedJob(jobId: string): FinishedJob | undefined {
    return this.#fold.worker.history.get(jobId);
  }

  /** Writes a snapshot of everything recorded so far (with the live routine states) and drops the log it covers. */
  compact(): Promise<void> {
    // One at a time; one asked for meanwhile covers what was recorded since (the running one may not).
    if (this.#compacting) return this.#compacting.catch(() => undefined).then(() => this.compact());
    this.#sinceCompaction = 0;
    const done = this.log.compact(this.#fold.snapshot(this.#states()), this.log.appendedLsn);
    this.#compacting = done.finally(() => (this.#compacting = undefined));
    return this.#compacting;
  }

  /** Writes what is queued and closes the log (the store stays open). */
  close(): Promise<void> {
    return this.log.close();
  }
}
