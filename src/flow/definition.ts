import {
  DuplicateIdError,
  InvalidArgumentError,
  MissingRoutineTypeError,
  SerializationError,
  UnknownRoutineTypeError,
  UnsupportedFlowDefinitionVersionError,
} from '../errors.js';
import { allSlotsReadyPolicy, batchSizePolicy, immediatePolicy, timeIntervalPolicy } from '../policies/builtin.js';
import type { ActivationPolicy } from '../policies/policy.js';
import { ErrorHandler, type ErrorStrategy } from '../routine/error-handler.js';
import { Routine, assertName, type EventSpec, type SlotSpec } from '../routine/routine.js';
import { findUnserializable } from '../serialization/check.js';
import type { Connection, FlowShape } from './flow-shape.js';

/** The flow definition format this routilux writes and reads. It changes only when the format does. */
export const FLOW_DEFINITION_VERSION = 1;

/** A built-in activation policy by name and parameters, e.g. `{ name: 'batchSize', params: { n: 10 } }`. */
export interface PolicyDefinition {
  readonly name: string;
  readonly params: Readonly<Record<string, number>>;
}

/** An ErrorHandler's settings; `isRetryable` is code, so it is not part of a definition. */
export interface ErrorHandlerDefinition {
  readonly strategy: ErrorStrategy;
  readonly maxRetries: number;
  readonly retryDelay: number;
  readonly retryBackoff: number;
}

/** One routine of a FlowDefinition: its id in the flow, how to rebuild it, and the settings to apply to it. */
export interface FlowRoutineDefinition {
  readonly id: string;
  /** What the routine factory is asked for (see Routine.type). */
  readonly type: string;
  /** Merged over the config the factory's routine already has. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly policy: PolicyDefinition;
  readonly errorHandler?: ErrorHandlerDefinition;
  /** What the routine declares, for readers and tools; the routine's class stays the source of truth. */
  readonly slots: readonly SlotSpec[];
  readonly events: readonly EventSpec[];
}

/** A flow as plain JSON data: `flow.toJSON()` writes it, `Flow.fromJSON(definition, factory)` rebuilds the flow. */
export interface FlowDefinition {
  readonly version: typeof FLOW_DEFINITION_VERSION;
  readonly name: string;
  readonly errorHandler?: ErrorHandlerDefinition;
  readonly jobTimeout?: number;
  readonly routines: readonly FlowRoutineDefinition[];
  readonly connections: readonly Connection[];
}

/**
 * Turns a definition's routine type back into a routine: a map of type name → class (`{ FetchRoutine }`,
 * each class constructed with no arguments), or a function that returns a new routine for a type.
 */
export type RoutineFactory =
  | Readonly<Record<string, new () => AnyRoutine>>
  | ((type: string, definition: FlowRoutineDefinition) => AnyRoutine);

/**
 * A routine of any slot and event types. `Routine<{ in: Order }>` is not assignable to `Routine` (its logic is
 * typed by its slots), so factories are typed by the members a definition reads; fromJSON checks at run time
 * that what they build is a Routine.
 */
export type AnyRoutine = Pick<Routine, 'type' | 'slots' | 'events' | 'config' | 'activationPolicy' | 'errorHandler'>;

// ---------------------------------------------------------------------------------------------- writing

/**
 * What flow.toJSON() returns.
 * @throws MissingRoutineTypeError for a routine without a type name.
 * @throws SerializationError for config that is not plain JSON data.
 */
export function flowToDefinition(flow: FlowShape): FlowDefinition {
  const routines = [...flow.routines].map(([id, routine]) => routineToDefinition(flow.name, id, routine));
  return {
    version: FLOW_DEFINITION_VERSION,
    name: flow.name,
    ...(flow.errorHandler ? { errorHandler: flow.errorHandler.toJSON() } : {}),
    ...(flow.jobTimeout !== undefined ? { jobTimeout: flow.jobTimeout } : {}),
    routines,
    connections: flow.connections.map(({ from, event, to, slot }) => ({ from, event, to, slot })),
  };
}

