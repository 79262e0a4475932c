import type { ActivationPolicy } from '../policies/policy.js';
import type { ErrorHandler } from './error-handler.js';
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

export function slot<T = unknown>(options: SlotOptions = {}): SlotDeclaration<T> {
  return { ...options };
}

export function event<T = unknown>(params: readonly string[] = []): EventDeclaration<T> {
  return { params };
}

type SlotsOf<SD> = { [K in keyof SD]: SD[K] extends SlotDeclaration<infer T> ? T : never };
type EventsOf<ED> = { [K in keyof ED]: ED[K] extends EventDeclaration<infer T> ? T : never };

export interface RoutineDefinition<SD extends Record<string, SlotDeclaration<unknown>>, ED extends Record<string, EventDeclaration<unknown>>> {
  /** The routine's type name, recorded by flow.toJSON() so a factory can rebuild it (see Routine.type). */
  readonly name?: string;
  readonly slots: SD;
  readonly events?: ED;
  /** Receives typed slot data; emit through the 4th argument: `(data, message, state, { emit }) => emit('out', …)`. */
  readonly logic: RoutineLogic<SlotsOf<SD>, EventsOf<ED>>;
  readonly policy?: ActivationPolicy;
  readonly errorHandler?: ErrorHandler;
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
 */
export function defineRoutine<
  SD extends Record<string, SlotDeclaration<unknown>>,
  ED extends Record<string, EventDeclaration<unknown>> = Record<never, EventDeclaration<unknown>>,
>(definition: RoutineDefinition<SD, ED>): Routine<SlotsOf<SD>, EventsOf<ED>> {
  const routine = new Routine<SlotsOf<SD>, EventsOf<ED>>();
  if (definition.name !== undefined) routine.setType(definition.name);
  for (const [name, declaration] of Object.entries(definition.slots)) routine.addSlot(name as keyof SD & string, declaration);
  for (const [name, declaration] of Object.entries(definition.events ?? {})) routine.addEvent(name as keyof ED & string, (declaration as EventDeclaration<unknown>).params);
  routine.setLogic(definition.logic);
  if (definition.policy) routine.setActivationPolicy(definition.policy);
  if (definition.errorHandler) routine.setErrorHandler(definition.errorHandler);
  if (definition.config) routine.setConfig(definition.config);
  return routine;
}
