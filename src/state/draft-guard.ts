import { isDraft } from 'immer';
import { SerializationError } from '../errors.js';
import { joinPath } from '../serialization/check.js';

/*
 * An Immer draft answers a read of a property it does not own from its prototype: `draft.__proto__` is
 * Object.prototype and `draft.constructor` is Object, so a recipe keyed by input (`d[k] ??= {}; d[k].isAdmin = true`
 * with k = "__proto__") would write into every object of the process before any check could see it. A recipe
 * therefore gets its drafts through a guard: `__proto__` and `constructor` read as undefined unless the draft owns
 * them, and writing a `__proto__` key is refused (on a plain object it would replace the prototype, not store data).
 * Everything else goes to Immer's draft unchanged, so Immer still records every change.
 */

const SHARED_MEMBERS = new Set<PropertyKey>(['__proto__', 'constructor']);
const hasOwn = Object.prototype.hasOwnProperty;

class DraftGuard implements ProxyHandler<object> {
  constructor(
    /** The guard of the containing draft; undefined for the routine state itself, whose `key` is the routine id. */
    readonly parent: DraftGuard | undefined,
    readonly key: PropertyKey,
    readonly inArray: boolean,
    /** Guards of nested drafts, shared by one recipe run (so `d.a === d.a`); made on the first nested read. */
    readonly run: { guards?: WeakMap<object, object> },
  ) {}

  get(draft: object, prop: PropertyKey): unknown {
    if (SHARED_MEMBERS.has(prop) && !hasOwn.call(draft, prop)) return undefined;
    const value: unknown = Reflect.get(draft, prop);
    // Map and Set drafts are class instances whose methods need the real object as `this`: not wrapped.
    if (typeof value === 'object' && value !== null && isDraft(value) && !(value instanceof Map) && !(value instanceof Set)) {
      const guards = (this.run.guards ??= new WeakMap());
      return guards.get(value) ?? guard(value, this, prop, Array.isArray(draft), this.run);
    }
    return value;
  }

  set(draft: object, prop: PropertyKey, value: unknown): boolean {
    if (prop === '__proto__') throw refusedProtoKey(this.path());
    return Reflect.set(draft, prop, value);
  }

  defineProperty(draft: object, prop: PropertyKey, descriptor: PropertyDescriptor): boolean {
    if (prop === '__proto__') throw refusedProtoKey(this.path());
    return Reflect.defineProperty(draft, prop, descriptor);
  }

  /** Where this draft sits, for error messages (computed only when one is thrown). */
  path(): string {
    if (!this.parent) return joinPath('routineStates', String(this.key));
    return joinPath(this.parent.path(), this.inArray ? Number(this.key) : String(this.key));
  }
}

function refusedProtoKey(path: string): SerializationError {
  return new SerializationError(
    joinPath(path, '__proto__'),
    '"__proto__" cannot be a key in state (on a plain object it would set the prototype, not store data)',
    'Use another key, e.g. prefix user-supplied keys, or keep them in a Map or stateMap().',
  );
}

function guard(draft: object, parent: DraftGuard, key: PropertyKey, inArray: boolean, run: { guards?: WeakMap<object, object> }): object {
  const proxy = new Proxy(draft, new DraftGuard(parent, key, inArray, run));
  run.guards!.set(draft, proxy);
  return proxy;
}

/**
 * Runs `recipe` on `draft` (the draft of routine `routineId`'s state) through a guard (see above). Returns the
 * recipe's result, with the guard itself turned back into "no replacement".
 */
export function runGuarded(recipe: (draft: unknown) => unknown, draft: unknown, routineId: string): unknown {
  if (typeof draft !== 'object' || draft === null || draft instanceof Map || draft instanceof Set) return recipe(draft);
  const root = new Proxy(draft, new DraftGuard(undefined, routineId, false, {}));
  const result = recipe(root);
  return result === root ? draft : result;
}