function routineToDefinition(flowName: string, id: string, routine: Routine): FlowRoutineDefinition {
  const type = routine.type;
  if (type === undefined) throw new MissingRoutineTypeError(id, flowName);
  const bad = findUnserializable(routine.config, 'json', `routine "${id}" config`);
  if (bad) {
    throw new SerializationError(bad.path, bad.reason, `${bad.hint ?? ''} A flow definition carries config as JSON: keep it to plain data.`.trim());
  }
  const { name, params } = routine.activationPolicy;
  return {
    id,
    type,
    config: canonical(routine.config) as Record<string, unknown>,
    policy: { name, params: canonical(params) as Record<string, number> },
    ...(routine.errorHandler ? { errorHandler: routine.errorHandler.toJSON() } : {}),
    slots: routine.slots.map((s) => ({ name: s.name, maxQueueLength: s.maxQueueLength })),
    events: routine.events.map((e) => ({ name: e.name, params: [...e.params] })),
  };
}

/** A deep copy with object keys sorted, so equal data always gives the same JSON text. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) copy[key] = canonical(item);
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------- reading

/** What a definition describes, with its routines built: Flow.fromJSON assembles the flow from it. */
export interface FlowPlan {
  readonly name: string;
  readonly errorHandler: ErrorHandler | undefined;
  readonly jobTimeout: number | undefined;
  readonly routines: readonly (readonly [id: string, routine: Routine])[];
  readonly connections: readonly Connection[];
}

type Data = Readonly<Record<string, unknown>>;

const ROOT = 'definition';
const FLOW_KEYS = { required: ['version', 'name', 'routines', 'connections'], optional: ['errorHandler', 'jobTimeout'] } as const;
const ROUTINE_KEYS = { required: ['id', 'type', 'config', 'policy', 'slots', 'events'], optional: ['errorHandler'] } as const;
const HANDLER_KEYS = { required: ['strategy', 'maxRetries', 'retryDelay', 'retryBackoff'], optional: [] } as const;
const POLICY_KEYS = { required: ['name', 'params'], optional: [] } as const;
const CONNECTION_KEYS = { required: ['from', 'event', 'to', 'slot'], optional: [] } as const;
const SLOT_KEYS = { required: ['name', 'maxQueueLength'], optional: [] } as const;
const EVENT_KEYS = { required: ['name', 'params'], optional: [] } as const;

const BUILTIN_POLICIES: ReadonlyMap<string, { readonly params: readonly string[]; readonly make: (p: Readonly<Record<string, number>>) => ActivationPolicy }> =
  new Map([
    ['immediate', { params: [], make: () => immediatePolicy() }],
    ['batchSize', { params: ['n'], make: (p) => batchSizePolicy(p.n) }],
    ['allSlotsReady', { params: [], make: () => allSlotsReadyPolicy() }],
    ['timeInterval', { params: ['ms'], make: (p) => timeIntervalPolicy(p.ms) }],
  ]);

/**
 * Checks the whole definition before asking the factory for anything, then builds each routine and applies
 * what the definition says about it: config (merged over the routine's own), policy and error handler.
 */
