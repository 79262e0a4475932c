import { createActor, type Actor } from 'xstate';
import { jobMachine, type ActivationRef, type JobDriver, type JobMachine, type JobOutcome, type SlotDelivery } from '../../machines/job.machine.js';
import { JobCancelledError, JobTimeoutError, RoutiluxError, SlotQueueFullError } from '../errors.js';
import type { CompiledFlow, CompiledRoutine, SlotTarget } from '../flow/compiled-flow.js';
import { immediatePolicy } from '../policies/builtin.js';
import type { SlotsView, Take } from '../policies/policy.js';
import { Activation, type ActivationJob } from './activation.js';
import { jobLifecycle, type JobContext, type JobControl, type UnconsumedData } from './job-context.js';
import type { JobHost } from './job-host.js';

type Timer = { readonly handle: unknown } & ({ readonly kind: 'retry'; readonly activation: Activation } | { readonly kind: 'policy'; readonly routine: number });

const NONE = -1;
const IMMEDIATE = immediatePolicy();

/**
 * The job actor's driver: its slot queues, outstanding work and timers. Only the job actor calls the JobDriver
 * methods (one event at a time); logic reaches the job through events (`slot.enqueue`, `routine.done`).
 */
export class JobRun implements JobDriver, JobControl, ActivationJob {
  readonly actor: Actor<JobMachine>;
  failure: unknown = undefined;
  finished = false;
  #failedRoutineId: string | undefined;
  readonly #queues: unknown[][][];
  #buffered: Map<SlotTarget, number> | undefined;
  #outstanding = 0;
  // Allocated on first use: a live job's size decides how many jobs fit, and most never set a timer.
  #timers: Map<number, Timer> | undefined;
  #nextTimer = 1;
  #lastActivated: number[] | undefined;
  #policyTimer: number[] | undefined;
  #started = false;
  #timeoutHandle: unknown;
  /** Async activations of this job still running (their slots are released if the job ends first); made on first use. */
  #running: Set<Activation> | undefined;

  constructor(
    readonly host: JobHost,
    readonly job: JobContext,
    readonly flow: CompiledFlow,
    private readonly entry: SlotDelivery,
    private readonly timeout: number | undefined,
  ) {
    this.#queues = new Array(flow.routines.length);
    // Created here, outside any transition (XState computes the initial snapshot now); started by the worker.
    this.actor = createActor(jobMachine, { parent: host.jobParent, id: job.jobId, input: { driver: this } });
  }

  get jobId(): string {
    return this.job.jobId;
  }

  /** Called by the worker (job.spawn): starts the job actor, a child of the worker, with the posted item queued. */
  start(): void {
    const actor = this.actor;
    jobLifecycle.attach(this.job, this);
    // The posted item is queued before the actor starts (it is the actor's input): one transition fewer a job.
    // This runs inside the worker's transition, so nothing here may throw: a failure fails the job, not the worker.
    try {
      this.enqueue([this.entry], false);
      this.activate();
    } catch (error) {
      this.failure ??= error;
    }
    actor.start();
    if (this.timeout !== undefined) {
      this.#timeoutHandle = this.host.setTimer(this.host.clock.now() + this.timeout, () => this.#send({ type: 'job.timeout' }));
    }
    if (this.failure !== undefined) this.#send({ type: 'job.fail', error: this.failure });
    else if (this.isQuiescent()) this.#send({ type: 'job.idle' });
  }

  // ---- called from logic (outside transitions) ----

