import { EventNotFoundError, InvalidArgumentError, NoCurrentJobError, RoutiluxError, DuplicateIdError } from '../errors.js';
import { currentActivation } from '../job/current-job.js';
import type { JobContext } from '../job/job-context.js';
import { immediatePolicy } from '../policies/builtin.js';
import type { ActivationPolicy } from '../policies/policy.js';
import type { WorkerState } from '../state/worker-state.js';
import { ErrorHandler } from './error-handler.js';
import { findUnserializable } from '../serialization/check.js';
import { deepFreeze } from '../serialization/deep-freeze.js';
import { SerializationError } from '../errors.js';
import { assertId, isPlainObject, optionsBag } from '../util/args.js';

/** Slot name → the type of one item that slot receives. */
export type SlotTypes = Record<string, unknown>;
/** Event name → the type of the payload that event carries. */
export type EventTypes = Record<string, unknown>;

/** What the logic receives: the items the policy took from each slot, oldest first. */
export type SlotData<S extends SlotTypes> = { readonly [K in keyof S]: readonly S[K][] };

/** The 4th argument of every logic call: handy in arrow functions, where `this.emit` is not the routine's. */
export interface LogicContext<E extends EventTypes = EventTypes> {
  /** The job this activation belongs to: per-job data, trace and output. */
  readonly job: JobContext;
  /** The id this routine has in its flow (one Routine object may be added under several ids). */
  readonly routineId: string;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /** Aborted when the job is cancelled, times out or fails: long-running logic should stop then. */
  readonly signal: AbortSignal;
  /**
   * A key for external side effects: `<jobId>:<activation seq>` with a store (the same on every re-run after a
   * crash, so pass it to external APIs that deduplicate); without one `<jobId>:<routineId>:<attempt>`.
   */
  readonly idempotencyKey: string;
  /**
   * Same as the routine's emit: sends `payload` to every slot connected to `event`, within this job.
   * @throws EventNotFoundError when the routine declares no such event.
   */
  emit<K extends keyof E & string>(event: K, payload?: E[K]): void;
}

/**
 * What a routine does when its policy activates it. Runs with `this` bound to the routine; may be async (the
 * routine counts as running until the promise settles). A throw or rejection goes to the error handler (the routine's, else the flow's).
 */
export type RoutineLogic<S extends SlotTypes = SlotTypes, E extends EventTypes = EventTypes> = (
  slotData: SlotData<S>,
  policyMessage: unknown,
  workerState: WorkerState,
  context: LogicContext<E>,
) => void | Promise<void>;

/** Options of Routine.addSlot and slot(). */
export interface SlotOptions {
  /** Items a slot may hold per job before an emit into it fails with SlotQueueFullError. Default 10,000. */
  readonly maxQueueLength?: number;
}

/** A declared slot, as Routine.slots lists it: options resolved to their values. */
export interface SlotSpec {
  readonly name: string;
  /** Items the slot may hold per job (the default filled in). */
  readonly maxQueueLength: number;
}

/** A declared event, as Routine.events lists it. */
export interface EventSpec {
  readonly name: string;
  /** The payload's field names given to addEvent: documentation for flow definitions and diagrams, not checked. */
  readonly params: readonly string[];
}

/** Items a slot holds per job when addSlot is given no `maxQueueLength`. */
export const DEFAULT_MAX_QUEUE_LENGTH = 10_000;
const NAME = /^[A-Za-z_][\w-]*$/;

/**
 * Checks a slot or event name (letters, digits, `_`, `-`; not starting with a digit or `-`), so names stay
 * usable in flow definitions, DSL files and diagrams.
 * @throws InvalidArgumentError naming `kind` when the name does not fit.
 */
export function assertName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidArgumentError(`${kind} name`, name, 'a non-empty string of letters, digits, "_" or "-" (starting with a letter or "_")');
  }
}

/**
 * A node of a flow: named slots in, named events out, a logic function and an activation policy. A routine is
 * defined once and shared by every worker and job of its flow, so keep per-job data in the JobContext and
 * long-lived data in the WorkerState, never on the routine itself.
 */
