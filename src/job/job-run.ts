import { createActor, type Actor } from 'xstate';
import { jobMachine, type JobDriver, type JobMachine, type JobMachineEvent, type JobOutcome, type SlotDelivery } from '../../machines/job.machine.js';
import { JobCancelledError, JobTimeoutError, RoutiluxError, SlotQueueFullError } from '../errors.js';
import type { CompiledFlow, CompiledRoutine, SlotTarget } from '../flow/compiled-flow.js';
import { immediatePolicy } from '../policies/builtin.js';
import type { SlotsView, Take } from '../policies/policy.js';
import { Activation, type ActivationJob } from './activation.js';
import { jobLifecycle, type JobContext, type JobControl, type UnconsumedData } from './job-context.js';
import type { JobHost } from './job-host.js';
import { newRareState, type RareState, type Timer } from './job-run-state.js';
import type { JobJournal } from './job-journal.js';
import { JournalCursor } from '../durable/journal-cursor.js';
import type { RestoredJob } from '../durable/replay.js';

const NONE = -1;
const FINISHED = 1;
const STARTED = 2;
const IMMEDIATE = immediatePolicy();
/** An empty slot queue, shared: a queue is made only when an item arrives (most slots of a job never get one). */
const NO_ITEMS: unknown[] = Object.freeze([]) as unknown as unknown[];

/**
 * One job: its slot queues, outstanding work and timers, and the job actor that owns its lifecycle.
 *
 * Work reaches the job three ways: an activation ends (`settleLater` → `routine.done`), logic emits after an
 * await (`deliver` → `slot.enqueue`), a timer fires (`timer.fire`). Each does its work here (queue the items,
 * settle the activation, schedule what can now activate) and then sends the event; the job machine decides by
 * its guards whether the job has ended and alone enters a final state (`finish`), after which no work is done.
 * Work never runs inside the job actor's transition, so a job that goes on costs the machine no microstep.
 */
export class JobRun implements JobDriver, JobControl, ActivationJob {
  readonly actor: Actor<JobMachine>;
  /** Slot queues by SlotTarget.index. */
  readonly #queues: unknown[][];
  #outstanding = 0;
  #flags = 0;
  /** Routines that got new data or a wake-up since the last `activate()`: the first (others in `rare.dirtyMore`). */
  #dirtyFirst = NONE;
  /** The posted item, until start() queues it. */
  #entry: SlotDelivery | undefined;
  /** Items emitted but held in activation buffers, by SlotTarget.index (they count against maxQueueLength). */
  #buffered: number[] | undefined;
  #rare: RareState | undefined;

  /** The journal of the host when this run started (undefined in memory). */
  readonly journal: JobJournal | undefined;

  constructor(
    readonly host: JobHost,
    readonly job: JobContext,
    readonly flow: CompiledFlow,
    entry: SlotDelivery,
    timeout: number | undefined,
  ) {
    this.#queues = new Array<unknown[]>(flow.slotCount).fill(NO_ITEMS);
    // Pinned: a cluster worker that changes hosts gets a new journal, which this run's late calls must never reach.
    this.journal = host.journal;
    this.#entry = entry;
    if (timeout !== undefined) this.#more().timeout = timeout;
    // Created here, outside any transition (XState computes the initial snapshot now); started by the worker.
    this.actor = createActor(jobMachine, { parent: host.jobParent, id: job.jobId, input: { driver: this } });
  }

  get jobId(): string {
    return this.job.jobId;
  }

  /** A job resumed from a durable worker's log: start() rebuilds it from `restored` instead of queueing an entry item. */
  static restored(host: JobHost, job: JobContext, flow: CompiledFlow, restored: RestoredJob, timeout: number | undefined): JobRun {
    const run = new JobRun(host, job, flow, undefined as unknown as SlotDelivery, timeout);
    run.#more().restored = restored;
    return run;
  }