  /** Checks room for one item per target, counting items held in activation buffers; throws SlotQueueFullError. */
  reserve(targets: readonly SlotTarget[], buffered: boolean): void {
    for (const t of targets) {
      const held = this.#queues[t.routine]?.[t.slot]?.length ?? 0;
      if (held + (this.#buffered?.get(t) ?? 0) >= t.maxQueueLength) {
        throw new SlotQueueFullError(this.job.jobId, t.routineId, t.slotName, t.maxQueueLength);
      }
    }
    if (!buffered) return;
    this.#buffered ??= new Map();
    for (const t of targets) this.#buffered.set(t, (this.#buffered.get(t) ?? 0) + 1);
  }

  cancel(reason: unknown): void {
    this.#send({ type: 'job.cancel', reason });
  }

  deliver(items: readonly SlotDelivery[], buffered = false): void {
    this.#send({ type: 'slot.enqueue', items, buffered });
  }

  settleLater(activation: Activation): void {
    this.#send({ type: 'routine.done', activation });
  }

  asyncStarted(activation: Activation): void {
    (this.#running ??= new Set()).add(activation);
  }

  asyncSettled(activation: Activation): void {
    this.#running?.delete(activation);
  }

  markStarted(): void {
    if (this.#started) return;
    this.#started = true;
    jobLifecycle.started(this.job);
  }

  // ---- JobDriver: called by the job actor, one event at a time ----

  enqueue(items: readonly SlotDelivery[], buffered: boolean): void {
    for (const d of items) {
      const queue = this.#queue(d.routine, d.slot);
      if (buffered) this.#unreserve(d);
      const target = this.flow.routines[d.routine]!.slots[d.slot]!;
      if (queue.length >= target.maxQueueLength) {
        // reserve() keeps emits from getting here; this guards against anything that bypasses it.
        this.failure ??= new SlotQueueFullError(this.job.jobId, target.routineId, target.slotName, target.maxQueueLength);
        continue;
      }
      queue.push(d.item);
      this.#dirty(d.routine);
    }
  }

  settle(ref: ActivationRef): void {
    const activation = ref as Activation;
    this.#outstanding--;
    const items = activation.buffer;
    activation.buffer = undefined;
    if (!activation.failed) {
      if (items) this.enqueue(items, true);
      return;
    }
    const { errorHandler, id } = activation.routine;
    const error = activation.error;
    const message = error instanceof Error ? error.message : String(error);
    if (items && errorHandler.strategy === 'continue') this.enqueue(items, true);
    else if (items) for (const d of items) this.#unreserve(d);

    if (errorHandler.strategy === 'continue' || errorHandler.strategy === 'skip') {
      this.job.trace(id, errorHandler.strategy === 'continue' ? 'routine.error' : 'routine.skipped', { attempt: activation.attempt, error: message });
      return;
    }
    let delay: number | undefined;
    try {
      delay = errorHandler.retryDelayAfter(activation.attempt, error);
    } catch (retryableError) {
      this.#fail(id, retryableError);
      return;
    }
    if (delay !== undefined) {
      this.job.trace(id, 'routine.retry', { attempt: activation.attempt, nextAttempt: activation.attempt + 1, delayMs: delay, error: message });
      this.#setTimer(delay, (handle) => ({ kind: 'retry', activation, handle }));
      return;
    }
    this.job.trace(id, 'routine.failed', { attempt: activation.attempt, error: message });
    this.#fail(id, error);
  }

  wake(timerId: number): void {
    const timer = this.#timers?.get(timerId);
    if (!timer) return;
    this.#timers!.delete(timerId);
    if (timer.kind === 'retry') {
      const a = timer.activation;
      this.#schedule(new Activation(this, a.routine, a.slotData, a.message, a.attempt + 1));
    } else {
      this.#policyTimer![timer.routine] = NONE;
      this.#dirty(timer.routine);
    }
  }

  activate(): void {
    if (this.failure !== undefined || this.finished) return;
    const dirty = this.#dirtyList;
    for (let i = 0; i < dirty.length; i++) {
      const r = dirty[i]!;
      this.#isDirty[r] = false;
      this.#evaluate(this.flow.routines[r]!);
      if (this.failure !== undefined) break;
    }
    dirty.length = 0;
  }

  isQuiescent(): boolean {
    return this.#outstanding === 0 && !this.#timers?.size;
  }

  finish(outcome: JobOutcome, reason?: unknown): void {
    this.finished = true;
    const host = this.host;
    if (this.#timers) for (const timer of this.#timers.values()) host.clearTimer(timer.handle);
    this.#timers = undefined;
    if (this.#timeoutHandle !== undefined) host.clearTimer(this.#timeoutHandle);
    if (this.#running) for (const activation of [...this.#running]) host.release(activation);
    const error =
      outcome === 'failed'
        ? (this.failure ?? reason)
        : outcome === 'timedOut'
          ? new JobTimeoutError(this.job.jobId, this.timeout ?? 0)
          : outcome === 'cancelled'
            ? new JobCancelledError(this.job.jobId, reason instanceof Error ? reason.message : String(reason ?? 'cancelled'))
            : undefined;
    if (outcome === 'timedOut' || outcome === 'cancelled') this.job.trace('', `job.${outcome}`, { reason: (error as Error).message });
    jobLifecycle.finished(this.job, outcome, error, this.#failedRoutineId, this.#unconsumed());
    this.#queues.length = 0;
  }

  toJSON(): { jobId: string; status: string; outstanding: number; timers: number } {
    return { jobId: this.job.jobId, status: this.job.status, outstanding: this.#outstanding, timers: this.#timers?.size ?? 0 };
  }

  // ---- internals ----

  readonly #dirtyList: number[] = [];
  readonly #isDirty: boolean[] = [];

  #dirty(routine: number): void {
    if (this.#isDirty[routine]) return;
    this.#isDirty[routine] = true;
    this.#dirtyList.push(routine);
  }

  #queue(routine: number, slot: number): unknown[] {
    const slots = (this.#queues[routine] ??= this.flow.routines[routine]!.slots.map(() => []));
    return slots[slot]!;
  }

  #unreserve(d: SlotDelivery): void {
    const t = this.flow.routines[d.routine]!.slots[d.slot]!;
    const n = this.#buffered?.get(t);
    if (n === undefined) return;
    if (n <= 1) this.#buffered!.delete(t);
    else this.#buffered!.set(t, n - 1);
  }

  #evaluate(routine: CompiledRoutine): void {
    const queues = this.#queues[routine.index];
    if (!queues) return;
    const host = this.host;
    if (routine.policy === IMMEDIATE) {
      // The default policy needs no view: take everything that is there.
      const slotData = this.#take(routine, queues, 'all');
      if (slotData) this.#schedule(new Activation(this, routine, slotData, undefined, 1));
      return;
    }
    for (;;) {
      if (!queues.some((q) => q.length > 0)) return;
      const view: Record<string, readonly unknown[]> = {};
      for (let s = 0; s < queues.length; s++) view[routine.slotNames[s]!] = queues[s]!;
      const now = host.clock.now();
      const last = this.#lastActivated?.[routine.index] ?? NONE;
      let decision;
      let slotData;
      try {
        decision = routine.policy.decide(view as SlotsView, host.state, { now, lastActivatedAt: last === NONE ? undefined : last });
        if (!decision.activate) {
          this.#policyTimer ??= new Array(this.flow.routines.length).fill(NONE);
          if (decision.wakeAfter !== undefined && this.#policyTimer[routine.index] === NONE) {
            this.#policyTimer[routine.index] = this.#setTimer(Math.max(0, decision.wakeAfter), (handle) => ({ kind: 'policy', routine: routine.index, handle }));
          }
          return;
        }
        slotData = this.#take(routine, queues, decision.take);
      } catch (error) {
        // A policy that throws or returns something unusable fails this job, never the job actor.
        this.job.trace(routine.id, 'policy.failed', { policy: routine.policy.name, error: error instanceof Error ? error.message : String(error) });
        this.#fail(routine.id, error);
        return;
      }
      if (!slotData) return;
      (this.#lastActivated ??= new Array(this.flow.routines.length).fill(NONE))[routine.index] = now;
      const pendingWake = this.#policyTimer?.[routine.index] ?? NONE;
      if (pendingWake !== NONE) {
        host.clearTimer(this.#timers?.get(pendingWake)?.handle);
        this.#timers?.delete(pendingWake);
        this.#policyTimer![routine.index] = NONE;
      }
      this.#schedule(new Activation(this, routine, slotData, decision.message, 1));
    }
  }

  /** Removes what the policy takes; undefined if it took nothing (so a policy cannot spin). */
  #take(routine: CompiledRoutine, queues: unknown[][], take: Take): Record<string, unknown[]> | undefined {
    const data: Record<string, unknown[]> = {};
    let taken = 0;
    for (let s = 0; s < queues.length; s++) {
      const name = routine.slotNames[s]!;
      const queue = queues[s]!;
      const n = take === 'all' ? queue.length : Math.max(0, Math.min(queue.length, Math.floor(take[name] ?? 0)));
      if (n === queue.length) {
        data[name] = queue;
        queues[s] = [];
      } else {
        data[name] = queue.splice(0, n);
      }
      taken += n;
    }
    return taken > 0 ? data : undefined;
  }

  #schedule(activation: Activation): void {
    this.#outstanding++;
    this.host.schedule(activation);
  }

  #setTimer(ms: number, make: (handle: unknown) => Timer): number {
    const id = this.#nextTimer++;
    const handle = this.host.setTimer(this.host.clock.now() + ms, () => this.#send({ type: 'timer.fire', timer: id }));
    (this.#timers ??= new Map()).set(id, make(handle));
    return id;
  }

  #fail(routineId: string, error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error ?? new RoutiluxError('ROUTINE_FAILED', `Routine "${routineId}" failed without an error value; throw an Error that says why.`);
    this.#failedRoutineId = routineId;
  }

  #unconsumed(): UnconsumedData | undefined {
    let result: Record<string, readonly unknown[]> | undefined;
    this.#queues.forEach((slots, r) =>
      slots?.forEach((queue, s) => {
        if (queue.length) (result ??= {})[this.flow.routines[r]!.slots[s]!.target] = queue;
      }),
    );
    return result;
  }

  #send(event: Parameters<Actor<JobMachine>['send']>[0]): void {
    if (!this.finished) this.actor.send(event);
  }
}
