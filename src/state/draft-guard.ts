import { isDraft, original } from 'immer';
import { SerializationError } from '../errors.js';
import { joinPath } from '../serialization/check.js';

/*
 * An Immer draft answers a read of a property it does not own from its prototype: `draft.__proto__` is
 * Object.prototype and `draft.constructor` is Object, so a recipe keyed by input (`d[k] ??= {}; d[k].isAdmin = true`
 * with k = "__proto__") would write into every object of the process before any check could see it. A recipe
 * therefore gets its drafts through a guard: `__proto__` and `constructor` read as undefined unless the draft owns
 * them, and writing a `__proto__` key is refused (on a plain object it would replace the prototype, not store data),
 * as is a symbol key (not serializable, and Immer's patches would not show it).
 * Everything else goes to Immer's draft unchanged, so Immer still records every change.
 */

const hasOwn = Object.prototype.hasOwnProperty;

/*
 * One handler for every guard, and the guard's proxy target is a small record of where the draft sits ({} or, for
 * an array draft, [] so Array.isArray still answers): a proxy checks its invariants against its target after every
 * trap, and against Immer's draft each check would be one more trip through Immer's own traps. Every trap forwards
 * to the draft explicitly.
 */
interface Guarded {
  readonly draft: object;
  /** The guarded containing draft; undefined for the routine state itself, whose `key` is the routine id. */
  readonly parent: Guarded | undefined;
  readonly key: PropertyKey;
  readonly inArray: boolean;
  readonly isArray: boolean;
  /** On the root: guards of nested drafts for this recipe run (so `d.a === d.a`), made on first need. */
  guards?: WeakMap<object, object>;
}

const handler: ProxyHandler<Guarded> = {
  get(target, prop) {
    const draft = target.draft;
    if ((prop === '__proto__' || prop === 'constructor') && !hasOwn.call(draft, prop)) return undefined;
    const value: unknown = (draft as Record<PropertyKey, unknown>)[prop];
    // (Asked of the draft's original: `instanceof` on a draft would go through two of Immer's traps.)
    if (typeof value === 'object' && value !== null && isDraft(value) && isGuardable(original(value))) {
      let root = target;
      while (root.parent) root = root.parent;
      const guards = (root.guards ??= new WeakMap());
      let proxy = guards.get(value);
      if (!proxy) guards.set(value, (proxy = guardOf(value, target, prop, target.isArray, Array.isArray(original(value)))));
      return proxy;
    }
    return value;
  },
  set(target, prop, value) {
    if (prop === '__proto__' || typeof prop === 'symbol') throw refusedKey(pathOf(target), prop);
    (target.draft as Record<PropertyKey, unknown>)[prop] = value;
    return true;
  },
  defineProperty(target, prop, descriptor) {
    if (prop === '__proto__' || typeof prop === 'symbol') throw refusedKey(pathOf(target), prop);
    return Reflect.defineProperty(target.draft, prop, descriptor);
  },
  has: (target, prop) => Reflect.has(target.draft, prop),
  ownKeys: (target) => Reflect.ownKeys(target.draft),
  getOwnPropertyDescriptor: (target, prop) => Reflect.getOwnPropertyDescriptor(target.draft, prop),
  deleteProperty: (target, prop) => Reflect.deleteProperty(target.draft, prop),
  getPrototypeOf: (target) => Reflect.getPrototypeOf(target.draft),
  setPrototypeOf: (target, proto) => Reflect.setPrototypeOf(target.draft, proto),
};

/** Where a guarded draft sits, for error messages (computed only when one is thrown). */
function pathOf(target: Guarded): string {
  if (!target.parent) return joinPath('routineStates', String(target.key));
  return joinPath(pathOf(target.parent), target.inArray ? Number(target.key) : String(target.key));
}

function refusedKey(path: string, key: string | symbol): SerializationError {
  if (typeof key === 'symbol') return new SerializationError(path, 'symbol keys are not serializable', 'Use string keys.');
  return new SerializationError(
    joinPath(path, '__proto__'),
    '"__proto__" cannot be a key in state (on a plain object it would set the prototype, not store data)',
    'Use another key, e.g. prefix user-supplied keys, or keep them in a Map or stateMap().',
  );
}

function guardOf(draft: object, parent: Guarded | undefined, key: PropertyKey, inArray: boolean, isArray: boolean): object {
  const where: Guarded = { draft, parent, key, inArray, isArray };
  return new Proxy(isArray ? Object.assign([], where) : where, handler);
}

/**
 * Runs `recipe` on `draft` (the draft of routine `routineId`'s state, made from `base`) through a guard (see
 * above). Returns the recipe's result, with the guard itself turned back into "no replacement".
 */
export function runGuarded(recipe: (draft: unknown) => unknown, draft: unknown, base: unknown, routineId: string): unknown {
  if (!isGuardable(base)) return recipe(draft);
  const root = guardOf(draft as object, undefined, routineId, false, Array.isArray(base));
  const result = recipe(root);
  return result === root ? undefined : result;
}

/** Plain objects and arrays get guarded drafts; Map and Set drafts are class instances whose methods need the real object as `this`. */
function isGuardable(base: unknown): boolean {
  return typeof base === 'object' && base !== null && !(base instanceof Map) && !(base instanceof Set);
}
