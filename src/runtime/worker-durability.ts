import type { Patch } from 'immer';
import { RoutiluxError } from '../errors.js';
import { DurableWorker } from '../durable/durable-worker.js';
import { recordError, type ActivationOutcome, type DurableRecord, type RecordedDelivery, type StateChange, type TimerKind } from '../durable/records.js';
import type { RestoredWorker } from '../durable/replay.js';
import { JournalCursor } from '../durable/journal-cursor.js';
import type { Flow } from '../flow/flow.js';
import { executionScope } from '../job/current-job.js';
import type { DurableJobHooks, JobContext, TraceEntry } from '../job/job-context.js';
import type { ActivationJournal, JobJournal } from '../job/job-journal.js';
import { deepFreeze } from '../serialization/deep-freeze.js';
import type { StateChange as AppliedChange } from '../state/apply-update.js';
import type { DurableStateHooks } from '../state/worker-state.js';
import type { KeyValueStore } from '../stores/types.js';
import type { LogWriter } from '../durable/worker-log.js';

/** What `record` returns when the log can never be written again: `whenDurable` rejects for it. */
const UNWRITABLE = -1;

/** What a durable worker is opened with (from the runtime's options and exec's). */
export interface DurabilityOptions {
  readonly store: KeyValueStore;
  readonly storeTimeout?: number;
  readonly idempotencyTtl?: number;
  readonly historyLimit?: number;
  readonly historyTtl?: number;
  readonly now: () => number;
  readonly migrate?: (saved: RestoredWorker) => RestoredWorker;
  /** A cluster host's fenced writes (the log is read from `store`, written through this). */
  readonly writer?: LogWriter;
  /** Told when a write is refused because another node took the worker over (FencedOutError). */
  readonly onFencedOut?: (error: Error) => void;
}

/**
 * One worker's durability (DESIGN §6.1), between the engine and its log: it journals WorkerState changes (as
 * `state.patch`, or as an activation's `update` call), activations, their runtime calls and timers
 * (JobJournal), and jobs' acceptance and end; it gates `accepted()` on durability, and replays a re-run's
 * committed calls instead of repeating them. Records go to a DurableWorker (one group commit per event-loop turn).
 * After close (the worker is suspended on shutdown) nothing more is recorded: what is left resumes next time.
 */
export class WorkerDurability implements JobJournal, DurableStateHooks {
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (error: unknown) => void;
  #durable: DurableWorker | undefined;
  #closed = false;
  /** Set once the log can never be written again (its store was closed under it). */
  #unwritable: Error | undefined;
  /** The change the worker's last `state.update` applied (set by `applied`, read right after the send). */
  #change: AppliedChange | undefined;
  /** The next seq of each live job's activations. */
  readonly #nextSeq = new Map<string, number>();
  readonly jobHooks: DurableJobHooks;

  constructor(
    readonly workerId: string,
    private readonly options: DurabilityOptions,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    // A worker that never becomes ready must not leave an unhandled rejection when nobody awaits ready().
    this.ready.catch(() => undefined);
    const self = this;
    this.jobHooks = {
      accepted: () => Promise.reject(new Error('accepted() is gated per job')),
      setData: (job, key, value) => self.#journalCall(job, 'setData', key, value),
      trace: (job, entry) => self.#journalCall(job, 'trace', entry.action, entry),
    };
  }

  /** The DurableWorker once open. */
  get log(): DurableWorker | undefined {
    return this.#durable;
  }

  /** Reads the worker's log (restoring what it holds); `routineStates` gives the live states for snapshots. */
  async open(flow: Flow, routineStates: () => Readonly<Record<string, unknown>>): Promise<RestoredWorker> {
    const o = this.options;
    try {
      this.#durable = await DurableWorker.open({
        store: o.store,
        workerId: this.workerId,
        flow,
        routineStates,
        now: o.now,
        ...(o.migrate ? { migrate: o.migrate } : {}),
        ...(o.writer ? { writer: o.writer } : {}),
        ...(o.onFencedOut ? { onCommitError: (error: unknown) => this.#commitFailed(error) } : {}),
        ...(o.storeTimeout !== undefined ? { storeTimeout: o.storeTimeout } : {}),
        ...(o.idempotencyTtl !== undefined ? { idempotencyTtl: o.idempotencyTtl } : {}),
        ...(o.historyLimit !== undefined ? { historyLimit: o.historyLimit } : {}),
        ...(o.historyTtl !== undefined ? { historyTtl: o.historyTtl } : {}),
      });
    } catch (error) {
      this.#rejectReady(error);
      throw error;
    }
    for (const [jobId, job] of this.#durable.restored.jobs) this.#nextSeq.set(jobId, job.nextSeq);
    return this.#durable.restored;
  }

  #commitFailed(error: unknown): void {
    if (error instanceof RoutiluxError && error.code === 'FENCED_OUT') this.options.onFencedOut?.(error);
  }