  /**
   * Rebuilds the job from its log: queued items back in their slots, in-flight activations re-run through their
   * journals (committed calls are replayed, not repeated), retries waiting for their deadlines. Policy wake-ups
   * are not restored one by one: every routine with queued items is asked again, and sets its wake-up anew.
   */
  #restore(restored: RestoredJob): void {
    const { jobId } = this.job;
    const flow = this.flow;
    const rare = this.#more();
    // Copies: what this records is folded into the same restored job as it goes.
    const timers = [...restored.timers];
    const activations = [...restored.activations.values()];
    for (const [id] of timers) rare.nextTimer = Math.max(rare.nextTimer, Number(id.slice(1)) + 1 || 1);
    for (const [routineId, slots] of Object.entries(restored.queues)) {
      const routine = flow.byId.get(routineId);
      if (!routine) continue;
      for (const [slot, items] of Object.entries(slots)) {
        const index = routine.slotIndex.get(slot);
        if (index === undefined) continue;
        for (const item of items) this.#enqueue({ routine: routine.index, slot: index, target: routine.slots[index]!.target, item }, false);
      }
    }
    const now = this.host.clock.now();
    const journal = this.journal;
    // Each restored timer is set again (under a new id, so the old record is cleared): at its deadline, or at once.
    for (const [id, t] of timers) {
      journal?.timerCleared(jobId, id);
      const routine = t.kind === 'policy' && t.routineId !== undefined ? flow.byId.get(t.routineId) : undefined;
      if (!routine) continue;
      const policyTimer = (rare.policyTimer ??= new Array<number>(flow.routines.length).fill(NONE));
      if (policyTimer[routine.index] !== NONE) continue;
      policyTimer[routine.index] = this.#setTimer(Math.max(0, t.deadline - now), (handle, deadline) => ({ kind: 'policy', routine: routine.index, handle, deadline }));
      this.#undirty(routine.index); // its wake-up, not the restore, asks the policy again
    }
    for (const a of activations) {
      const routine = flow.byId.get(a.routineId);
      if (!routine) continue;
      if (a.outcome === undefined) {
        this.markStarted();
        this.#schedule(new Activation(this, routine, a.items, a.message, a.attempt, { seq: a.seq, cursor: new JournalCursor(jobId, a.seq, a.calls), owner: this.journal }));
        continue;
      }
      let deadline = now;
      for (const [, t] of timers) if (t.kind === 'retry' && t.seq === a.seq) deadline = t.deadline;
      this.markStarted();
      const waiting = new Activation(this, routine, a.items, a.message, a.attempt, { seq: a.seq, cursor: new JournalCursor(jobId, a.seq), owner: this.journal });
      this.#setTimer(Math.max(0, deadline - now), (handle, at) => ({ kind: 'retry', activation: waiting, handle, deadline: at }));
    }
    for (const entry of restored.traces) jobLifecycle.restoreTrace(this.job, entry);
    for (const [key, value] of Object.entries(restored.data)) jobLifecycle.restoreData(this.job, key, value);
  }

  /** Set when the job must fail (an error under the `stop` strategy, a full slot, a throwing policy, a bug). */
  get failure(): unknown {
    return this.#rare?.failure;
  }

  /** The job machine entered a final state: no more work is done. */
  get finished(): boolean {
    return (this.#flags & FINISHED) !== 0;
  }

  /** Called by the worker (job.spawn): starts the job actor, a child of the worker, with the posted item queued. */
  start(): void {
    jobLifecycle.attach(this.job, this);
    // The posted item is queued before the actor starts (it is the actor's input): one transition fewer a job.
    // This runs inside the worker's transition, so nothing here may throw: a failure fails the job, not the worker.
    const restored = this.#rare?.restored;
    if (restored) this.#rare!.restored = undefined;
    try {
      if (restored) this.#restore(restored);
      else this.#enqueue(this.#entry!, false);
      this.#entry = undefined;
      this.activate();
    } catch (error) {
      this.#bug(error);
    }
    this.actor.start();
    const timeout = this.#rare?.timeout;
    if (timeout !== undefined) {
      // A restored job keeps its absolute deadline: a timeout that passed during the outage fires at once.
      const deadline = restored?.accepted.deadline ?? this.host.clock.now() + timeout;
      this.#rare!.timeoutHandle = this.host.setTimer(deadline, () => this.#send({ type: 'job.timeout' }));
    }
    if (this.failure !== undefined) this.#send({ type: 'job.fail', error: this.failure });
    else if (this.isQuiescent()) this.#send({ type: 'job.idle' });
  }

  // ---- ActivationJob: what activations call (outside any transition) ----

  /** Checks room for one item per target, counting items held in activation buffers; throws SlotQueueFullError. */
  reserve(targets: readonly SlotTarget[], buffered: boolean): void {
    const queues = this.#queues;
    const held = this.#buffered;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (queues[t.index]!.length + (held?.[t.index] ?? 0) >= t.maxQueueLength) {
        throw new SlotQueueFullError(this.job.jobId, t.routineId, t.slotName, t.maxQueueLength);
      }
    }
    if (!buffered) return;
    const counts = (this.#buffered ??= new Array<number>(this.flow.slotCount).fill(0));
    for (let i = 0; i < targets.length; i++) counts[targets[i]!.index]!++;
  }

  /** Items emitted after the logic yielded (or held until it did): queued now, then `slot.enqueue`. */
  deliver(items: readonly SlotDelivery[], buffered = false): void {
    if (this.finished) return;
    try {
      for (let i = 0; i < items.length; i++) this.#enqueue(items[i]!, buffered);
      this.activate();
    } catch (error) {
      this.#bug(error);
    }
    this.#send({ type: 'slot.enqueue', items, buffered });
  }

  /** An activation's logic returned or threw: settle it now, then `routine.done`. */
  settleLater(activation: Activation): void {
    if (this.finished) return;
    try {
      this.#settle(activation);
      this.activate();
    } catch (error) {
      this.#bug(error);
    }
    this.#send({ type: 'routine.done', activation });
  }

  markStarted(): void {
    if (this.#flags & STARTED) return;
    this.#flags |= STARTED;
    jobLifecycle.started(this.job);
  }

  asyncStarted(activation: Activation): void {
    (this.#more().running ??= new Set()).add(activation);
  }

  asyncSettled(activation: Activation): void {
    this.#rare?.running?.delete(activation);
  }

  // ---- JobControl ----

  cancel(reason: unknown): void {
    this.#send({ type: 'job.cancel', reason });
  }

  // ---- JobDriver: what the job machine asks ----

  isQuiescent(): boolean {
    return this.#outstanding === 0 && !this.#rare?.timers?.size;
  }

  finish(outcome: JobOutcome, reason?: unknown): void {
    this.#flags |= FINISHED;
    const host = this.host;
    const rare = this.#rare;
    if (rare?.timers) for (const timer of rare.timers.values()) host.clearTimer(timer.handle);
    if (rare) rare.timers = undefined;
    if (rare?.timeoutHandle !== undefined) host.clearTimer(rare.timeoutHandle);
    if (rare?.running) for (const activation of [...rare.running]) host.release(activation);
    const error =
      outcome === 'failed'
        ? (this.failure ?? reason)
        : outcome === 'timedOut'
          ? new JobTimeoutError(this.job.jobId, rare?.timeout ?? 0)
          : outcome === 'cancelled'
            ? new JobCancelledError(this.job.jobId, reason instanceof Error ? reason.message : String(reason ?? 'cancelled'))
            : undefined;
    if (outcome === 'timedOut' || outcome === 'cancelled') this.job.trace('', `job.${outcome}`, { reason: (error as Error).message });
    jobLifecycle.finished(this.job, outcome, error, rare?.failedRoutineId, this.#unconsumed());
    this.#queues.length = 0;
  }

  /** Asks every routine that got new data (or a wake-up) whether it activates now, and schedules those that do. */
  activate(): void {
    if (this.failure !== undefined || this.finished) return;
    const routines = this.flow.routines;
    const first = this.#dirtyFirst;
    if (first === NONE) return;
    this.#dirtyFirst = NONE;
    this.#evaluate(routines[first]!);
    const more = this.#rare?.dirtyMore;
    if (!more) return;
    // #evaluate never marks a routine dirty (it only schedules, and timers fire later): this list holds still.
    for (let i = 0; i < more.length && this.failure === undefined; i++) this.#evaluate(routines[more[i]!]!);
    more.length = 0;
  }

  toJSON(): { jobId: string; status: string; outstanding: number; timers: number } {
    return { jobId: this.job.jobId, status: this.job.status, outstanding: this.#outstanding, timers: this.#rare?.timers?.size ?? 0 };
  }

  // ---- internals ----

  #enqueue(d: SlotDelivery, buffered: boolean): void {
    const target = this.flow.routines[d.routine]!.slots[d.slot]!;
    if (buffered && this.#buffered) this.#buffered[target.index]!--;
    const queue = this.#queues[target.index]!;
    if (queue.length >= target.maxQueueLength) {
      // reserve() keeps emits from getting here; this guards against anything that bypasses it.
      this.#bug(new SlotQueueFullError(this.job.jobId, target.routineId, target.slotName, target.maxQueueLength));
      return;
    }
    // A queue starts exactly one item long (a `[]` that is pushed to reserves room for 17).
    if (queue === NO_ITEMS) this.#queues[target.index] = [d.item];
    else queue.push(d.item);
    this.#dirty(d.routine);
  }

  #settle(activation: Activation): void {
    this.#outstanding--;
    if (activation.journal) this.#journalEnd(activation);
    const items = activation.buffer;
    if (!activation.failed) {
      if (items) for (let i = 0; i < items.length; i++) this.#enqueue(items[i]!, true);
      return;
    }
    const { errorHandler, id } = activation.routine;
    const error = activation.error;
    const message = error instanceof Error ? error.message : String(error);
    if (items && errorHandler.strategy === 'continue') for (const d of items) this.#enqueue(d, true);
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
      this.#setTimer(delay, (handle, deadline) => ({ kind: 'retry', activation, handle, deadline }));
      return;
    }
    this.job.trace(id, 'routine.failed', { attempt: activation.attempt, error: message });
    this.#fail(id, error);
  }

  /** Journals how the activation ended: `retry` when its error handler will run it again (decided as #settle does). */
  #journalEnd(activation: Activation): void {
    const { jobId } = this.job;
    const { seq } = activation.journal!;
    const journal = this.journal!;
    if (activation.vetoed) return journal.activationEnded(jobId, seq, 'vetoed');
    if (!activation.failed) return journal.activationEnded(jobId, seq, 'completed');
    const handler = activation.routine.errorHandler;
    let retries = false;
    if (handler.strategy !== 'continue' && handler.strategy !== 'skip') {
      try {
        retries = handler.retryDelayAfter(activation.attempt, activation.error) !== undefined;
      } catch {
        retries = false;
      }
    }
    journal.activationEnded(jobId, seq, retries ? 'retry' : 'failed', activation.error);
  }

  /** A retry or policy timer fired: wake it, then `timer.fire`. */
  #wake(timerId: number): void {
    const timers = this.#rare?.timers;
    const timer = timers?.get(timerId);
    if (this.finished || !timer) return;
    timers!.delete(timerId);
    this.journal?.timerCleared(this.job.jobId, `t${timerId}`);
    try {
      if (timer.kind === 'retry') {
        const a = timer.activation;
        this.#schedule(this.#newActivation(a.routine, a.slotData, a.message, a.attempt + 1, a.journal?.seq));
      } else {
        this.#rare!.policyTimer![timer.routine] = NONE;
        this.#dirty(timer.routine);
      }
      this.activate();
    } catch (error) {
      this.#bug(error);
    }
    this.#send({ type: 'timer.fire', timer: timerId });
  }

  #dirty(routine: number): void {
    const first = this.#dirtyFirst;
    if (first === routine) return;
    if (first === NONE) {
      this.#dirtyFirst = routine;
      return;
    }
    const more = (this.#more().dirtyMore ??= []);
    if (!more.includes(routine)) more.push(routine);
  }

  #undirty(routine: number): void {
    const more = this.#rare?.dirtyMore;
    if (this.#dirtyFirst === routine) this.#dirtyFirst = more?.length ? more.shift()! : NONE;
    else if (more) {
      const at = more.indexOf(routine);
      if (at >= 0) more.splice(at, 1);
    }
  }

  #unreserve(d: SlotDelivery): void {
    const index = this.flow.routines[d.routine]!.slots[d.slot]!.index;
    if (this.#buffered && this.#buffered[index]! > 0) this.#buffered[index]!--;
  }

  #evaluate(routine: CompiledRoutine): void {
    const queues = this.#queues;
    const slots = routine.slots;
    if (routine.policy === IMMEDIATE) {
      // The default policy needs no view: take everything that is there.
      const slotData = this.#take(routine, 'all');
      if (slotData) this.#schedule(this.#newActivation(routine, slotData, undefined, 1));
      return;
    }
    const host = this.host;
    for (;;) {
      if (!slots.some((s) => queues[s.index]!.length > 0)) return;
      const view: Record<string, readonly unknown[]> = {};
      for (let s = 0; s < slots.length; s++) view[routine.slotNames[s]!] = queues[slots[s]!.index]!;
      const now = host.clock.now();
      const last = this.#rare?.lastActivated?.[routine.index] ?? NONE;
      let decision;
      let slotData;
      try {
        decision = routine.policy.decide(view as SlotsView, host.state, { now, lastActivatedAt: last === NONE ? undefined : last });
        if (!decision.activate) {
          const policyTimer = (this.#more().policyTimer ??= new Array<number>(this.flow.routines.length).fill(NONE));
          if (decision.wakeAfter !== undefined && policyTimer[routine.index] === NONE) {
            policyTimer[routine.index] = this.#setTimer(Math.max(0, decision.wakeAfter), (handle, deadline) => ({
              kind: 'policy',
              routine: routine.index,
              handle,
              deadline,
            }));
          }
          return;
        }
        slotData = this.#take(routine, decision.take);
      } catch (error) {
        // A policy that throws or returns something unusable fails this job, never the job actor.
        this.job.trace(routine.id, 'policy.failed', { policy: routine.policy.name, error: error instanceof Error ? error.message : String(error) });
        this.#fail(routine.id, error);
        return;
      }
      if (!slotData) return;
      const rare = this.#more();
      (rare.lastActivated ??= new Array<number>(this.flow.routines.length).fill(NONE))[routine.index] = now;
      const pendingWake = rare.policyTimer?.[routine.index] ?? NONE;
      if (pendingWake !== NONE) {
        host.clearTimer(rare.timers?.get(pendingWake)?.handle);
        rare.timers?.delete(pendingWake);
        this.journal?.timerCleared(this.job.jobId, `t${pendingWake}`);
        rare.policyTimer![routine.index] = NONE;
      }
      this.#schedule(this.#newActivation(routine, slotData, decision.message, 1));
    }
  }

  /** Removes what the policy takes; undefined if it took nothing (so a policy cannot spin). */
  #take(routine: CompiledRoutine, take: Take): Record<string, unknown[]> | undefined {
    const queues = this.#queues;
    const slots = routine.slots;
    const data: Record<string, unknown[]> = {};
    let taken = 0;
    for (let s = 0; s < slots.length; s++) {
      const name = routine.slotNames[s]!;
      const index = slots[s]!.index;
      const queue = queues[index]!;
      const n = take === 'all' ? queue.length : Math.max(0, Math.min(queue.length, Math.floor(take[name] ?? 0)));
      if (n === queue.length) {
        // Logic gets the queue itself (a fresh array per slot, as before); the slot starts again from empty.
        data[name] = queue === NO_ITEMS ? [] : queue;
        queues[index] = NO_ITEMS;
      } else {
        data[name] = queue.splice(0, n);
      }
      taken += n;
    }
    return taken > 0 ? data : undefined;
  }

  /** A new activation; on a durable worker its start (the items it took) is journaled first. */
  #newActivation(routine: CompiledRoutine, slotData: Readonly<Record<string, readonly unknown[]>>, message: unknown, attempt: number, retryOf?: number): Activation {
    const journal = this.journal;
    if (!journal) return new Activation(this, routine, slotData, message, attempt);
    return new Activation(this, routine, slotData, message, attempt, journal.activationStarted(this.job.jobId, routine.id, attempt, slotData, message, retryOf));
  }

  #schedule(activation: Activation): void {
    this.#outstanding++;
    this.host.schedule(activation);
  }

  #setTimer(ms: number, make: (handle: unknown, deadline: number) => Timer): number {
    if (this.finished) return NONE;
    const rare = this.#more();
    const id = rare.nextTimer++;
    const deadline = this.host.clock.now() + ms;
    const handle = this.host.setTimer(deadline, () => this.#wake(id));
    const timer = make(handle, deadline);
    (rare.timers ??= new Map()).set(id, timer);
    const journal = this.journal;
    if (journal) {
      if (timer.kind === 'retry') journal.timerSet(this.job.jobId, `t${id}`, 'retry', deadline, timer.activation.journal?.seq);
      else journal.timerSet(this.job.jobId, `t${id}`, 'policy', deadline, undefined, this.flow.routines[timer.routine]!.id);
    }
    return id;
  }

  #fail(routineId: string, error: unknown): void {
    if (this.failure !== undefined) return;
    const rare = this.#more();
    rare.failure = error ?? new RoutiluxError('ROUTINE_FAILED', `Routine "${routineId}" failed without an error value; throw an Error that says why.`);
    rare.failedRoutineId = routineId;
  }

  /** Work on this job threw (a bug, never user logic): the job fails with it, the process goes on. */
  #bug(error: unknown): void {
    if (this.failure !== undefined) return;
    this.#more().failure = error ?? new RoutiluxError('JOB_CRASHED', `Job "${this.job.jobId}" hit an internal error.`);
  }

  #unconsumed(): UnconsumedData | undefined {
    let result: Record<string, readonly unknown[]> | undefined;
    for (const routine of this.flow.routines) {
      for (const slot of routine.slots) {
        const queue = this.#queues[slot.index];
        if (queue?.length) (result ??= {})[slot.target] = queue;
      }
    }
    return result;
  }

  #more(): RareState {
    return (this.#rare ??= newRareState());
  }

  #send(event: JobMachineEvent): void {
    if (!this.finished) this.actor.send(event);
  }
}
