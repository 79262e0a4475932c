import { isDraft } from 'immer';
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
 * The guard's proxy target is a blank stand-in (its handler, or [] so Array.isArray still answers), not the draft: a proxy
 * checks its invariants against its target after every trap, and against Immer's draft each check would be one
 * more trip through Immer's own traps. Every trap forwards to the draft explicitly.
 */
class DraftGuard implements ProxyHandler<object> {
  constructor(
    readonly draft: object,
    /** The guard of the containing draft; undefined for the routine state itself, whose `key` is the routine id. */
    readonly parent: DraftGuard | undefined,
    readonly key: PropertyKey,
    readonly inArray: boolean,
  ) {}

  /** On the root guard: guards of nested drafts for this recipe run (so `d.a === d.a`), made on first need. */
  guards: WeakMap<object, object> | undefined;

  get(_: object, prop: PropertyKey): unknown {
    const draft = this.draft;
    if ((prop === '__proto__' || prop === 'constructor') && !hasOwn.call(draft, prop)) return undefined;
    const value: unknown = Reflect.get(draft, prop);
    // Map and Set drafts are class instances whose methods need the real object as `this`: not wrapped.
    if (typeof value === 'object' && value !== null && isDraft(value) && !(value instanceof Map) && !(value instanceof Set)) {
      let root: DraftGuard = this;
      while (root.parent) root = root.parent;
      const guards = (root.guards ??= new WeakMap());
      let proxy = guards.get(value);
      if (!proxy) guards.set(value, (proxy = guardOf(value, this, prop, Array.isArray(draft))));
      return proxy;
    }
    return value;
  }

  set(_: object, prop: PropertyKey, value: unknown): boolean {
    if (prop === '__proto__' || typeof prop === 'symbol') throw refusedKey(this.path(), prop);
    return Reflect.set(this.draft, prop, value);
  }

  defineProperty(_: object, prop: PropertyKey, descriptor: PropertyDescriptor): boolean {
    if (prop === '__proto__' || typeof prop === 'symbol') throw refusedKey(this.path(), prop);
    return Reflect.defineProperty(this.draft, prop, descriptor);
  }

  has(_: object, prop: PropertyKey): boolean {
    return Reflect.has(this.draft, prop);
  }

  ownKeys(): ArrayLike<string | symbol> {
    return Reflect.ownKeys(this.draft);
  }

  getOwnPropertyDescriptor(_: object, prop: PropertyKey): PropertyDescriptor | undefined {
    return Reflect.getOwnPropertyDescriptor(this.draft, prop);
  }

  deleteProperty(_: object, prop: PropertyKey): boolean {
    return Reflect.deleteProperty(this.draft, prop);
  }

  getPrototypeOf(): object | null {
    return Reflect.getPrototypeOf(this.draft);
  }

  setPrototypeOf(_: object, proto: object | null): boolean {
    return Reflect.setPrototypeOf(this.draft, proto);
  }

  /** Where this draft sits, for error messages (computed only when one is thrown). */
  path(): string {
    if (!this.parent) return joinPath('routineStates', String(this.key));
    return joinPath(this.parent.path(), this.inArray ? Number(this.key) : String(this.key));
  }
}

function refusedKey(path: string, key: string | symbol): SerializationError {
  if (typeof key === 'symbol') return new SerializationError(path, 'symbol keys are not serializable', 'Use string keys.');
  return new SerializationError(
    joinPath(path, '__proto__'),
    '"__proto__" cannot be a key in state (on a plain object it would set the prototype, not store data)',
    'Use another key, e.g. prefix user-supplied keys, or keep them in a Map or stateMap().',
  );
}

function guardOf(draft: object, parent: DraftGuard | undefined, key: PropertyKey, inArray: boolean): object {
  const handler = new DraftGuard(draft, parent, key, inArray);
  // The handler itself is a fine blank target for an object draft (its own fields are configurable).
  return new Proxy(Array.isArray(draft) ? [] : handler, handler);
}

/**
 * Runs `recipe` on `draft` (the draft of routine `routineId`'s state) through a guard (see above). Returns the
 * recipe's result, with the guard itself turned back into "no replacement".
 */
export function runGuarded(recipe: (draft: unknown) => unknown, draft: unknown, routineId: string): unknown {
  if (typeof draft !== 'object' || draft === null || draft instanceof Map || draft instanceof Set) return recipe(draft);
  const root = guardOf(draft, undefined, routineId, false);
  const result = recipe(root);
  return result === root ? undefined : result;
}