export function readFlowDefinition(definition: unknown, factory: RoutineFactory): FlowPlan {
  if (!isData(definition)) throw new InvalidArgumentError(ROOT, definition, 'a flow definition object: what flow.toJSON() returns, or JSON.parse of its JSON');
  if (definition.version !== FLOW_DEFINITION_VERSION) throw new UnsupportedFlowDefinitionVersionError(definition.version, FLOW_DEFINITION_VERSION);
  if (typeof factory !== 'function' && !isData(factory)) {
    throw new InvalidArgumentError('Flow.fromJSON(definition, factory)', factory, 'a map of type name → routine class ({ FetchRoutine }) or a function (type, definition) => Routine');
  }
  const def = shape(definition, ROOT, 'a flow definition', FLOW_KEYS);
  const name = text(def.name, `${ROOT}.name`);
  const errorHandler = def.errorHandler === undefined ? undefined : readErrorHandler(def.errorHandler, `${ROOT}.errorHandler`);
  if (def.jobTimeout !== undefined && (typeof def.jobTimeout !== 'number' || !Number.isFinite(def.jobTimeout) || def.jobTimeout <= 0)) {
    throw new InvalidArgumentError(`${ROOT}.jobTimeout`, def.jobTimeout, 'a number of milliseconds > 0 (leave it out for no default timeout)');
  }

  const entries = list(def.routines, `${ROOT}.routines`).map((value, i) => readRoutine(value, `${ROOT}.routines[${i}]`));
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const first = seen.get(entry.id);
    if (first !== undefined) throw new DuplicateIdError('routine', entry.id, `Flow definition "${name}" (${ROOT}.routines[${i}] repeats ${ROOT}.routines[${first}])`);
    seen.set(entry.id, i);
  });
  const connections = list(def.connections, `${ROOT}.connections`).map((value, i): Connection => {
    const path = `${ROOT}.connections[${i}]`;
    const c = shape(value, path, 'a connection', CONNECTION_KEYS);
    return { from: text(c.from, `${path}.from`), event: text(c.event, `${path}.event`), to: text(c.to, `${path}.to`), slot: text(c.slot, `${path}.slot`) };
  });

  const built = new Map<Routine, string>();
  const routines = entries.map((entry, i): [string, Routine] => {
    const path = `${ROOT}.routines[${i}]`;
    const routine = buildRoutine(factory, entry);
    const twin = built.get(routine);
    if (twin !== undefined) {
      throw new InvalidArgumentError(
        `the routine factory's result for "${entry.id}"`,
        routine,
        `a new Routine on every call (it returned the same one as for "${twin}", so their config, policy and error handler would be shared)`,
      );
    }
    built.set(routine, entry.id);
    applyDefinition(routine, entry, path);
    return [entry.id, routine];
  });
  return { name, errorHandler: errorHandler && new ErrorHandler(errorHandler), jobTimeout: def.jobTimeout as number | undefined, routines, connections };
}

function readRoutine(value: unknown, path: string): FlowRoutineDefinition {
  const r = shape(value, path, 'a routine definition', ROUTINE_KEYS);
  const id = text(r.id, `${path}.id`);
  at(`${path}.id`, () => assertName('routine id', id));
  const type = text(r.type, `${path}.type`);
  if (!isData(r.config)) throw new InvalidArgumentError(`${path}.config`, r.config, 'an object of config values ({} for none)');
  const bad = findUnserializable(r.config, 'json', `${path}.config`);
  if (bad) throw new SerializationError(bad.path, bad.reason, bad.hint);
  const policy = shape(r.policy, `${path}.policy`, 'a policy', POLICY_KEYS);
  if (!isData(policy.params) || Object.values(policy.params).some((v) => typeof v !== 'number')) {
    throw new InvalidArgumentError(`${path}.policy.params`, policy.params, 'an object of numbers ({} for none)');
  }
  return {
    id,
    type,
    config: r.config,
    policy: { name: text(policy.name, `${path}.policy.name`), params: policy.params as Record<string, number> },
    ...(r.errorHandler === undefined ? {} : { errorHandler: readErrorHandler(r.errorHandler, `${path}.errorHandler`) }),
    slots: list(r.slots, `${path}.slots`).map((s, i) => {
      const spec = shape(s, `${path}.slots[${i}]`, 'a slot', SLOT_KEYS);
      const maxQueueLength = spec.maxQueueLength;
      if (typeof maxQueueLength !== 'number' || !Number.isInteger(maxQueueLength) || maxQueueLength < 1) {
        throw new InvalidArgumentError(`${path}.slots[${i}].maxQueueLength`, maxQueueLength, 'a positive integer');
      }
      return { name: text(spec.name, `${path}.slots[${i}].name`), maxQueueLength };
    }),
    events: list(r.events, `${path}.events`).map((e, i) => {
      const spec = shape(e, `${path}.events[${i}]`, 'an event', EVENT_KEYS);
      const params = list(spec.params, `${path}.events[${i}].params`).map((p, j) => text(p, `${path}.events[${i}].params[${j}]`));
      return { name: text(spec.name, `${path}.events[${i}].name`), params };
    }),
  };
}

function readErrorHandler(value: unknown, path: string): ErrorHandlerDefinition {
  const h = shape(value, path, 'an error handler', HANDLER_KEYS);
  const settings = { strategy: h.strategy, maxRetries: h.maxRetries, retryDelay: h.retryDelay, retryBackoff: h.retryBackoff } as ErrorHandlerDefinition;
  at(path, () => new ErrorHandler(settings));
  return settings;
}

