import { FencedOutError, InvalidArgumentError, RoutiluxError, StoreClosedError, StoreConnectionError } from '../errors.js';
import type { BatchOperation, KeyValueStore } from '../stores/types.js';
import { encodeValue } from './codec.js';
import { MAX_LSN, workerKeys, type WorkerKeys } from './keys.js';
import { LOG_FORMAT, readLog, type RestoredLog, type Segment } from './read-log.js';
import { RECORD_TYPES, type DurableRecord } from './records.js';

/** Re-exported: what `WorkerLog.open` and `WorkerLog.restore` read. */
export type { RestoredLog } from './read-log.js';

/** Options of WorkerLog.open: how long callers wait for the store, how failed commits are retried, how big a segment gets. */
export interface WorkerLogOptions {
  /**
   * How long (ms) `whenDurable` / `append` wait for the store before rejecting with StoreConnectionError. The
   * records are not dropped: they are retried until the store takes them. Default 10000.
   */
  readonly storeTimeout?: number;
  /** First delay (ms) before a failed commit is retried; it doubles up to `maxRetryDelay`. Default 20. */
  readonly retryDelay?: number;
  /** Longest delay (ms) between retries of a failed commit. Default 1000. */
  readonly maxRetryDelay?: number;
  /** Most records in one segment (one store write); a longer queue is written in several. Default 5000. */
  readonly maxSegmentRecords?: number;
  /** Runs `flush` once the current event-loop turn is over. Default `setImmediate`. */
  readonly schedule?: (flush: () => void) => void;
  /** Told about every failed commit (it will be retried), e.g. to trace or monitor it. */
  readonly onCommitError?: (error: unknown, attempt: number) => void;
  /**
   * Where commits and compactions are written instead of the store itself (reads still come from the store): a
   * cluster host's fenced writer, which Redis refuses once another node took the worker over. A FencedOutError
   * from it makes the log unusable for good (nothing more is written, every waiter rejects with it).
   */
  readonly writer?: LogWriter;
}

/** The writes a WorkerLog makes: one segment or snapshot (`set`) and compaction's all-or-nothing `batch`. */
export interface LogWriter {
  set(key: string, value: string): Promise<unknown>;
  batch(operations: readonly BatchOperation[]): Promise<unknown>;
}

interface Waiter {
  readonly lsn: number;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Compaction {
  readonly text: string;
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const FORMAT = LOG_FORMAT;

function checkMs(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 2_147_483_647) {
    throw new InvalidArgumentError(`WorkerLog ${name}`, value, `a number of milliseconds from ${min} to 2147483647`);
  }
  return value;
}

/**
 * The append-only durable log of one worker in a key-value store: WorkerState changes and job journal records
 * in one order, numbered by LSN (1, 2, 3, ... without gaps).
 *
 * Group commit: every record enqueued during one event-loop turn goes to the store in ONE write (one key, a
 * segment: atomic on every backend); records enqueued while a write is in flight go in the next one. One write
 * is in flight at a time, so segments land in order.
 *
 * Output gate: `whenDurable(lsn)` resolves only after the write holding `lsn` succeeded. When the store fails,
 * the commit is retried with backoff, the records stay queued in order (later ones join the retried segment,
 * under the same key, so a write that did land is simply rewritten with more), waiters reject with
 * StoreConnectionError after `storeTimeout`, and everything is still committed once the store is back: nothing
 * is reported durable that is not, and nothing enqueued is dropped while the log is open.
 */
export class WorkerLog {
  readonly workerId: string;
  readonly keys: WorkerKeys;
  readonly #writer: LogWriter;
  readonly #storeTimeout: number;
  readonly #retryDelay: number;
  readonly #maxRetryDelay: number;
  readonly #maxSegment: number;
  readonly #schedule: (flush: () => void) => void;
  readonly #onCommitError: ((error: unknown, attempt: number) => void) | undefined;

  /** Encoded records not yet durable; #queue[0] has LSN #durable + 1. */
  #queue: string[] = [];
  #appended: number;
  #durable: number;
  #snapshotUpTo: number;
  #segments: Segment[];
  #writing = false;
  #scheduled = false;
  #failures = 0;
  #lastError: unknown;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #waiters: Waiter[] = [];
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #compactions: Compaction[] = [];
  #fatal: Error | undefined;
  #closed = false;
  #writes = 0;

