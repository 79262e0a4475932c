import type { ActivationPolicy } from '../policies/policy.js';
import type { ErrorHandler } from './error-handler.js';
import { InvalidArgumentError } from '../errors.js';
import { isPlainObject } from '../util/args.js';
import { Routine, type RoutineLogic, type SlotOptions } from './routine.js';

declare const itemType: unique symbol;
declare const payloadType: unique symbol;

/** A slot whose items have type T: `slot<{ url: string }>({ maxQueueLength: 100 })`. */
export interface SlotDeclaration<T> extends SlotOptions {
  readonly [itemType]?: T;
}

/** An event whose payload has type T: `event<{ body: string }>(['body'])`. */
export interface EventDeclaration<T> {
  readonly params: readonly string[];
  readonly [payloadType]?: T;
}

/** Declares a slot for defineRoutine; its type parameter is the type of one item the slot receives. */
export function slot<T = unknown>(options?: SlotOptions): SlotDeclaration<T> {
  if (options !== undefined && !isPlainObject(options)) throw new InvalidArgumentError('slot(options)', options, 'a plain object such as { maxQueueLength: 100 }, or nothing');
  return { ...options };
}

/** Declares an event for defineRoutine; its type parameter is the payload's type, `params` names its fields. */
export function event<T = unknown>(params: readonly string[] = []): EventDeclaration<T> {
  if (!Array.isArray(params)) throw new InvalidArgumentError('event(params)', params, "an array of field names, e.g. ['status']");
  return { params };
}

const DEFINITION_FIELDS = ['name', 'slots', 'events', 'logic', 'policy', 'errorHandler', 'config'];

/** Names the first field of a defineRoutine definition that is missing or of the wrong kind. */
function checkDefinition(definition: unknown): void {
  if (!isPlainObject(definition)) throw new InvalidArgumentError('defineRoutine(definition)', definition, '{ slots, events?, logic, ... }');
  for (const key of Object.keys(definition)) {
    if (!DEFINITION_FIELDS.includes(key)) throw new InvalidArgumentError(`defineRoutine field "${key}"`, definition[key], `one of ${DEFINITION_FIELDS.join(', ')}`);
  }
  if (!isPlainObject(definition.slots) || Object.keys(definition.slots).length === 0) {
    throw new InvalidArgumentError('defineRoutine slots', definition.slots, '{ name: slot() } with at least one slot');
  }
  for (const [name, declaration] of Object.entries(definition.slots)) {
    if (!isPlainObject(declaration)) throw new InvalidArgumentError(`defineRoutine slots.${name}`, declaration, 'slot() or slot({ maxQueueLength })');
  }
  if (definition.events !== undefined) {
    if (!isPlainObject(definition.events)) throw new InvalidArgumentError('defineRoutine events', definition.events, "{ name: event(['field']) }");
    for (const [name, declaration] of Object.entries(definition.events)) {
      if (!isPlainObject(declaration) || !Array.isArray(declaration.params)) {
        throw new InvalidArgumentError(`defineRoutine events.${name}`, declaration, "event() or event(['field'])");
      }
    }
  }
  if (typeof definition.logic !== 'function') throw new InvalidArgumentError('defineRoutine logic', definition.logic, 'a function (slotData, message, state, context) => void');
}

/** The item type of each slot of a definition's `slots`: `{ input: slot<Order>() }` → `{ input: Order }`. */
export type SlotsOf<SD> = { [K in keyof SD]: SD[K] extends SlotDeclaration<infer T> ? T : never };
/** The payload type of each event of a definition's `events`: `{ output: event<Receipt>() }` → `{ output: Receipt }`. */
export type EventsOf<ED> = { [K in keyof ED]: ED[K] extends EventDeclaration<infer T> ? T : never };

/** What defineRoutine takes: the parts of a routine in one object, each applied as the matching Routine setter. */
export interface RoutineDefinition<SD extends Record<string, SlotDeclaration<unknown>>, ED extends Record<string, EventDeclaration<unknown>>> {
  /** The routine's type name, recorded by flow.toJSON() so a factory can rebuild it (see Routine.type). */
  readonly name?: string;
  /** Slot name → slot<Item>(options); at least one. */
  readonly slots: SD;
  /** Event name → event<Payload>(params). Default: none. */
  readonly events?: ED;
  /** Receives typed slot data; emit through the 4th argument: `(data, message, state, { emit }) => emit('out', …)`. */
  readonly logic: RoutineLogic<SlotsOf<SD>, EventsOf<ED>>;
  /** When the logic runs. Default immediatePolicy(). */
  readonly policy?: ActivationPolicy;
  /** Overrides the flow's error handler for this routine. */
  readonly errorHandler?: ErrorHandler;
  /** Initial config (see Routine.setConfig): plain JSON data. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * The functional, fully typed form of a routine: slot item types and event payload types flow from the
 * declarations into the logic's `slotData` and `emit`.
 *
 * ```ts
 * const fetcher = defineRoutine({
 *   name: 'fetch',
 *   slots: { input: slot<{ url: string }>() },
 *   events: { output: event<{ status: number }>(['status']) },
 *   logic: async ({ input }, _message, _state, { emit }) => emit('output', { status: (await fetch(input[0]!.url)).status }),
 * });
 * ```
 *
 * @throws InvalidArgumentError naming the first field that is missing, unknown or of the wrong kind, and
 * whatever the matching Routine setter throws.
 */
export function defineRoutine<
  SD extends Record<string, SlotDeclaration<unknown>>,
  ED extends Record<string, EventDeclaration<unknown>> = Record<never, EventDeclaration<unknown>>,
>(definition: RoutineDefinition<SD, ED>): Routine<SlotsOf<SD>, EventsOf<ED>> {
  checkDefinition(definition);
  const routine = new Routine<SlotsOf<SD>, EventsOf<ED>>();
  if (definition.name !== undefined) routine.setType(definition.name);
  for (const [name, declaration] of Object.entries(definition.slots)) routine.addSlot(name as keyof SD & string, declaration);
  for (const [name, declaration] of Object.entries(definition.events ?? {})) routine.addEvent(name as keyof ED & string, (declaration as EventDeclaration<unknown>).params);
  routine.setLogic(definition.logic);
  if (definition.policy !== undefined) routine.setActivationPolicy(definition.policy);
  if (definition.errorHandler !== undefined) routine.setErrorHandler(definition.errorHandler);
  if (definition.config !== undefined) routine.setConfig(definition.config);
  return routine;
}
