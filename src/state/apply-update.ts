import { Immer, enableMapSet, type Draft } from 'immer';
import { InvalidArgumentError } from '../errors.js';
import { RoutiluxError, SerializationError } from '../errors.js';
import { entriesChecked, findUnserializable, isSelfChecking, joinPath, type SerializationMode } from '../serialization/check.js';

/** A new value for a routine's state, or an Immer recipe that edits a draft of it (or returns a replacement). */
export type StateUpdate<T> = T | ((draft: Draft<T>) => void | T);

// Our own Immer instance: the application's global Immer settings stay theirs. Freezing is done by the check
// below, which walks exactly the new objects anyway.
const immer = new Immer({ autoFreeze: false });
let mapSetEnabled = false;

/**
 * Values already in some worker's state: deeply frozen and known to be serializable, so a check never walks
 * them again. Immer shares unchanged subtrees, so an update only walks what it changed. One set per mode: what
 * passed the json check also passes the structured one, never the other way round.
 */
const checkedAsJson = new WeakSet<object>();
const checkedAsStructured = new WeakSet<object>();

function isChecked(value: object, mode: SerializationMode): boolean {
  return checkedAsJson.has(value) || (mode === 'structured' && checkedAsStructured.has(value));
}

/**
 * Applies one update to `states[routineId]` and returns the new states record, or throws (SerializationError,
 * or whatever the recipe threw) leaving nothing changed. Runs inside the worker actor, one event at a time.
 */
export function applyRoutineUpdate(
  states: Readonly<Record<string, unknown>>,
  routineId: string,
  update: unknown,
  mode: SerializationMode,
): Readonly<Record<string, unknown>> {
  const current = states[routineId];
  let next: unknown;
  if (typeof update === 'function') {
    if (mode === 'structured' && !mapSetEnabled) {
      enableMapSet();
      mapSetEnabled = true;
    }
    next = immer.produce(current ?? {}, update as (draft: unknown) => unknown);
  } else {
    next = update;
  }
  if (next === current) return states;
  if (next === undefined) {
    throw new SerializationError(
      joinPath('routineStates', routineId),
      'undefined is not a state value',
      'Use null or {} to clear a routine state, or deleteRoutineState(id) to remove it.',
    );
  }
  freezeChecked(next, mode, joinPath('routineStates', routineId));
  return Object.freeze({ ...states, [routineId]: next });
}

/** Checks `value` and, only if all of it passes, deep-freezes the new parts and remembers them as checked. */
export function freezeChecked(value: unknown, mode: SerializationMode, path: string): void {
  const fresh: object[] = [];
  const problem = findUnserializable(value, mode, path, {
    isChecked: (o) => isChecked(o, mode),
    onChecked: (o) => fresh.push(o),
  });
  if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
  // Only now, with the whole value accepted, is anything frozen or remembered: a refused write changes nothing.
  const checked = mode === 'json' ? checkedAsJson : checkedAsStructured;
  for (const o of fresh) {
    if (isSelfChecking(o)) o[entriesChecked]();
    if (o instanceof Map || o instanceof Set) lockCollection(o);
    // Typed arrays cannot be frozen (a JS limit); everything else can.
    if (!ArrayBuffer.isView(o)) Object.freeze(o);
    checked.add(o);
  }
}

// Object.freeze does not stop Map.set or Set.add; shadow the mutators so frozen state really is read-only.
function lockCollection(collection: Map<unknown, unknown> | Set<unknown>): void {
  const refuse = () => {
    throw new RoutiluxError('STATE_FROZEN', 'This Map/Set is part of a WorkerState and is frozen: change it with updateRoutineState(id, recipe).');
  };
  for (const method of ['set', 'add', 'delete', 'clear'] as const) {
    if (method in collection) Object.defineProperty(collection, method, { value: refuse });
  }
}

export function assertRoutineId(routineId: unknown): asserts routineId is string {
  if (typeof routineId !== 'string' || routineId === '') {
    throw new InvalidArgumentError('routineId', routineId, 'a non-empty string naming the routine state');
  }
}