  private constructor(store: KeyValueStore, workerId: string, keys: WorkerKeys, restored: { upTo: number; last: number; segments: Segment[] }, options: WorkerLogOptions) {
    if (options.writer !== undefined && (typeof options.writer?.set !== 'function' || typeof options.writer.batch !== 'function')) {
      throw new InvalidArgumentError('WorkerLog writer', options.writer, 'an object with set(key, value) and batch(operations)');
    }
    this.#writer = options.writer ?? store;
    this.workerId = workerId;
    this.keys = keys;
    this.#storeTimeout = checkMs('storeTimeout', options.storeTimeout, 10_000, 1);
    this.#retryDelay = checkMs('retryDelay', options.retryDelay, 20, 1);
    this.#maxRetryDelay = checkMs('maxRetryDelay', options.maxRetryDelay, 1000, 1);
    const max = options.maxSegmentRecords ?? 5000;
    if (!Number.isInteger(max) || max < 1) throw new InvalidArgumentError('WorkerLog maxSegmentRecords', max, 'a whole number >= 1');
    this.#maxSegment = max;
    if (options.schedule !== undefined && typeof options.schedule !== 'function') {
      throw new InvalidArgumentError('WorkerLog schedule', options.schedule, 'a function (flush) => void, e.g. setImmediate');
    }
    this.#schedule = options.schedule ?? setImmediate;
    this.#onCommitError = options.onCommitError;
    this.#appended = restored.last;
    this.#durable = restored.last;
    this.#snapshotUpTo = restored.upTo;
    this.#segments = restored.segments;
  }

  /**
   * Reads worker `workerId`'s log from `store` (its snapshot and every segment after it) and opens it for
   * appending after the last record. Throws DurableLogCorruptError when the segments have a gap.
   */
  static async open(store: KeyValueStore, workerId: string, options: WorkerLogOptions = {}): Promise<{ log: WorkerLog; restored: RestoredLog }> {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('WorkerLog options', options, 'an object');
    const keys = workerKeys(workerId);
    const { restored, segments } = await readLog(store, workerId, keys);
    const last = restored.tail.length > 0 ? restored.tail[restored.tail.length - 1]!.lsn : restored.upTo;
    const log = new WorkerLog(store, workerId, keys, { upTo: restored.upTo, last, segments }, options);
    return { log, restored };
  }

  /** Reads worker `workerId`'s log without opening it for writing. */
  static async restore(store: KeyValueStore, workerId: string): Promise<RestoredLog> {
    return (await readLog(store, workerId, workerKeys(workerId))).restored;
  }

  /** Deletes every key of worker `workerId`'s durable data; resolves how many were removed. */
  static async destroy(store: KeyValueStore, workerId: string): Promise<number> {
    return store.deleteMany(await store.keys(workerKeys(workerId).allPattern));
  }

  /** LSN of the last record enqueued. */
  get appendedLsn(): number {
    return this.#appended;
  }

  /** LSN of the last record the store confirmed. */
  get durableLsn(): number {
    return this.#durable;
  }

  /** How many store writes this log has made (commits and compactions, successful or not). */
  get writes(): number {
    return this.#writes;
  }

  /** The error of the last failed commit while the log is failing, else undefined. */
  get lastError(): unknown {
    return this.#failures > 0 ? this.#lastError : undefined;
  }