  /**
   * This node no longer hosts the worker: nothing more is written (not even what is queued: another node owns
   * the log now), and every gate rejects with `error`, so no output of the in-flight work leaves as if durable.
   */
  discard(error: Error): void {
    if (this.#unwritable) return;
    this.#closed = true;
    this.#unwritable = error;
    this.#durable?.log.abandon(error);
    this.#rejectReady(error);
  }

  /** The worker is restored and running. */
  markReady(): void {
    this.#resolveReady();
  }

  /** Restoring failed after the log was read. */
  markFailed(error: unknown): void {
    this.#rejectReady(error);
  }

  /** Appends `record` unless the log is closed or not open; returns its LSN (0 when not recorded). */
  record(record: DurableRecord, updateResult?: unknown): number {
    if (this.#unwritable) return UNWRITABLE;
    if (this.#closed || !this.#durable) return 0;
    try {
      return this.#durable.record(record, updateResult);
    } catch (error) {
      // A value that cannot be stored is the caller's error; a log that can never be written again (its store
      // was closed) is not: the work goes on in memory, and every gate says it is not durable.
      if (!(error instanceof RoutiluxError) || (error.code !== 'STORE_CONNECTION' && error.code !== 'DURABLE_LOG_CLOSED' && error.code !== 'FENCED_OUT')) throw error;
      this.#unwritable = error;
      return UNWRITABLE;
    }
  }

  /** The output gate: resolves once `lsn` is durable (rejects with StoreConnectionError after storeTimeout). */
  whenDurable(lsn: number): Promise<void> {
    if (lsn === UNWRITABLE) return Promise.reject(this.#unwritable);
    if (lsn === 0 || !this.#durable) return Promise.resolve();
    return this.#durable.whenDurable(lsn);
  }

  /** A job was posted: records it; its seq counter starts. */
  jobAccepted(record: Extract<DurableRecord, { type: 'job.accepted' }>): number {
    this.#nextSeq.set(record.jobId, 1);
    return this.record(record);
  }

  /** A job ended: records its summary (history keeps it; its journal is compacted away). */
  jobEnded(job: JobContext): number {
    this.#nextSeq.delete(job.jobId);
    const status = job.status === 'pending' || job.status === 'running' ? 'cancelled' : job.status;
    return this.record({
      type: 'job.ended',
      jobId: job.jobId,
      status,
      ...(job.error !== undefined ? { error: recordError(job.error) } : {}),
      data: job.data,
      completedAt: job.completedAt ?? this.options.now(),
    });
  }

  /** Writes what is queued and stops recording (the worker is suspended: its unfinished jobs resume next time). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#durable?.close();
  }

  // ---- DurableStateHooks: every WorkerState update ----

  update(routineId: string, apply: () => unknown): unknown {
    const scope = executionScope.getStore();
    // Only an activation of this worker's own jobs journals it as its call (another worker's logic may update us).
    const journal = scope?.job.workerId === this.workerId ? scope.activation?.journal : undefined;
    // Logic of a job this worker ran before it lost its host role (a new WorkerDurability since) must change nothing.
    if (journal && journal.owner !== this) throw this.#staleUpdate(scope!.job.jobId);
    if (this.#unwritable && this.#closed) throw this.#unwritable;
    const jobId = journal ? scope!.job.jobId : undefined;
    let index = -1;
    if (journal) {
      const step = journal.cursor.next('update', routineId);
      if (step.replay) return deepFreeze(step.result);
      if (step.diverged) this.diverged(jobId!, journal, step.index, step.diverged.expected, step.diverged.actual);
      index = step.index;
    }
    this.#change = undefined;
    try {
      return apply();
    } finally {
      const applied = this.#change as AppliedChange | undefined;
      const change = applied ? toStateChange(applied) : undefined;
      this.#change = undefined;
      if (journal) {
        // Recorded even when nothing changed (or the recipe threw): a re-run must meet its calls in the same places.
        this.record({ type: 'activation.call', jobId: jobId!, seq: journal.seq, index, kind: 'update', target: routineId, ...(change ? { change } : {}) }, applied?.value);
      } else if (change) this.record({ type: 'state.patch', ...change });
    }
  }

  /** Given to applyStateEvent as `onApplied`: the change just applied. */
  readonly applied = (change: AppliedChange): void => {
    this.#change = change;
  };

  // ---- JobJournal ----

  activationStarted(jobId: string, routineId: string, attempt: number, items: Readonly<Record<string, readonly unknown[]>>, message: unknown, retryOf?: number): ActivationJournal {
    const seq = this.#nextSeq.get(jobId) ?? 1;
    this.#nextSeq.set(jobId, seq + 1);
    this.record({
      type: 'activation.start',
      jobId,
      seq,
      routineId,
      attempt,
      items: retryOf !== undefined ? {} : items,
      ...(message !== undefined ? { message } : {}),
      ...(retryOf !== undefined ? { retryOf } : {}),
    });
    return { seq, cursor: new JournalCursor(jobId, seq), owner: this };
  }

  call(jobId: string, journal: ActivationJournal, index: number, kind: 'emit' | 'setData' | 'trace', target: string, extra: { deliveries?: readonly RecordedDelivery[]; value?: unknown }): void {
    this.record({ type: 'activation.call', jobId, seq: journal.seq, index, kind, target, ...extra });
  }

  diverged(jobId: string, journal: ActivationJournal, index: number, expected: string | undefined, actual: string): void {
    this.record({ type: 'activation.diverged', jobId, seq: journal.seq, index, ...(expected !== undefined ? { expected } : {}), actual });
    // Traced on the job by the worker, past the journal (the trace is about the journal, not a call of the logic).
    this.#traceDivergence?.(jobId, { seq: journal.seq, index, expected, actual });
  }

  /** Set by the worker: traces `journal.diverged` on the job. */
  #traceDivergence: ((jobId: string, details: unknown) => void) | undefined;
  set onDiverged(fn: (jobId: string, details: unknown) => void) {
    this.#traceDivergence = fn;
  }

  activationEnded(jobId: string, seq: number, outcome: ActivationOutcome, error?: unknown): void {
    this.record({ type: 'activation.end', jobId, seq, outcome, ...(error !== undefined ? { error: recordError(error) } : {}) });
  }

  timerSet(jobId: string, timerId: string, kind: TimerKind, deadline: number, seq?: number, routineId?: string): void {
    this.record({ type: 'timer.set', jobId, timerId, kind, deadline, ...(seq !== undefined ? { seq } : {}), ...(routineId !== undefined ? { routineId } : {}) });
  }

  timerCleared(jobId: string, timerId: string): void {
    this.record({ type: 'timer.cleared', jobId, timerId });
  }

  #staleUpdate(jobId: string): Error {
    return (
      this.#unwritable ??
      new RoutiluxError('WORKER_HANDED_OVER', `Job "${jobId}" of worker "${this.workerId}" ran on this node before the worker moved; its state update is discarded (the worker's host resumes the job).`)
    );
  }

  /** setData / trace made by an activation of `job`: journaled through its cursor; false when replayed. */
  #journalCall(job: JobContext, kind: 'setData' | 'trace', target: string, value: unknown): boolean {
    const scope = executionScope.getStore();
    const journal = scope?.job === job ? scope.activation?.journal : undefined;
    if (!journal) return true;
    const step = journal.cursor.next(kind, target);
    if (step.replay) return false;
    if (step.diverged) this.diverged(job.jobId, journal, step.index, step.diverged.expected, step.diverged.actual);
    try {
      this.record({ type: 'activation.call', jobId: job.jobId, seq: journal.seq, index: step.index, kind, target, value });
    } catch (error) {
      if (kind !== 'trace') throw error;
      // A trace detail that cannot be stored is kept in memory and journaled without it.
      const entry = value as TraceEntry;
      this.record({ type: 'activation.call', jobId: job.jobId, seq: journal.seq, index: step.index, kind, target, value: { ...entry, details: String(entry.details) } });
    }
    return true;
  }
}

/** The durable log's form of a change the worker applied. */
function toStateChange(change: AppliedChange): StateChange {
  const { routineId } = change;
  if (change.value === undefined) return { op: 'delete', routineId };
  const patches = change.patches;
  if (patches && patches.length === 1 && patches[0]!.path.length === 0 && patches[0]!.op === 'replace') return { op: 'set', routineId, value: change.value };
  if (patches) return { op: 'patch', routineId, patches: patches as Patch[] };
  return { op: 'set', routineId, value: change.value };
}
