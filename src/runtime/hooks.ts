import { executionScope } from '../job/current-job.js';
import type { JobContext } from '../job/job-context.js';
import type { ActivationGates, ActivationInfo } from '../job/job-host.js';
import type { WorkerState } from '../state/worker-state.js';

/** What onRoutineStart learns about the activation about to run. */
export interface RoutineStartInfo {
  readonly job: JobContext;
  readonly routineId: string;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /** The items the logic is about to receive, by slot name. */
  readonly slotData: Readonly<Record<string, readonly unknown[]>>;
}

/** What onRoutineEnd learns about an activation whose logic has settled. */
export interface RoutineEndInfo {
  readonly job: JobContext;
  readonly routineId: string;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /** Set when the logic threw (what happens next depends on the routine's error strategy). */
  readonly error?: unknown;
}

/** What onEventEmit learns about an emit before it is delivered. */
export interface EventEmitInfo {
  readonly job: JobContext;
  readonly routineId: string;
  readonly event: string;
  readonly payload: unknown;
}

/**
 * Observers and gates around the runtime's life. Hooks run outside actor transitions, inside the job's scope
 * (getCurrentJob() works). A hook that throws is reported and treated as if it had not been there.
 */
export interface RuntimeHooks {
  /** A worker started (exec, or the first post to a flow). */
  onWorkerStart?(worker: WorkerState): void;
  /** A worker stopped; called a microtask after it did. */
  onWorkerStop?(worker: WorkerState): void;
  /** A job was posted; called by post() before it returns. */
  onJobStart?(job: JobContext): void;
  /** A job ended (its status is final); called a microtask after it did. */
  onJobEnd?(job: JobContext): void;
  /** Return `false` to skip this activation (recorded in the job's trace). */
  onRoutineStart?(info: RoutineStartInfo): boolean | void;
  /** A logic call settled, with `error` if it threw; not called for an activation onRoutineStart skipped. */
  onRoutineEnd?(info: RoutineEndInfo): void;
  /** Return `false` to drop this emit (recorded in the job's trace). */
  onEventEmit?(info: EventEmitInfo): boolean | void;
}

/** Receives an error a hook threw; `where` names the hook, e.g. "hook onJobEnd". What it throws is ignored. */
export type ErrorReporter = (error: unknown, where: string) => void;

export const consoleReporter: ErrorReporter = (error, where) => {
  console.error(`[routilux] ${where} threw:`, error);
};

export class HookRunner implements ActivationGates {
  // Layers added after construction (runtime.observe, tracing); `hooks` is their combination.
  #layers: RuntimeHooks[];

  constructor(
    private hooks: RuntimeHooks,
    private readonly report: ErrorReporter,
  ) {
    this.#layers = [hooks];
  }

  /** Adds a layer of hooks run after the ones already there; returns a function that removes it. */
  add(layer: RuntimeHooks): () => void {
    this.#layers = [...this.#layers, layer];
    this.hooks = combineHooks(this.#layers);
    return () => {
      this.#layers = this.#layers.filter((l) => l !== layer);
      this.hooks = combineHooks(this.#layers);
    };
  }

  allowRoutineStart(activation: ActivationInfo): boolean {
    const hook = this.hooks.onRoutineStart;
    if (!hook) return true;
    const { job, routineId, attempt, slotData } = activation;
    const verdict = this.#call('onRoutineStart', job, () => hook({ job, routineId, attempt, slotData }));
    if (verdict === false) job.trace(routineId, 'routine.vetoed', { attempt, by: 'onRoutineStart' });
    return verdict !== false;
  }

  routineEnded(activation: ActivationInfo): void {
    const hook = this.hooks.onRoutineEnd;
    if (!hook || activation.vetoed) return;
    const { job, routineId, attempt } = activation;
    this.#call('onRoutineEnd', job, () => hook(activation.failed ? { job, routineId, attempt, error: activation.error } : { job, routineId, attempt }));
  }

  allowEmit(activation: ActivationInfo, event: string, payload: unknown): boolean {
    const hook = this.hooks.onEventEmit;
    if (!hook) return true;
    const { job, routineId } = activation;
    const verdict = this.#call('onEventEmit', job, () => hook({ job, routineId, event, payload }));
    if (verdict === false) job.trace(routineId, 'emit.vetoed', { event, by: 'onEventEmit' });
    return verdict !== false;
  }

  /** Reports an error nobody awaits (e.g. the cluster's background work) to the runtime's onError. */
  reportError(error: unknown, where: string): void {
    try {
      this.report(error, where);
    } catch {
      // A broken reporter must not break the runtime.
    }
  }

  jobStarted(job: JobContext): void {
    const hook = this.hooks.onJobStart;
    if (hook) this.#call('onJobStart', job, () => hook(job));
  }

  /** Called from inside the worker's transition, so the hook runs a microtask later. */
  jobEnded(job: JobContext): void {
    const hook = this.hooks.onJobEnd;
    if (hook) queueMicrotask(() => this.#call('onJobEnd', job, () => hook(job)));
  }

  workerStarted(worker: WorkerState): void {
    const hook = this.hooks.onWorkerStart;
    if (hook) this.#call('onWorkerStart', undefined, () => hook(worker));
  }

  workerStopped(worker: WorkerState): void {
    const hook = this.hooks.onWorkerStop;
    if (hook) queueMicrotask(() => this.#call('onWorkerStop', undefined, () => hook(worker)));
  }

  #call<T>(name: string, job: JobContext | undefined, fn: () => T): T | undefined {
    try {
      return job ? executionScope.run({ job, activation: undefined }, fn) : fn();
    } catch (error) {
      job?.trace('', 'hook.error', { hook: name, error: error instanceof Error ? error.message : String(error) });
      try {
        this.report(error, `hook ${name}`);
      } catch {
        // A broken reporter must not break the job either.
      }
      return undefined;
    }
  }
}


type HookName = keyof RuntimeHooks;
const HOOK_NAMES: readonly HookName[] = ['onWorkerStart', 'onWorkerStop', 'onJobStart', 'onJobEnd', 'onRoutineStart', 'onRoutineEnd', 'onEventEmit'];

/**
 * One RuntimeHooks calling each layer's hook in order: a `false` from a gate (onRoutineStart, onEventEmit) stops
 * there, and a layer that throws does not keep the later ones from running (the first error is rethrown after).
 */
export function combineHooks(layers: readonly RuntimeHooks[]): RuntimeHooks {
  if (layers.length === 1) return layers[0]!;
  const combined: Record<string, (arg: never) => boolean | void> = {};
  for (const name of HOOK_NAMES) {
    const fns = layers.map((l) => l[name]?.bind(l) as ((arg: never) => boolean | void) | undefined).filter((f) => f !== undefined);
    if (fns.length === 0) continue;
    combined[name] = (arg) => {
      let failure: { error: unknown } | undefined;
      for (const fn of fns) {
        try {
          if (fn(arg) === false) return false;
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
      return undefined;
    };
  }
  return combined as RuntimeHooks;
}
