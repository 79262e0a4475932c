import { Immer, enableMapSet, enablePatches, type Draft, type Patch } from 'immer';
import { InvalidArgumentError, RoutiluxError, SerializationError } from '../errors.js';
import { entriesChecked, findUnserializable, isSelfChecking, joinPath, type SerializationMode } from '../serialization/check.js';
import { runGuarded } from './draft-guard.js';
import type { RoutineStates } from './routine-states.js';

/** A new value for a routine's state, or an Immer recipe that edits a draft of it (or returns a replacement). */
export type StateUpdate<T> = T | ((draft: Draft<T>) => void | T);

/**
 * One applied update. When asked for (`withPatches`), `patches` and `inversePatches` are Immer patches relative to
 * the routine's state: a path `[]` with op `replace` stands for a whole new value (a plain value, a recipe's
 * replacement, or a state a recipe created), with op `remove` for a deleted state. So the change to
 * `routineStates` is each patch with `routineId` put before its path (see replayRoutineUpdate).
 */
export interface StateChange {
  /** The new states (the same object when nothing changed). */
  readonly states: RoutineStates;
  readonly routineId: string;
  /** The routine's new state (frozen), undefined once deleted. */
  readonly value: unknown;
  readonly patches?: readonly Patch[];
  readonly inversePatches?: readonly Patch[];
}

// Our own Immer instance: the application's global Immer settings stay theirs. Freezing is done by the check
// below, which knows exactly which objects are new and which of their keys changed: from the patches when they
// were asked for (a journal records them), else by comparing each new object with the one it was copied from.
enablePatches();
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

const NO_PATCHES: readonly Patch[] = Object.freeze([]);

/**
 * States whose last check compared many references (a big object or array was copied): their next recipe runs
 * with patches, which name the changed keys directly. Small states skip patches (cheaper); the choice follows the
 * state from version to version.
 */
const preferPatches = new WeakSet<object>();
const MANY_REFERENCES = 256;
let referencesCompared = 0;

/**
 * Applies one update to routine `routineId`'s state and returns the change (with its Immer patches if
 * `withPatches`), or throws (SerializationError, or whatever the recipe threw) leaving nothing changed. Runs inside
 * the worker actor, one event at a time.
 */
export function applyRoutineUpdate(states: RoutineStates, routineId: string, update: unknown, mode: SerializationMode, withPatches = false): StateChange {
  const current = states.get(routineId);
  if (typeof update !== 'function') {
    if (update === undefined) throw undefinedState(routineId);
    if (update === current) return unchanged(states, routineId, current, withPatches);
    freezeChecked(update, mode, joinPath('routineStates', routineId));
    return wholeValue(states.set(routineId, update), routineId, update, current, withPatches);
  }
  if (mode === 'structured' && !mapSetEnabled) {
    enableMapSet();
    mapSetEnabled = true;
  }
  const base = current ?? {};
  if (!withPatches && !preferPatches.has(base)) {
    const next: unknown = immer.produce(base, (draft: unknown) => runGuarded(update as (draft: unknown) => unknown, draft, base, routineId));
    if (next === current) return { states, routineId, value: current };
    if (next === undefined) throw undefinedState(routineId);
    const fresh: object[] = [];
    referencesCompared = 0;
    checkCopy(next, base, mode, fresh, { parent: undefined, key: routineId });
    freezeAll(fresh, mode);
    if (referencesCompared > MANY_REFERENCES && typeof next === 'object' && next !== null) preferPatches.add(next);
    return { states: states.set(routineId, next), routineId, value: next };
  }
  const [next, patches, inversePatches] = immer.produceWithPatches(base, (draft: unknown) => runGuarded(update as (draft: unknown) => unknown, draft, base, routineId));
  if (next === current) return unchanged(states, routineId, current, withPatches);
  if (next === undefined) throw undefinedState(routineId);
  freezeChanged(next, patches, mode, routineId);
  if (preferPatches.has(base) && typeof next === 'object' && next !== null) preferPatches.add(next);
  if (!withPatches) return { states: states.set(routineId, next), routineId, value: next };
  // A state the recipe created is journaled as a whole new value, so undoing it unsets the state (not leaves `{}`).
  if (current === undefined) return wholeValue(states.set(routineId, next), routineId, next, current, withPatches);
  // Immer's applyPatches refuses a path through a key named `__proto__` or `constructor` (its guard against
  // pollution), so such an edit is journaled as the whole new value, which replays anywhere.
  if (patches.some(passesReservedKey)) return wholeValue(states.set(routineId, next), routineId, next, current, withPatches);
  return { states: states.set(routineId, next), routineId, value: next, patches, inversePatches };
}

