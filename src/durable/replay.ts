import { Immer, enableMapSet, enablePatches, type Patch } from 'immer';
import { InvalidArgumentError } from '../errors.js';
import type { FlowShape } from './flow-shape.js';
import type {
  ActivationStartRecord,
  ActivationOutcome,
  CallKind,
  DurableRecord,
  JobAcceptedRecord,
  JobEndedRecord,
  RecordedError,
  StateChange,
  TimerSetRecord,
} from './records.js';
import type { RestoredLog } from './worker-log.js';

/** A committed runtime call of an activation, as a re-run replays it (see JournalCursor). */
export interface RecordedCall {
  readonly index: number;
  readonly kind: CallKind;
  readonly target?: string;
  /** update: the routine's state right after the call; otherwise what the record's `result` held. */
  readonly result?: unknown;
}

/** An activation that had not finished: in flight at the crash (no `outcome`), or waiting for its retry. */
export interface RestoredActivation extends Omit<ActivationStartRecord, 'type' | 'jobId'> {
  calls: RecordedCall[];
  outcome?: ActivationOutcome;
  error?: RecordedError;
}

/** A job that had not ended, with everything needed to resume it. */
export interface RestoredJob {
  readonly accepted: JobAcceptedRecord;
  /** Its data as setData calls left it. */
  data: Record<string, unknown>;
  /** Items delivered and not yet taken by an activation: routineId -> slot -> items, oldest first. */
  queues: Record<string, Record<string, unknown[]>>;
  /** Activations in flight or waiting for a retry, by seq. Finished ones are not kept: they never run again. */
  activations: Map<number, RestoredActivation>;
  /** Pending timers by timerId, with absolute deadlines. */
  timers: Map<string, TimerSetRecord>;
  /** Entries of the job's `trace` calls, in order. */
  traces: unknown[];
  /** The seq the next new activation of this job gets (seqs are never reused: idempotency keys stay unique). */
  nextSeq: number;
}

/** What history keeps of a finished job. */
export type FinishedJob = Omit<JobEndedRecord, 'type'> &
  Pick<JobAcceptedRecord, 'flowId' | 'routineId' | 'slot' | 'metadata' | 'createdAt' | 'idempotencyKey'>;

/** A worker as its log describes it: what `replay` returns and what a snapshot holds. */
export interface RestoredWorker {
  readonly workerId: string;
  /** The shape of the flow it last ran (from `worker.started`), if recorded. */
  flow: FlowShape | undefined;
  /** The last LSN folded in. */
  upTo: number;
  routineStates: Record<string, unknown>;
  /** Unfinished jobs by id, in acceptance order. */
  jobs: Map<string, RestoredJob>;
  /** Finished jobs by id, oldest completion first; bounded by `historyLimit` and `historyTtl`. */
  history: Map<string, FinishedJob>;
  /** Idempotency key -> the job it started and when (createdAt); entries older than `idempotencyTtl` are dropped. */
  idempotency: Map<string, { readonly jobId: string; readonly at: number; readonly status?: FinishedJob['status'] }>;
  /** Records that did not fit (e.g. about a job the log never accepted), skipped with a reason. */
  warnings: string[];
}

/** How replay bounds what it keeps (history, idempotency keys) and whether it folds state. */
export interface ReplayOptions {
  /** The runtime clock, for expiring history and idempotency keys. Default `Date.now`. */
  readonly now?: () => number;
  /** How long (ms) an idempotency key is remembered after its job was posted. Default 24 h. */
  readonly idempotencyTtl?: number;
  /** Most idempotency keys kept (the oldest go first). Default 100,000. */
  readonly maxIdempotencyKeys?: number;
  /** Finished jobs kept in history. Default 10,000 (the runtime's jobHistory default). */
  readonly historyLimit?: number;
  /** How long (ms) a finished job stays in history. Default one hour (the runtime's jobHistory default). */
  readonly historyTtl?: number;
  /**
   * `false`: leave routineStates alone (state records are skipped), for a live fold kept beside a worker whose
   * own state is the truth; `snapshot()` then takes the states as an argument. Default `true`.
   */
  readonly trackState?: boolean;
}