function buildRoutine(factory: RoutineFactory, entry: FlowRoutineDefinition): Routine {
  let routine: unknown;
  if (typeof factory === 'function') {
    routine = factory(entry.type, entry);
    if (!(routine instanceof Routine)) throw new UnknownRoutineTypeError(entry.type, entry.id, undefined, routine);
  } else {
    const Class = Object.hasOwn(factory, entry.type) ? factory[entry.type] : undefined;
    if (typeof Class !== 'function') throw new UnknownRoutineTypeError(entry.type, entry.id, Object.keys(factory));
    routine = new Class();
    if (!(routine instanceof Routine)) {
      throw new InvalidArgumentError(`routine factory entry "${entry.type}"`, Class, 'a class that extends Routine');
    }
  }
  return routine as Routine;
}

function applyDefinition(routine: Routine, entry: FlowRoutineDefinition, path: string): void {
  // A routine the factory made without a type name (defineRoutine without `name`) takes the definition's,
  // so the rebuilt flow can be written out again.
  if (routine.type === undefined) routine.setType(entry.type);
  at(`${path}.config`, () => routine.setConfig(entry.config));

  const builtin = BUILTIN_POLICIES.get(entry.policy.name);
  if (builtin) {
    const params = entry.policy.params;
    for (const key of Object.keys(params)) {
      if (!builtin.params.includes(key)) {
        throw new InvalidArgumentError(`${path}.policy.params.${key}`, params[key], `absent: ${entry.policy.name} takes ${builtin.params.length ? `only { ${builtin.params.join(', ')} }` : 'no params'}`);
      }
    }
    for (const key of builtin.params) {
      if (!(key in params)) throw new InvalidArgumentError(`${path}.policy.params.${key}`, undefined, `a number (${entry.policy.name} takes { ${builtin.params.join(', ')} })`);
    }
    routine.setActivationPolicy(at(`${path}.policy.params`, () => builtin.make(params)));
  } else if (routine.activationPolicy.name !== entry.policy.name) {
    throw new InvalidArgumentError(
      `${path}.policy.name`,
      entry.policy.name,
      `a built-in policy (${[...BUILTIN_POLICIES.keys()].join(', ')}) or the custom policy the factory's "${entry.type}" already has ` +
        `("${routine.activationPolicy.name}"): a custom policy is code and cannot be rebuilt from JSON, so set it in the routine ` +
        `(setActivationPolicy(customPolicy(fn, ${JSON.stringify(entry.policy.name)})))`,
    );
  }

  // Keep the factory's handler when its settings match: it may carry an isRetryable function JSON cannot.
  const own = routine.errorHandler;
  if (!entry.errorHandler) routine.setErrorHandler(undefined);
  else if (!own || !sameHandler(own.toJSON(), entry.errorHandler)) routine.setErrorHandler(new ErrorHandler(entry.errorHandler));
}

function sameHandler(a: ErrorHandlerDefinition, b: ErrorHandlerDefinition): boolean {
  return a.strategy === b.strategy && a.maxRetries === b.maxRetries && a.retryDelay === b.retryDelay && a.retryBackoff === b.retryBackoff;
}

// ---------------------------------------------------------------------------------------------- shape checks

function isData(value: unknown): value is Data {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` as an object with every required key and nothing unknown (a misspelt key is an error, not ignored). */
function shape(value: unknown, path: string, what: string, keys: { readonly required: readonly string[]; readonly optional: readonly string[] }): Data {
  const all = [...keys.required, ...keys.optional];
  const has = `${what} has ${keys.required.join(', ')}${keys.optional.length ? ` (and optionally ${keys.optional.join(', ')})` : ''}`;
  if (!isData(value)) throw new InvalidArgumentError(path, value, `${what} object: ${has}`);
  for (const key of keys.required) if (value[key] === undefined) throw new InvalidArgumentError(`${path}.${key}`, undefined, `present: ${has}`);
  for (const key of Object.keys(value)) if (!all.includes(key)) throw new InvalidArgumentError(`${path}.${key}`, value[key], `absent: ${has}`);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(path, value, 'a non-empty string');
  return value;
}

function list(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(path, value, 'an array');
  return value;
}

/** Runs `build`; an InvalidArgumentError it throws is re-labelled with the definition path it came from. */
function at<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`${path}: ${error.argument}`, error.received, error.expected);
    throw error;
  }
}