  /**
   * Queues `record` for the next group commit and returns its LSN. The record is encoded at once: one that
   * cannot be written throws SerializationError here and never enters the log. Throws when the log is closed.
   */
  enqueue(record: DurableRecord): number {
    if (this.#fatal) throw this.#fatal;
    if (this.#closed) throw new RoutiluxError('DURABLE_LOG_CLOSED', `The durable log of worker "${this.workerId}" is closed: open it again with WorkerLog.open(store, workerId).`);
    if (typeof record !== 'object' || record === null || !RECORD_TYPES.has((record as DurableRecord).type)) {
      throw new InvalidArgumentError('durable record', record, `an object whose type is one of ${[...RECORD_TYPES].join(', ')}`);
    }
    if (this.#appended >= MAX_LSN) throw new RoutiluxError('DURABLE_LOG_FULL', `The durable log of worker "${this.workerId}" reached ${MAX_LSN} records.`);
    const text = encodeValue(record, record.type);
    this.#queue.push(text);
    this.#appended++;
    this.#requestFlush();
    return this.#appended;
  }

  /** Enqueues `record` and resolves with its LSN once it is durable (see `whenDurable`). */
  append(record: DurableRecord): Promise<number> {
    let lsn: number;
    try {
      lsn = this.enqueue(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.whenDurable(lsn).then(() => lsn);
  }

  /**
   * Resolves once every record up to `lsn` (default: the last enqueued) is durable. Rejects with
   * StoreConnectionError when the store has not confirmed it within `storeTimeout` (the records stay queued and
   * are still written when the store returns), or with the error that made the log unusable (a closed store).
   */
  whenDurable(lsn: number = this.#appended): Promise<void> {
    if (lsn <= this.#durable) return Promise.resolve();
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (lsn > this.#appended) {
      return Promise.reject(new InvalidArgumentError('whenDurable(lsn)', lsn, `an LSN this log has handed out (at most ${this.#appended})`));
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ lsn, deadline: Date.now() + this.#storeTimeout, resolve, reject });
      if (this.#deadlineTimer === undefined) this.#armDeadline();
    });
  }

  /** Resolves when everything enqueued so far is durable (or rejects as `whenDurable` does). */
  flush(): Promise<void> {
    return this.whenDurable(this.#appended);
  }

  /**
   * Replaces everything up to `upTo` with `snapshot` (any value `encodeValue` keeps; `replay` writes one) once
   * the records up to `upTo` are durable: the snapshot is written first, then the segments it covers are
   * deleted (in one all-or-nothing batch where the store has one). Keeps the store bounded. A failed compaction
   * rejects and changes nothing that restore relies on; the next one removes what it left.
   */
  compact(snapshot: unknown, upTo: number = this.#appended): Promise<void> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (!Number.isInteger(upTo) || upTo < this.#snapshotUpTo || upTo > this.#appended) {
      return Promise.reject(new InvalidArgumentError('compact(snapshot, upTo)', upTo, `an LSN from ${this.#snapshotUpTo} to ${this.#appended}`));
    }
    let text: string;
    try {
      text = `{"v":${FORMAT},"upTo":${upTo},"s":${encodeValue(snapshot, 'snapshot')}}`;
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      this.#compactions.push({ text, upTo, resolve, reject });
      this.#requestFlush();
    });
  }

  /**
   * Writes what is queued, then stops. Rejects (and drops what is left) when the store does not take it within
   * `storeTimeout`. The store itself stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
      while (this.#compactions.length > 0 || this.#writing) await new Promise((r) => setImmediate(r));
    } finally {
      this.#closed = true;
      this.#stopTimers();
      const error = new RoutiluxError('DURABLE_LOG_CLOSED', `The durable log of worker "${this.workerId}" was closed before this was written.`);
      for (const c of this.#compactions.splice(0)) c.reject(error);
      for (const w of this.#waiters.splice(0)) w.reject(error);
    }
  }

  /**
   * Stops writing for good without writing what is queued (its store was closed, or this node no longer owns the
   * worker: another one took it over, and anything written now would be refused). Every waiter and every later call
   * rejects with `error`.
   */
  abandon(error: Error): void {
    if (this.#fatal) return;
    this.#fatal = error;
    this.#stopTimers();
    this.#queue = [];
    for (const w of this.#waiters.splice(0)) w.reject(error);
    for (const c of this.#compactions.splice(0)) c.reject(error);
  }

  #stopTimers(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#retryTimer = undefined;
    this.#deadlineTimer = undefined;
  }

  #requestFlush(): void {
    if (this.#scheduled || this.#writing || this.#retryTimer !== undefined) return;
    this.#scheduled = true;
    this.#schedule(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#writing || this.#closed || this.#fatal) return;
    // A compaction whose records are durable goes first: under a steady load the queue is never empty, and
    // waiting for it would let the log grow without bound. It costs the queued records one write's delay.
    const ready = this.#compactions.findIndex((c) => c.upTo <= this.#durable);
    if (ready >= 0) void this.#compact(this.#compactions.splice(ready, 1)[0]!);
    else if (this.#queue.length > 0) void this.#commit();
  }

  async #commit(): Promise<void> {
    this.#writing = true;
    const first = this.#durable + 1;
    const count = Math.min(this.#queue.length, this.#maxSegment);
    const value = `{"v":${FORMAT},"lsn":${first},"r":[${(count === this.#queue.length ? this.#queue : this.#queue.slice(0, count)).join(',')}]}`;
    this.#writes++;
    try {
      await this.#writer.set(this.keys.segment(first), value);
    } catch (error) {
      this.#writing = false;
      this.#failed(error);
      return;
    }
    this.#writing = false;
    this.#failures = 0;
    this.#queue.splice(0, count);
    this.#durable = first + count - 1;
    // A retried segment keeps its key and grows: record it once.
    const last = this.#segments[this.#segments.length - 1];
    if (last?.first === first) this.#segments[this.#segments.length - 1] = { first, count };
    else this.#segments.push({ first, count });
    this.#release();
    this.#next();
  }

  async #compact(compaction: Compaction): Promise<void> {
    this.#writing = true;
    const covered = this.#segments.filter((s) => s.first + s.count - 1 <= compaction.upTo);
    const operations: BatchOperation[] = [
      { op: 'set', key: this.keys.snapshot, value: compaction.text },
      ...covered.map((s): BatchOperation => ({ op: 'delete', key: this.keys.segment(s.first) })),
    ];
    this.#writes++;
    try {
      // All-or-nothing on every backend: the snapshot never lands without its segments going, nor the reverse.
      await this.#writer.batch(operations);
      this.#snapshotUpTo = compaction.upTo;
      this.#segments = this.#segments.filter((s) => !covered.includes(s));
      compaction.resolve();
    } catch (error) {
      compaction.reject(error);
    } finally {
      this.#writing = false;
    }
    this.#next();
  }

  #next(): void {
    if (this.#queue.length > 0 || this.#compactions.some((c) => c.upTo <= this.#durable)) this.#requestFlush();
  }

  #failed(error: unknown): void {
    this.#failures++;
    this.#lastError = error;
    this.#onCommitError?.(error, this.#failures);
    if (error instanceof StoreClosedError) {
      // The store is gone for good: nothing will ever be written. Say so to everyone waiting.
      return this.abandon(
        new StoreConnectionError(
          `The durable log of worker "${this.workerId}" cannot be written: its store was closed (${error.message}). ` +
            `${this.#queue.length} record(s) were not written. Close the runtime before its store.`,
          { cause: error },
        ),
      );
    }
    if (error instanceof FencedOutError) return this.abandon(error);
    const delay = Math.min(this.#retryDelay * 2 ** Math.min(this.#failures - 1, 20), this.#maxRetryDelay);
    // Ref'd on purpose: a process must not exit quietly while accepted records are still unwritten.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#flush();
    }, delay);
  }

  #release(): void {
    if (this.#waiters.length === 0) return;
    const durable = this.#durable;
    const waiting: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.lsn <= durable) w.resolve();
      else waiting.push(w);
    }
    this.#waiters = waiting;
  }

  #armDeadline(): void {
    const first = this.#waiters.reduce((min, w) => Math.min(min, w.deadline), Infinity);
    if (first === Infinity) return;
    this.#deadlineTimer = setTimeout(() => this.#expire(), Math.max(0, first - Date.now()));
    this.#deadlineTimer.unref();
  }

  #expire(): void {
    this.#deadlineTimer = undefined;
    const now = Date.now();
    const waiting: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.deadline > now) {
        waiting.push(w);
        continue;
      }
      const last = this.#lastError instanceof Error ? ` (last error: ${this.#lastError.message})` : this.#writing ? ' (a write is still in flight)' : '';
      w.reject(
        new StoreConnectionError(
          `The store did not confirm record ${w.lsn} of worker "${this.workerId}"'s durable log within storeTimeout ` +
            `(${this.#storeTimeout} ms)${last}, so it is not reported durable. Nothing is dropped: the log keeps retrying and ` +
            `writes it when the store is back. Check the store, or raise storeTimeout.`,
          { cause: this.#lastError },
        ),
      );
    }
    this.#waiters = waiting;
    if (waiting.length > 0) this.#armDeadline();
  }
}