function passesReservedKey(patch: Patch): boolean {
  const path = patch.path;
  for (let i = 0; i < path.length - 1; i++) if (path[i] === '__proto__' || path[i] === 'constructor') return true;
  return false;
}

function unchanged(states: RoutineStates, routineId: string, value: unknown, withPatches: boolean): StateChange {
  return withPatches ? { states, routineId, value, patches: NO_PATCHES, inversePatches: NO_PATCHES } : { states, routineId, value };
}

function wholeValue(states: RoutineStates, routineId: string, value: unknown, previous: unknown, withPatches: boolean): StateChange {
  if (!withPatches) return { states, routineId, value };
  return {
    states,
    routineId,
    value,
    patches: [{ op: 'replace', path: [], value }],
    inversePatches: previous === undefined ? [{ op: 'remove', path: [] }] : [{ op: 'replace', path: [], value: previous }],
  };
}

/** Removes routine `routineId`'s state (a no-op change if it has none), with patches if `withPatches`. */
export function deleteRoutineUpdate(states: RoutineStates, routineId: string, withPatches = false): StateChange {
  const current = states.get(routineId);
  if (current === undefined) return unchanged(states, routineId, undefined, withPatches);
  if (!withPatches) return { states: states.delete(routineId), routineId, value: undefined };
  return {
    states: states.delete(routineId),
    routineId,
    value: undefined,
    patches: [{ op: 'remove', path: [] }],
    inversePatches: [{ op: 'replace', path: [], value: current }],
  };
}

/** The error for `undefined` as a routine's new state. */
export function undefinedState(routineId: string): SerializationError {
  return new SerializationError(
    joinPath('routineStates', routineId),
    'undefined is not a state value',
    'Use null or {} to clear a routine state, or deleteRoutineState(id) to remove it.',
  );
}

/** Checks `value` and, only if all of it passes, deep-freezes the new parts and remembers them as checked. */
export function freezeChecked(value: unknown, mode: SerializationMode, path: string): void {
  const fresh: object[] = [];
  checkValue(value, path, mode, fresh);
  freezeAll(fresh, mode);
}

// Only once a whole update is accepted is anything frozen or remembered: a refused write changes nothing.
function freezeAll(fresh: readonly object[], mode: SerializationMode): void {
  const checked = mode === 'json' ? checkedAsJson : checkedAsStructured;
  for (const o of fresh) {
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === Array.prototype || proto === null) {
      Object.freeze(o);
      checked.add(o);
      continue;
    }
    if (isSelfChecking(o)) o[entriesChecked]();
    if (o instanceof Map || o instanceof Set) lockCollection(o);
    // Typed arrays cannot be frozen (a JS limit); everything else can.
    if (!ArrayBuffer.isView(o)) Object.freeze(o);
    checked.add(o);
  }
}

/**
 * Checks what a recipe changed, as its patches say, and freezes the new objects. The objects on a patch's path
 * are Immer's copies of checked objects whose only changes are patched keys, so checking each patched value is
 * checking the whole new state. A Map or Set on the path is checked whole (its patches are by value or index).
 */
function freezeChanged(root: unknown, patches: readonly Patch[], mode: SerializationMode, routineId: string): void {
  const fresh: object[] = [];
  if (typeof root === 'object' && root !== null && !isChecked(root, mode)) fresh.push(root);
  for (const patch of patches) {
    const path = patch.path;
    if (path.length === 0) {
      checkValue(root, joinPath('routineStates', routineId), mode, fresh);
      continue;
    }
    let container = root as Record<PropertyKey, unknown>;
    let depth = 0;
    for (; depth < path.length - 1 && !(container instanceof Map || container instanceof Set); depth++) {
      container = container[path[depth] as PropertyKey] as Record<PropertyKey, unknown>;
      if (!isChecked(container, mode)) fresh.push(container);
    }
    if (container instanceof Map || container instanceof Set) {
      if (fresh[fresh.length - 1] === container) fresh.pop();
      checkValue(container, pathTo(routineId, path, depth), mode, fresh);
      continue;
    }
    if (patch.op === 'remove') continue;
    const key = path[depth] as PropertyKey;
    const value = container[key];
    // The common case first: a primitive or an already-checked object needs no walk.
    switch (typeof value) {
      case 'string':
      case 'boolean':
        continue;
      case 'number':
        if (Number.isFinite(value)) continue;
        break;
      case 'object':
        if (value === null || isChecked(value, mode)) continue;
        break;
    }
    if (Array.isArray(container)) {
      const index = Number(key);
      if (!(index in container)) throw new SerializationError(pathTo(routineId, path, depth + 1), 'array hole is not serializable', 'Fill the hole with null.');
      if (value === undefined && mode === 'json') {
        throw new SerializationError(pathTo(routineId, path, depth + 1), 'undefined inside an array is not JSON-serializable (JSON turns it into null)', 'Use null.');
      }
      checkValue(value, pathTo(routineId, path, depth + 1), mode, fresh);
    } else if (value === undefined) {
      // What undefined as a property means is the checker's rule: ask it about a one-key object.
      const probe = {};
      Object.defineProperty(probe, key, { value, enumerable: true, writable: true, configurable: true });
      checkValue(probe, pathTo(routineId, path, depth), mode, fresh);
      fresh.pop();
    } else {
      checkValue(value, pathTo(routineId, path, depth + 1), mode, fresh);
    }
  }
  freezeAll(fresh, mode);
}

