import type { JobContext } from '../job/job-context.js';
import type { Runtime } from '../runtime/runtime.js';
import type { WorkerState } from '../state/worker-state.js';
import { jobSummary, workerSummary, type JobSummary, type WorkerSummary } from './views.js';

/** What the event stream carries: a job or a worker that changed, as its summary. */
export type MonitorEvent = { readonly type: 'job'; readonly data: JobSummary } | { readonly type: 'worker'; readonly data: WorkerSummary };

/** How long changes are gathered before they are sent: one event per job or worker per window, however busy. */
const FLUSH_MS = 50;
/** Stopped workers the monitor keeps showing after they left the runtime. */
const MAX_STOPPED_WORKERS = 100;
/** Activations recorded per job (the oldest go first). */
const MAX_ACTIVATIONS = 500;

/** One run of a routine's logic in a job, as the monitor saw it (times on the runtime's clock). */
export interface ActivationRecord {
  readonly routineId: string;
  readonly attempt: number;
  readonly startedAt: number;
  endedAt: number | null;
  error: string | null;
}

/**
 * Watches one runtime (runtime.observe plus each worker's subscribe) and fans changes out to listeners,
 * coalesced per job and worker. Stopped workers are remembered (bounded) so the UI can still show them.
 */
export class EventHub {
  readonly #listeners = new Set<(event: MonitorEvent) => void>();
  readonly #jobs = new Map<string, JobContext>();
  readonly #workers = new Map<string, WorkerState>();
  readonly #unsubscribeWorker = new Map<string, () => void>();
  readonly #stopped = new Map<string, WorkerState>();
  readonly #closers = new Set<() => void>();
  // Kept beside the job, never on it: dropped with the job when it leaves the runtime's history.
  readonly #activations = new WeakMap<object, ActivationRecord[]>();
  readonly #unobserve: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly runtime: Runtime) {
    for (const worker of runtime.listWorkers()) this.#watch(worker);
    this.#unobserve = runtime.observe({
      onWorkerStart: (worker) => {
        this.#watch(worker);
        this.#changed(undefined, worker);
      },
      onWorkerStop: (worker) => {
        this.#unsubscribeWorker.get(worker.workerId)?.();
        this.#unsubscribeWorker.delete(worker.workerId);
        this.#stopped.set(worker.workerId, worker);
        if (this.#stopped.size > MAX_STOPPED_WORKERS) this.#stopped.delete(this.#stopped.keys().next().value!);
        this.#changed(undefined, worker);
      },
      onJobStart: (job) => this.#changed(job),
      onJobEnd: (job) => this.#changed(job, this.runtime.getWorker(job.workerId)),
      // A job turns from pending to running when its first activation starts.
      onRoutineStart: ({ job, routineId, attempt }) => {
        let list = this.#activations.get(job);
        if (!list) this.#activations.set(job, (list = []));
        if (list.length >= MAX_ACTIVATIONS) list.shift();
        list.push({ routineId, attempt, startedAt: runtime.clock.now(), endedAt: null, error: null });
        if (!this.#jobs.has(job.jobId)) this.#changed(job);
      },
      onRoutineEnd: (info) => {
        const list = this.#activations.get(info.job);
        const open = list?.findLast((a) => a.routineId === info.routineId && a.attempt === info.attempt && a.endedAt === null);
        if (!open) return;
        open.endedAt = runtime.clock.now();
        if ('error' in info) open.error = info.error instanceof Error ? info.error.message : String(info.error);
      },
    });
  }

  /** The activations of a job the monitor saw start (none for jobs started before it watched). */
  activationsOf(job: object): readonly ActivationRecord[] {
    return this.#activations.get(job) ?? [];
  }

  /** Workers that stopped while the monitor watched, oldest first. */
  stoppedWorkers(): WorkerState[] {
    return [...this.#stopped.values()].filter((w) => !this.runtime.getWorker(w.workerId));
  }

  /** A stopped worker the monitor remembers. */
  stoppedWorker(workerId: string): WorkerState | undefined {
    return this.#stopped.get(workerId);
  }

  /** Adds a listener; returns a function that removes it. */
  listen(listener: (event: MonitorEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `fn` when the hub closes (an event stream ends itself then); returns a function that removes it. */
  onClose(fn: () => void): () => void {
    this.#closers.add(fn);
    return () => this.#closers.delete(fn);
  }

  /** Stops watching the runtime, tells onClose callbacks and drops every listener. */
  close(): void {
    this.#unobserve();
    for (const fn of [...this.#closers]) fn();
    this.#closers.clear();
    for (const unsubscribe of this.#unsubscribeWorker.values()) unsubscribe();
    this.#unsubscribeWorker.clear();
    this.#listeners.clear();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** How many of a worker's jobs are live (pending or running). */
  liveJobCount(workerId: string): number {
    return this.runtime.listJobs({ workerId }).filter((job) => !job.isFinished).length;
  }

  #watch(worker: WorkerState): void {
    if (this.#unsubscribeWorker.has(worker.workerId)) return;
    // Status changes (pause, resume, stop) and routine state updates both arrive here.
    this.#unsubscribeWorker.set(worker.workerId, worker.subscribe(() => this.#changed(undefined, worker)));
  }

  #changed(job: JobContext | undefined, worker?: WorkerState): void {
    if (this.#listeners.size === 0) return;
    if (job) this.#jobs.set(job.jobId, job);
    if (worker) this.#workers.set(worker.workerId, worker);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flush(), FLUSH_MS);
      this.#timer.unref?.();
    }
  }

  #flush(): void {
    this.#timer = undefined;
    const jobs = [...this.#jobs.values()];
    const workers = [...this.#workers.values()];
    this.#jobs.clear();
    this.#workers.clear();
    const events: MonitorEvent[] = [
      ...jobs.map((job): MonitorEvent => ({ type: 'job', data: jobSummary(job) })),
      ...workers.map((worker): MonitorEvent => ({ type: 'worker', data: workerSummary(worker, this.liveJobCount(worker.workerId)) })),
    ];
    for (const listener of this.#listeners) {
      for (const event of events) listener(event);
    }
  }
}