const immer = new Immer({ autoFreeze: false });
let pluginsEnabled = false;

const RESERVED_KEYS = new Set<unknown>(['constructor', 'prototype', '__proto__']);

/** Immer's patches applied to a copy of `base`, for paths Immer will not walk (own keys named like reserved ones). */
function applyPatchesByHand(base: unknown, patches: readonly Patch[]): unknown {
  let root = structuredClone(base);
  for (const patch of patches) {
    const value = patch.op === 'remove' ? undefined : structuredClone(patch.value);
    if (patch.path.length === 0) {
      root = value;
      continue;
    }
    let target = root as Record<PropertyKey, unknown>;
    for (const key of patch.path.slice(0, -1)) target = (target instanceof Map ? target.get(key) : target[key as PropertyKey]) as Record<PropertyKey, unknown>;
    const last = patch.path[patch.path.length - 1]!;
    if (target instanceof Map) {
      if (patch.op === 'remove') target.delete(last);
      else target.set(last, value);
    } else if (target instanceof Set) {
      if (patch.op === 'remove') target.delete(patch.value);
      else target.add(value);
    } else if (Array.isArray(target)) {
      const index = last === '-' ? target.length : Number(last);
      if (patch.op === 'add') target.splice(index, 0, value);
      else if (patch.op === 'remove') target.splice(index, 1);
      else target[index] = value;
    } else if (patch.op === 'remove') delete target[last as PropertyKey];
    else Object.defineProperty(target, last as PropertyKey, { value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

/** Applies a state change to a routine states record (in place) and returns the routine's new state. */
export function applyStateChange(states: Record<string, unknown>, change: StateChange): unknown {
  const { routineId } = change;
  if (change.op === 'delete') {
    delete states[routineId];
    return undefined;
  }
  let next: unknown;
  if (change.op === 'set') next = change.value;
  else {
    if (!pluginsEnabled) {
      // Immer's plugins are global to the Immer module: enabled only once a log with patches is replayed.
      enablePatches();
      enableMapSet();
      pluginsEnabled = true;
    }
    const base = (Object.hasOwn(states, routineId) ? states[routineId] : {}) as object;
    const patches = change.patches as Patch[];
    // Immer refuses paths through `constructor` / `prototype`, own keys a state may hold: those are applied here.
    next = patches.some((p) => p.path.some((key) => RESERVED_KEYS.has(key))) ? applyPatchesByHand(base, patches) : immer.applyPatches(base, patches);
  }
  if (routineId === '__proto__') Object.defineProperty(states, routineId, { value: next, enumerable: true, writable: true, configurable: true });
  else states[routineId] = next;
  return next;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new InvalidArgumentError(name, value, 'a number >= 0');
  return value;
}

/**
 * Folds a worker's log, record by record, into a RestoredWorker. `replay()` uses one to restore; the engine may
 * keep one beside a live worker (with `trackState: false`) so a compaction is `log.compact(fold.snapshot(states))`.
 */
export class WorkerFold {
  readonly #worker: RestoredWorker;
  readonly #now: () => number;
  readonly #idempotencyTtl: number;
  readonly #maxKeys: number;
  readonly #historyLimit: number;
  readonly #historyTtl: number;
  readonly #trackState: boolean;

  constructor(workerId: string, snapshot?: RestoredWorker, options: ReplayOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#idempotencyTtl = positive('idempotencyTtl', options.idempotencyTtl, 86_400_000);
    this.#maxKeys = positive('maxIdempotencyKeys', options.maxIdempotencyKeys, 100_000);
    this.#historyLimit = positive('historyLimit', options.historyLimit, 10_000);
    this.#historyTtl = positive('historyTtl', options.historyTtl, 3_600_000);
    this.#trackState = options.trackState ?? true;
    this.#worker = snapshot
      ? { ...snapshot, workerId, routineStates: { ...snapshot.routineStates }, jobs: new Map(snapshot.jobs), history: new Map(snapshot.history), idempotency: new Map(snapshot.idempotency), warnings: [...snapshot.warnings] }
      : { workerId, flow: undefined, upTo: 0, routineStates: {}, jobs: new Map(), history: new Map(), idempotency: new Map(), warnings: [] };
  }

  /** The worker so far, with expired history and idempotency entries dropped. */
  get worker(): RestoredWorker {
    this.#prune();
    return this.#worker;
  }

  /**
   * What a snapshot holds (a RestoredWorker, pruned). With `routineStates`, those replace the folded ones (a
   * live worker's state at the LSN the snapshot covers).
   */
  snapshot(routineStates?: Readonly<Record<string, unknown>>): RestoredWorker {
    this.#prune();
    return { ...this.#worker, routineStates: routineStates ? { ...routineStates } : this.#worker.routineStates, warnings: [] };
  }

  /**
   * Folds one record in. Records at or below the LSN already folded are ignored (a snapshot covers them).
   * `updateResult`: with `trackState: false`, the routine's state right after an `update` call (the live
   * worker's value), kept as the call's result so a snapshot taken while the activation is in flight can still
   * give a re-run its recorded result.
   */
  apply(record: DurableRecord, lsn: number, updateResult?: unknown): void {
    const w = this.#worker;
    if (lsn <= w.upTo) return;
    w.upTo = lsn;
    switch (record.type) {
      case 'worker.started':
        w.flow = record.flow;
        return;
      case 'state.patch':
        if (this.#trackState) applyStateChange(w.routineStates, record);
        return;
      case 'job.accepted': {
        if (w.jobs.has(record.jobId) || w.history.has(record.jobId)) return this.#warn(lsn, `job "${record.jobId}" was accepted twice`);
        const job: RestoredJob = { accepted: record, data: {}, queues: {}, activations: new Map(), timers: new Map(), traces: [], nextSeq: 1 };
        enqueueItem(job, record.routineId, record.slot, record.data);
        w.jobs.set(record.jobId, job);
        if (record.idempotencyKey !== undefined) {
          w.idempotency.delete(record.idempotencyKey); // re-inserted last: the Map stays ordered by time
          w.idempotency.set(record.idempotencyKey, { jobId: record.jobId, at: record.createdAt });
        }
        return;
      }
      case 'job.ended': {
        const job = w.jobs.get(record.jobId);
        if (!job) return this.#warn(lsn, `job "${record.jobId}" ended but was never accepted`);
        w.jobs.delete(record.jobId);
        const { type: _type, ...end } = record;
        const { flowId, routineId, slot, metadata, createdAt, idempotencyKey } = job.accepted;
        w.history.set(record.jobId, { ...end, flowId, routineId, slot, metadata, createdAt, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
        // The key outlives the bounded history (idempotencyTtl): it keeps the outcome, so a repeat can still be told it.
        const keyed = idempotencyKey !== undefined ? w.idempotency.get(idempotencyKey) : undefined;
        if (keyed?.jobId === record.jobId) w.idempotency.set(idempotencyKey!, { ...keyed, status: record.status });
        return;
      }
      default:
        break;
    }
    const job = w.jobs.get(record.jobId);
    if (!job) return this.#warn(lsn, `${record.type} for job "${record.jobId}", which is not running`);
    switch (record.type) {
      case 'activation.start': {
        if (record.retryOf !== undefined) job.activations.delete(record.retryOf);
        else for (const slot of Object.keys(record.items)) takeItems(job, record.routineId, slot, record.items[slot]!.length);
        job.activations.set(record.seq, {
          seq: record.seq,
          routineId: record.routineId,
          attempt: record.attempt,
          items: record.items,
          ...(record.message !== undefined ? { message: record.message } : {}),
          ...(record.retryOf !== undefined ? { retryOf: record.retryOf } : {}),
          calls: [],
        });
        job.nextSeq = Math.max(job.nextSeq, record.seq + 1);
        return;
      }
      case 'activation.call': {
        const activation = job.activations.get(record.seq);
        if (!activation) return this.#warn(lsn, `call ${record.index} of activation ${record.seq} of job "${record.jobId}", which is not open`);
        let result = record.result;
        if (record.kind === 'update' && record.change) {
          const state = this.#trackState ? applyStateChange(this.#worker.routineStates, record.change) : updateResult;
          if (result === undefined) result = state;
        }
        if (record.kind === 'emit') for (const d of record.deliveries ?? []) enqueueItem(job, d.routineId, d.slot, d.item);
        if (record.kind === 'setData' && record.target !== undefined) job.data[record.target] = record.value;
        if (record.kind === 'trace') job.traces.push(record.value);
        activation.calls.push({ index: record.index, kind: record.kind, ...(record.target !== undefined ? { target: record.target } : {}), ...(result !== undefined ? { result } : {}) });
        return;
      }
      case 'activation.diverged': {
        const activation = job.activations.get(record.seq);
        if (activation) activation.calls = activation.calls.filter((c) => c.index < record.index);
        return;
      }
      case 'activation.end': {
        const activation = job.activations.get(record.seq);
        if (!activation) return this.#warn(lsn, `activation ${record.seq} of job "${record.jobId}" ended but was not open`);
        if (record.outcome === 'retry') {
          activation.outcome = 'retry';
          if (record.error) activation.error = record.error;
        } else job.activations.delete(record.seq);
        return;
      }
      case 'timer.set':
        job.timers.set(record.timerId, record);
        return;
      case 'timer.cleared':
        job.timers.delete(record.timerId);
        return;
    }
  }

  #warn(lsn: number, text: string): void {
    const warnings = this.#worker.warnings;
    if (warnings.length < 100) warnings.push(`record ${lsn}: ${text}; skipped`);
  }

  #prune(): void {
    const now = this.#now();
    const { history, idempotency } = this.#worker;
    let excess = history.size - this.#historyLimit;
    const historyCutoff = now - this.#historyTtl;
    for (const [id, job] of history) {
      if (excess <= 0 && job.completedAt > historyCutoff) break;
      history.delete(id);
      excess--;
    }
    excess = idempotency.size - this.#maxKeys;
    const keyCutoff = now - this.#idempotencyTtl;
    for (const [key, entry] of idempotency) {
      if (excess <= 0 && entry.at > keyCutoff) break;
      // A live job keeps its key whatever its age: it must not start twice.
      if (excess <= 0 && this.#worker.jobs.has(entry.jobId)) continue;
      idempotency.delete(key);
      excess--;
    }
  }
}

function enqueueItem(job: RestoredJob, routineId: string, slot: string, item: unknown): void {
  const slots = (job.queues[routineId] ??= {});
  (slots[slot] ??= []).push(item);
}

function takeItems(job: RestoredJob, routineId: string, slot: string, count: number): void {
  const queue = job.queues[routineId]?.[slot];
  if (!queue) return;
  queue.splice(0, count);
  if (queue.length === 0) {
    delete job.queues[routineId]![slot];
    if (Object.keys(job.queues[routineId]!).length === 0) delete job.queues[routineId];
  }
}

/** The worker a log describes: its snapshot (a RestoredWorker, as `compact` wrote it) with the tail folded in. */
export function replay(workerId: string, restored: RestoredLog, options: ReplayOptions = {}): RestoredWorker {
  const fold = new WorkerFold(workerId, restored.snapshot as RestoredWorker | undefined, options);
  for (const { lsn, record } of restored.tail) fold.apply(record, lsn);
  return fold.worker;
}