/** Where a new object sits in the routine's state: a chain built only while descending, read only on an error. */
interface PathLink {
  readonly parent: PathLink | undefined;
  readonly key: string | number;
}

function pathOf(link: PathLink): string {
  return link.parent ? joinPath(pathOf(link.parent), link.key) : joinPath('routineStates', String(link.key));
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Checks `next`, a recipe's result, against `base`, what it was made from (checked already). Immer copies only
 * what changed and shares the rest, so a value identical to the base's under the same key is known good and
 * skipped: a one-key edit of a 1,000-key state compares 1,000 references and checks one value. Objects with no
 * base of the same kind (new ones) are walked whole.
 */
function checkCopy(next: unknown, base: unknown, mode: SerializationMode, fresh: object[], link: PathLink): void {
  if (typeof next !== 'object' || next === null || isChecked(next, mode)) return checkValue(next, pathOf(link), mode, fresh);
  const isArray = Array.isArray(next);
  const proto = Object.getPrototypeOf(next);
  const sameKind =
    typeof base === 'object' &&
    base !== null &&
    isChecked(base, mode) &&
    (isArray ? Array.isArray(base) : (proto === Object.prototype || proto === null) && Object.getPrototypeOf(base) === proto);
  if (!sameKind || Object.getOwnPropertySymbols(next).length > 0) return checkValue(next, pathOf(link), mode, fresh);
  const old = base as Record<string | number, unknown>;
  if (isArray) {
    const list = next as unknown[];
    referencesCompared += list.length;
    for (let i = 0; i < list.length; i++) {
      const value = list[i];
      if (value === old[i] && i < (base as unknown[]).length && (value !== undefined || i in list)) continue;
      if (!(i in list)) throw new SerializationError(pathOf({ parent: link, key: i }), 'array hole is not serializable', 'Fill the hole with null.');
      if (value === undefined && mode === 'json') {
        throw new SerializationError(pathOf({ parent: link, key: i }), 'undefined inside an array is not JSON-serializable (JSON turns it into null)', 'Use null.');
      }
      if (!isPlainGood(value, mode)) checkCopy(value, old[i], mode, fresh, { parent: link, key: i });
    }
  } else {
    const record = next as Record<string, unknown>;
    const keys = Object.keys(record);
    referencesCompared += keys.length;
    for (const key of keys) {
      const value = record[key];
      if (value === old[key] && hasOwn.call(old, key)) continue;
      if (isPlainGood(value, mode)) continue;
      if (value === undefined) {
        // What undefined as a property means is the checker's rule: ask it about a one-key object.
        const probe = {};
        Object.defineProperty(probe, key, { value, enumerable: true, writable: true, configurable: true });
        checkValue(probe, pathOf(link), mode, fresh);
        fresh.pop();
      } else {
        checkCopy(value, old[key], mode, fresh, { parent: link, key });
      }
    }
  }
  fresh.push(next);
}

/** Strings, booleans, finite numbers, null and checked objects: good anywhere without a walk. */
function isPlainGood(value: unknown, mode: SerializationMode): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      return value === null || isChecked(value, mode);
    default:
      return false;
  }
}

/** The path of `patchPath[0..length)` in the routine's state, for messages. */
function pathTo(routineId: string, patchPath: Patch['path'], length: number): string {
  let at = joinPath('routineStates', routineId);
  for (let i = 0; i < length; i++) {
    const key = patchPath[i];
    at = joinPath(at, typeof key === 'number' ? key : String(key));
  }
  return at;
}

/** Walks `value` (skipping checked parts), collecting new objects into `fresh`; throws the first problem. */
function checkValue(value: unknown, path: string, mode: SerializationMode, fresh: object[]): void {
  const problem = findUnserializable(value, mode, path, {
    isChecked: (o) => isChecked(o, mode),
    onChecked: (o) => fresh.push(o),
  });
  if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
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

/** Refuses what cannot name a routine state: ids are non-empty strings (any string, `__proto__` included). */
export function assertRoutineId(routineId: unknown): asserts routineId is string {
  if (typeof routineId !== 'string' || routineId === '') {
    throw new InvalidArgumentError('routineId', routineId, 'a non-empty string naming the routine state');
  }
}
