import { DuplicateIdError, EventNotFoundError, InvalidArgumentError, RoutineNotFoundError, SlotNotFoundError, type FlowProblem } from '../errors.js';
import { ErrorHandler } from '../routine/error-handler.js';
import { assertId, optionsBag } from '../util/args.js';
import { Routine, assertName, type EventTypes, type SlotTypes } from '../routine/routine.js';
import { assertDelay } from '../util/delay.js';
import { flowToDefinition, readFlowDefinition, type FlowDefinition, type RoutineFactory } from './definition.js';
import type { Connection, FlowShape } from './flow-shape.js';
import { flowToMermaid } from './mermaid.js';
import { validateFlow } from './validate.js';

export type { Connection } from './flow-shape.js';

/** Options of new Flow(); both can also be set later (setErrorHandler, setJobTimeout). */
export interface FlowOptions {
  /** Used by routines that have no error handler of their own. Default: `stop`. */
  readonly errorHandler?: ErrorHandler;
  /** Default timeout (ms, > 0) for jobs of this flow; `post(..., { timeout })` overrides it. Default: none. */
  readonly jobTimeout?: number;
}

/**
 * A named graph of routines and connections. Names are checked as you build it, so a typo fails at the line
 * that made it, with the names that exist.
 */
export class Flow implements FlowShape {
  /** The flow's name: what FlowRegistry.register files it under and flow definitions record. */
  readonly name: string;
  readonly #routines = new Map<string, Routine>();
  readonly #connections: Connection[] = [];
  #errorHandler: ErrorHandler | undefined;
  #jobTimeout: number | undefined;

  /** @throws InvalidArgumentError for an empty name or a bad option. */
  constructor(name: string, flowOptions?: FlowOptions) {
    if (typeof name !== 'string' || name.trim() === '') throw new InvalidArgumentError('Flow name', name, 'a non-empty string');
    const options = optionsBag('Flow options', flowOptions);
    this.name = name;
    if (options.errorHandler !== undefined) this.setErrorHandler(options.errorHandler);
    if (options.jobTimeout !== undefined) this.setJobTimeout(options.jobTimeout);
  }

  /**
   * Adds `routine` under `id`, the name connections and posts use. One Routine object may be added under several
   * ids; each id is a separate node with its own queues. Returns the flow for chaining.
   * @throws InvalidArgumentError when `routine` is not a Routine or `id` is not a valid name.
   * @throws DuplicateIdError when the flow already has a routine `id`.
   */
  addRoutine<S extends SlotTypes, E extends EventTypes>(routine: Routine<S, E>, id: string): this {
    if (!(routine instanceof Routine)) {
      throw new InvalidArgumentError(`addRoutine(routine, "${String(id)}")`, routine, 'a Routine instance (new MyRoutine() or defineRoutine(...))');
    }
    assertName('routine id', id);
    if (this.#routines.has(id)) throw new DuplicateIdError('routine', id, `Flow "${this.name}"`);
    // Stored without its slot and event types: the flow only needs their names.
    this.#routines.set(id, routine as unknown as Routine);
    return this;
  }

  /**
   * Connects `from`'s event to `to`'s slot. One event may feed many slots (fan-out) and one slot many events
   * (fan-in). Returns the flow for chaining.
   * @throws RoutineNotFoundError, EventNotFoundError or SlotNotFoundError for a name that does not exist (the
   * message lists those that do).
   * @throws DuplicateIdError when the same connection already exists.
   */
  connect(from: string, event: string, to: string, slot: string): this {
    assertId('connect(from)', from);
    assertId('connect(event)', event);
    assertId('connect(to)', to);
    assertId('connect(slot)', slot);
    const source = this.#require(from);
    const target = this.#require(to);
    if (!source.hasEvent(event)) throw new EventNotFoundError(event, from, source.events.map((e) => e.name));
    if (!target.getSlot(slot)) throw new SlotNotFoundError(slot, to, target.slots.map((s) => s.name));
    if (this.#connections.some((c) => c.from === from && c.event === event && c.to === to && c.slot === slot)) {
      throw new DuplicateIdError('connection', `${from}.${event} -> ${to}.${slot}`, `Flow "${this.name}"`);
    }
    this.#connections.push(Object.freeze({ from, event, to, slot }));
    return this;
  }

  /** The routine added under `id`, or undefined. */
  getRoutine(id: string): Routine | undefined {
    return this.#routines.get(id);
  }

  /** Routine id → routine, in the order they were added. */
  get routines(): ReadonlyMap<string, Routine> {
    return this.#routines;
  }

  /** The connections, in the order they were made. */
  get connections(): readonly Connection[] {
    return this.#connections;
  }

  /**
   * Sets the error handler of routines that have none of their own; `undefined` goes back to the default
   * (`stop`). Returns the flow for chaining.
   * @throws InvalidArgumentError when `handler` is not an ErrorHandler.
   */
  setErrorHandler(handler: ErrorHandler | undefined): this {
    if (handler !== undefined && !(handler instanceof ErrorHandler)) {
      throw new InvalidArgumentError('Flow setErrorHandler(handler)', handler, "an ErrorHandler (new ErrorHandler({ strategy: 'retry' })) or undefined");
    }
    this.#errorHandler = handler;
    return this;
  }

  /** The flow's error handler; undefined means the default, `stop`. */
  get errorHandler(): ErrorHandler | undefined {
    return this.#errorHandler;
  }

  /**
   * Sets the default timeout (ms, > 0) of this flow's jobs; `undefined` removes it. A post's own `timeout`
   * overrides it. Returns the flow for chaining.
   * @throws InvalidArgumentError when `ms` is not a number of ms > 0 and at most 2^31 − 1.
   */
  setJobTimeout(ms: number | undefined): this {
    if (ms !== undefined) assertDelay('jobTimeout', ms, false);
    this.#jobTimeout = ms;
    return this;
  }

  /** The default job timeout in ms; undefined when jobs of this flow have none. */
  get jobTimeout(): number | undefined {
    return this.#jobTimeout;
  }

  /** Problems that stop the flow from running (`error`) and suspicious shapes (`warning`). */
  validate(): FlowProblem[] {
    return validateFlow(this);
  }

  /**
   * The flow as plain JSON data (a FlowDefinition): routines by type name with their config, policy and error
   * handler, connections, the flow's error handler and job timeout. Throws MissingRoutineTypeError for a
   * routine without a type name and SerializationError for config that is not plain data.
   */
  toJSON(): FlowDefinition {
    return flowToDefinition(this);
  }

  /**
   * Rebuilds a flow from `definition` (what toJSON wrote, or its JSON parsed), asking `factory` for each
   * routine type. Every problem in the definition is a typed error naming where it is.
   */
  static fromJSON(definition: FlowDefinition, factory: RoutineFactory): Flow {
    const plan = readFlowDefinition(definition, factory);
    const flow = new Flow(plan.name, { errorHandler: plan.errorHandler, jobTimeout: plan.jobTimeout });
    for (const [id, routine] of plan.routines) flow.addRoutine(routine, id);
    for (const c of plan.connections) flow.connect(c.from, c.event, c.to, c.slot);
    return flow;
  }

  /** A Mermaid `flowchart LR` of the routines, their slots and events, and the connections. */
  toMermaid(): string {
    return flowToMermaid(this);
  }

  #require(id: string): Routine {
    const routine = this.#routines.get(id);
    if (!routine) throw new RoutineNotFoundError(id, this.name, [...this.#routines.keys()]);
    return routine;
  }
}