export class Routine<S extends SlotTypes = SlotTypes, E extends EventTypes = EventTypes> {
  readonly #slots = new Map<string, SlotSpec>();
  readonly #events = new Map<string, EventSpec>();
  #logic: RoutineLogic<S, E> | undefined;
  #policy: ActivationPolicy = immediatePolicy();
  #errorHandler: ErrorHandler | undefined;
  #config: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null));
  #type: string | undefined;

  /**
   * The routine's kind, which flow definitions record so a factory can rebuild it: the name given to
   * setType (or defineRoutine's `name`), else the subclass's name (`class FetchRoutine extends Routine` →
   * "FetchRoutine"). A plain `new Routine()` has none until setType is called. Bundlers that minify class
   * names change the default, so call setType when definitions must outlive a build.
   */
  get type(): string | undefined {
    if (this.#type !== undefined) return this.#type;
    const ctor = this.constructor;
    return ctor !== Routine && ctor.name !== '' ? ctor.name : undefined;
  }

  /**
   * Names the routine's kind for flow definitions (see {@link Routine.type}); returns the routine for chaining.
   * @throws InvalidArgumentError when `name` is empty or has leading or trailing spaces.
   */
  setType(name: string): this {
    if (typeof name !== 'string' || name.trim() === '' || name.trim() !== name) {
      throw new InvalidArgumentError('setType(name)', name, 'a non-empty string without leading or trailing spaces, e.g. "FetchRoutine"');
    }
    this.#type = name;
    return this;
  }

  /**
   * Declares an input slot that connections and posts deliver items to; returns the routine for chaining.
   * @throws InvalidArgumentError for a bad name or `maxQueueLength` (a positive integer, default 10,000).
   * @throws DuplicateIdError when the routine already has a slot of that name.
   */
  addSlot(name: keyof S & string, slotOptions?: SlotOptions): this {
    assertName('slot', name);
    const options = optionsBag(`addSlot("${name}") options`, slotOptions);
    if (options.maxQueueLength === null) throw new InvalidArgumentError(`addSlot("${name}") maxQueueLength`, null, 'a positive integer, or leave it out for the default');
    if (this.#slots.has(name)) throw new DuplicateIdError('slot', name, `Routine ${this.constructor.name}`);
    const maxQueueLength = options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH;
    if (!Number.isInteger(maxQueueLength) || maxQueueLength < 1) {
      throw new InvalidArgumentError(`addSlot("${name}") maxQueueLength`, maxQueueLength, 'a positive integer');
    }
    this.#slots.set(name, Object.freeze({ name, maxQueueLength }));
    return this;
  }

  /**
   * Declares an output event the logic may emit; `params` documents the payload's fields (shown in flow
   * definitions and diagrams). Returns the routine for chaining.
   * @throws InvalidArgumentError for a bad name or `params` that is not an array of strings.
   * @throws DuplicateIdError when the routine already has an event of that name.
   */
  addEvent(name: keyof E & string, params: readonly string[] = []): this {
    assertName('event', name);
    if (this.#events.has(name)) throw new DuplicateIdError('event', name, `Routine ${this.constructor.name}`);
    if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) {
      throw new InvalidArgumentError(`addEvent("${name}") params`, params, 'an array of field names');
    }
    this.#events.set(name, Object.freeze({ name, params: Object.freeze([...params]) }));
    return this;
  }

  /**
   * Sets what runs on each activation, replacing any earlier logic; returns the routine for chaining.
   * @throws InvalidArgumentError when `logic` is not a function.
   */
  setLogic(logic: RoutineLogic<S, E>): this {
    if (typeof logic !== 'function') throw new InvalidArgumentError('setLogic(logic)', logic, 'a function (slotData, policyMessage, workerState) => void | Promise<void>');
    this.#logic = logic;
    return this;
  }

  /**
   * Sets when the logic runs and with which slot items (default: immediatePolicy(), once per item); returns the
   * routine for chaining.
   * @throws InvalidArgumentError when `policy` has no `decide` function.
   */
  setActivationPolicy(policy: ActivationPolicy): this {
    if (!policy || typeof policy.decide !== 'function') {
      throw new InvalidArgumentError('setActivationPolicy(policy)', policy, 'a policy such as immediatePolicy() or batchSizePolicy(10)');
    }
    this.#policy = policy;
    return this;
  }

  /**
   * Overrides the flow's error handler for this routine; `undefined` goes back to the flow's.
   * @throws InvalidArgumentError when `handler` is not an ErrorHandler.
   */
  setErrorHandler(handler: ErrorHandler | undefined): this {
    if (handler !== undefined && !(handler instanceof ErrorHandler)) {
      throw new InvalidArgumentError('setErrorHandler(handler)', handler, "an ErrorHandler (new ErrorHandler({ strategy: 'retry', maxRetries: 3 })) or undefined");
    }
    this.#errorHandler = handler;
    return this;
  }

  /**
   * Merges `values` (copied, then frozen) into the routine's config, which logic reads through getConfig and
   * flow.toJSON() records.
   * @throws InvalidArgumentError when `values` is not a plain object.
   * @throws SerializationError when a value is not JSON-serializable (a function, a class instance, a cycle, …).
   */
  setConfig(values: Readonly<Record<string, unknown>>): this {
    if (!isPlainObject(values)) throw new InvalidArgumentError('setConfig(values)', values, 'a plain object of config values');
    // Config is part of the flow's definition (flow.toJSON()): it follows the serialization rules of WorkerState.
    const problem = findUnserializable(values, 'json', 'config');
    if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
    const merged: Record<string, unknown> = Object.create(null);
    Object.assign(merged, this.#config, structuredClone(values));
    this.#config = deepFreeze(merged);
    return this;
  }

  /** The config value under `key` (own keys only: `getConfig('toString')` is the default unless set), else `defaultValue`. */
  getConfig<T = unknown>(key: string, defaultValue?: T): T {
    assertId('getConfig(key)', key);
    return (Object.hasOwn(this.#config, key) ? this.#config[key] : defaultValue) as T;
  }

  /** The whole config, frozen, with no prototype. */
  get config(): Readonly<Record<string, unknown>> {
    return this.#config;
  }

  /** The declared slots, in declaration order (a copy). */
  get slots(): readonly SlotSpec[] {
    return [...this.#slots.values()];
  }

  /** The declared events, in declaration order (a copy). */
  get events(): readonly EventSpec[] {
    return [...this.#events.values()];
  }

  /** The slot declared under `name`, or undefined. */
  getSlot(name: string): SlotSpec | undefined {
    return this.#slots.get(name);
  }

  /** Whether the routine declares an event `name`. */
  hasEvent(name: string): boolean {
    return this.#events.has(name);
  }

  /** The logic set by setLogic; undefined until then (flow validation reports it as NO_LOGIC). */
  get logic(): RoutineLogic<S, E> | undefined {
    return this.#logic;
  }

  /** The policy set by setActivationPolicy; immediatePolicy() by default. */
  get activationPolicy(): ActivationPolicy {
    return this.#policy;
  }

  /** This routine's own error handler; undefined when the flow's applies. */
  get errorHandler(): ErrorHandler | undefined {
    return this.#errorHandler;
  }

  /**
   * Sends `payload` to every slot connected to `event`, within the current job. Works anywhere inside this
   * routine's logic, across awaits.
   * @throws NoCurrentJobError when called outside a running logic.
   * @throws RoutiluxError `EMIT_FROM_OTHER_ROUTINE` when another routine's logic is the one running.
   * @throws EventNotFoundError when the routine declares no such event.
   */
  emit<K extends keyof E & string>(event: K, payload?: E[K]): void {
    const activation = currentActivation();
    if (!activation) throw new NoCurrentJobError(`emit("${event}")`);
    if (activation.owner !== this) {
      throw new RoutiluxError(
        'EMIT_FROM_OTHER_ROUTINE',
        `emit("${event}") was called on a routine whose logic is not the one running (the running routine is "${activation.routineId}"). ` +
          `Emit through the running routine (this.emit or the logic's context.emit).`,
      );
    }
    if (!this.#events.has(event)) throw new EventNotFoundError(event, activation.routineId, [...this.#events.keys()]);
    activation.emitEvent(event, payload);
  }
}

