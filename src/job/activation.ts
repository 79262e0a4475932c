import type { SlotDelivery } from '../../machines/job.machine.js';
import { EventNotFoundError, RoutiluxError } from '../errors.js';
import type { CompiledRoutine, SlotTarget } from '../flow/compiled-flow.js';
import type { LogicContext } from '../routine/routine.js';
import { executionScope, type ActivationScope, type ExecutionScope } from './current-job.js';
import type { JobContext } from './job-context.js';
import type { JobHost, RunnableActivation } from './job-host.js';
import type { ActivationJournal, JobJournal } from './job-journal.js';
import type { RecordedDelivery } from '../durable/records.js';

const QUEUED = 0;
const SYNC = 1;
const ASYNC = 2;
const DONE = 3;
const VETOED = 4;

function callLogic(activation: Activation): unknown {
  const { routine } = activation;
  return routine.logic.call(routine.routine, activation.slotData, activation.message, activation.run.host.state, activation);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function shallowCopy(payload: unknown): unknown {
  if (Array.isArray(payload)) return payload.slice();
  if (typeof payload === 'object' && payload !== null && Object.getPrototypeOf(payload) === Object.prototype) return { ...payload };
  return payload;
}

/** What an activation needs from its job (JobRun implements it). */
export interface ActivationJob {
  readonly job: JobContext;
  readonly host: JobHost;
  /** The journal its host had when the job started (a durable worker's), else undefined. */
  readonly journal: JobJournal | undefined;
  /** The job has ended: nothing more may start or be delivered. */
  readonly finished: boolean;
  /** Checks room for one item per target (throws SlotQueueFullError); `buffered` holds the room until delivered. */
  reserve(targets: readonly SlotTarget[], buffered: boolean): void;
  /** Sends emitted items into the job (one `slot.enqueue` event). */
  deliver(items: readonly SlotDelivery[], buffered?: boolean): void;
  /** The logic has ended: the job settles the activation in its next transition (`routine.done`). */
  settleLater(activation: Activation): void;
  /** The first logic of the job starts: the job is `running` from now on. */
  markStarted(): void;
  asyncStarted(activation: Activation): void;
  asyncSettled(activation: Activation): void;
}

/**
 * One run of one routine's logic in one job. It is the logic's 4th argument and the AsyncLocalStorage scope,
 * so `emit` and `getCurrentJob()` know where they are across awaits.
 *
 * Emits made before the logic yields (returns, or reaches its first await) travel with the `routine.done` or a
 * single `slot.enqueue` event, so a hop costs one transition of the job actor; later emits go out one by one.
 */
export class Activation implements LogicContext, ExecutionScope, ActivationScope, RunnableActivation {
  phase = QUEUED;
  buffer: SlotDelivery[] | undefined;
  /** What the logic threw (never undefined once it failed: a bare `throw undefined` becomes an error saying so). */
  error: unknown;
  #boundEmit: ((event: string, payload?: unknown) => void) | undefined;

  constructor(
    readonly run: ActivationJob,
    readonly routine: CompiledRoutine,
    readonly slotData: Readonly<Record<string, readonly unknown[]>>,
    readonly message: unknown,
    readonly attempt: number,
    /** Set on a durable worker: this activation's seq and journal cursor. */
    readonly journal?: ActivationJournal,
  ) {}

  /** `<jobId>:<activation seq>` on a durable worker (the same on every re-run), else `<jobId>:<routineId>:<attempt>`. */
  get idempotencyKey(): string {
    return this.journal ? this.journal.cursor.idempotencyKey : `${this.run.job.jobId}:${this.routine.id}:${this.attempt}`;
  }

  get job(): JobContext {
    return this.run.job;
  }

  get activation(): Activation {
    return this;
  }

  /** The Routine whose logic this runs. */
  get owner(): object {
    return this.routine.routine;
  }

  /** The logic threw or rejected. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /** A gate refused to start it: its logic never ran. */
  get vetoed(): boolean {
    return this.phase === VETOED;
  }

  get routineId(): string {
    return this.routine.id;
  }

  get signal(): AbortSignal {
    return this.run.job.signal;
  }

  /** `emit` for the logic's 4th argument, bound so `({ emit }) => emit(...)` works. */
  get emit(): (event: string, payload?: unknown) => void {
    return (this.#boundEmit ??= (event, payload) => this.emitEvent(event, payload));
  }

  emitEvent(event: string, payload?: unknown): void {
    const targets = this.routine.targets.get(event);
    if (!targets) throw new EventNotFoundError(event, this.routine.id, [...this.routine.targets.keys()]);
    const run = this.run;
    if (run.finished) {
      run.job.trace(this.routine.id, 'emit.dropped', { event, reason: `job already ${run.job.status}` });
      return;
    }
    const journal = this.journal;
    let index = -1;
    if (journal) {
      const step = journal.cursor.next('emit', event);
      // Committed before a crash: its items are already in their slots (restored from the log).
      if (step.replay) return;
      if (step.diverged) run.journal!.diverged(run.job.jobId, journal, step.index, step.diverged.expected, step.diverged.actual);
      index = step.index;
    }
    if (!run.host.gates.allowEmit(this, event, payload)) {
      if (journal) run.journal!.call(run.job.jobId, journal, index, 'emit', event, { deliveries: [] });
      return;
    }
    if (targets.length === 0) {
      if (journal) run.journal!.call(run.job.jobId, journal, index, 'emit', event, { deliveries: [] });
      // Declared but connected to nothing: say so in the trace rather than let the payload vanish.
      run.job.trace(this.routine.id, 'emit.unrouted', { event });
      return;
    }
    const value = payload === undefined ? {} : payload;
    const buffering = this.phase === SYNC;
    run.reserve(targets, buffering);
    // Each target gets its own item; the payload is copied only when a second target would otherwise share it.
    let deliveries = buffering ? this.buffer : undefined;
    if (!deliveries) deliveries = [];
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      deliveries.push({ routine: t.routine, slot: t.slot, target: t.target, item: i === 0 ? value : shallowCopy(value) });
    }
    if (journal) {
      const recorded: RecordedDelivery[] = [];
      for (let i = deliveries.length - targets.length; i < deliveries.length; i++) {
        const d = deliveries[i]!;
        const t = targets[i - (deliveries.length - targets.length)]!;
        recorded.push({ routineId: t.routineId, slot: t.slotName, item: d.item });
      }
      run.journal!.call(run.job.jobId, journal, index, 'emit', event, { deliveries: recorded });
    }
    if (buffering) this.buffer = deliveries;
    else run.deliver(deliveries);
  }

  /** Runs the logic. Returns a promise only when the logic is async (it then holds a concurrency slot). */
  execute(): Promise<void> | undefined {
    const run = this.run;
    if (run.host.hold(this)) return undefined;
    if (run.finished) return undefined;
    run.markStarted();
    if (!run.host.gates.allowRoutineStart(this)) {
      this.phase = VETOED;
      this.#done();
      return undefined;
    }
    this.phase = SYNC;
    let result: unknown;
    try {
      result = executionScope.run(this, callLogic, this);
    } catch (error) {
      this.#fail(error);
      this.#done();
      return undefined;
    }
    if (!isThenable(result)) {
      this.#done();
      return undefined;
    }
    this.phase = ASYNC;
    run.asyncStarted(this);
    if (this.buffer) {
      const buffered = this.buffer;
      this.buffer = undefined;
      run.deliver(buffered, true);
    }
    return Promise.resolve(result).then(
      () => this.#done(),
      (error: unknown) => {
        this.#fail(error);
        this.#done();
      },
    );
  }

  #fail(error: unknown): void {
    this.error =
      error ?? new RoutiluxError('LOGIC_THREW_NOTHING', `Routine "${this.routine.id}" threw ${String(error)}. Throw an Error so the failure says what went wrong.`);
  }

  #done(): void {
    const journal = this.journal;
    if (journal && this.phase !== VETOED) {
      const divergence = journal.cursor.finish();
      if (divergence) this.run.journal!.diverged(this.run.job.jobId, journal, divergence.index, divergence.expected, divergence.actual);
    }
    if (this.phase === ASYNC) this.run.asyncSettled(this);
    if (this.phase !== VETOED) this.phase = DONE;
    this.run.host.gates.routineEnded(this);
    this.run.settleLater(this);
  }

  /** What the inspector shows for `routine.done`: which routine ran, and where its held emits go. */
  toJSON(): { routineId: string; attempt: number; failed?: true; emitted?: string[] } {
    return {
      routineId: this.routine.id,
      attempt: this.attempt,
      ...(this.failed ? { failed: true as const } : {}),
      ...(this.buffer ? { emitted: this.buffer.map((d) => d.target) } : {}),
    };
  }
}
