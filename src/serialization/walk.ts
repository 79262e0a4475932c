/**
 * The one walker over values that routilux persists: WorkerState updates, job metadata, flow configs and every
 * store's serializer go through it, so they accept and refuse the same things with the same messages.
 *
 * What it refuses (with the path of the first bad part): functions, symbols, class instances, cycles, array
 * holes, own `__proto__` keys (rebuilt by a reader, they would set a prototype), and in `json` mode
 * what JSON would change: non-finite numbers, BigInt, `undefined` (as a property or an item), Map, Set, Date
 * (unless `tagged`). It walks own properties only: a polluted `Object.prototype` never leaks into a value.
 * Paths are only built when something is refused, so the common case costs no string work.
 */

/**
 * `json`: plain objects, arrays, strings, finite numbers, booleans and null (what JSON keeps unchanged).
 * `structured`: also Date, Map, Set, BigInt, RegExp, typed arrays, ArrayBuffer, NaN/Infinity, undefined (what
 * node:v8 serialize keeps unchanged).
 */
export type SerializationMode = 'json' | 'structured';

/**
 * An immutable container routilux knows how to persist (StateMap). Instead of walking every entry, the walker
 * asks it for the entries that have not been checked yet, so a write into a big container stays cheap.
 */
export const uncheckedEntries = Symbol.for('routilux.uncheckedEntries');
/** Called once a write that included the container has passed as a whole: its entries count as checked. */
export const entriesChecked = Symbol.for('routilux.entriesChecked');

/** What a self-checking container (StateMap) offers the walker. */
export interface SelfCheckingContainer {
  [uncheckedEntries](): Iterable<readonly [label: string, value: unknown]>;
  [entriesChecked](): void;
}

/** Whether `value` is a container that lists its own unchecked entries (see SelfCheckingContainer). */
export function isSelfChecking(value: object): value is SelfCheckingContainer {
  return uncheckedEntries in value;
}

/** A part of a value that would not survive the serializer unchanged. */
export interface Unserializable {
  readonly path: string;
  readonly reason: string;
  readonly hint?: string;
}

/** How the walker treats what it meets. */
export interface WalkRules {
  readonly mode: SerializationMode;
  /**
   * `json` mode only: the stores' tagged JSON. A Date becomes `{ $date: ISO string }` and a key starting with `$`
   * gets one more `$` (so no stored object can pass for a tag); `walk` returns the tagged copy (or the value
   * itself when nothing needed tagging). Without it a Date is refused in json mode.
   */
  readonly tagged?: boolean;
  /**
   * The objects themselves are kept (WorkerState, metadata), so they must be plain data: refuse getter/setter
   * properties and symbol keys. Without it (a store keeps a serialized copy) a getter's value is read and symbol
   * keys are left out, as JSON.stringify and v8 serialize do.
   */
  readonly refuseAccessors?: boolean;
  /** Objects already known to be fine (e.g. parts of the current state): not walked again. */
  readonly isChecked?: (value: object) => boolean;
  /** Called for every object or array that passed, children first. */
  readonly onChecked?: (value: object) => void;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Appends a property name or array index to a path, as JavaScript would write it (`a.b`, `a[0]`, `a["x y"]`). */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** One step from a value to a part of it: an array index, a property name, or a label such as `.get("k")`. */
type Step = number | string | { readonly label: string };

/** A refusal on its way up: the steps are collected while unwinding, so a path is built only when needed. */
class Refusal {
  readonly steps: Step[] = [];
  constructor(
    readonly reason: string,
    readonly hint?: string,
  ) {}

  at(step: Step): this {
    this.steps.push(step);
    return this;
  }

  toUnserializable(rootPath: string): Unserializable {
    let path = rootPath;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i]!;
      path = typeof step === 'object' ? `${path}${step.label}` : joinPath(path, step);
    }
    return { path, reason: this.reason, ...(this.hint !== undefined ? { hint: this.hint } : {}) };
  }
}

const STRUCTURED_LEAVES: ReadonlyArray<abstract new (...args: never[]) => object> = [Date, RegExp, ArrayBuffer, DataView];
/** Depth past which the walker starts over, tracking ancestors (to tell a cycle from a deep tree). */
const UNTRACKED_DEPTH = 64;
/** What `visit` returns instead of a value: the walk went too deep (start over, tracking), or something was refused (in #refused). */
const TOO_DEEP: unique symbol = Symbol('too deep');
const REFUSED: unique symbol = Symbol('refused');
type Failure = typeof TOO_DEEP | typeof REFUSED;
const DOLLAR = 36;

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  target[key] = value; // keys reaching here are never "__proto__" (refused), so this is a plain own property
}

function refusePrimitive(v: unknown, mode: SerializationMode): Refusal | undefined {
  switch (typeof v) {
    case 'number':
      return mode === 'json' && !Number.isFinite(v) ? new Refusal(`${v} is not JSON-serializable (JSON turns it into null)`, 'Store a finite number or null.') : undefined;
    case 'bigint':
      return mode === 'json' ? new Refusal('BigInt is not JSON-serializable', "Store it as a string, or use serializer: 'structured'.") : undefined;
    case 'undefined':
      return mode === 'json' ? new Refusal('undefined is not JSON-serializable (JSON drops it)', 'Use null for "no value", or leave the property out.') : undefined;
    case 'function':
      return new Refusal(`function ${(v as { name?: string }).name || '(anonymous)'} is not serializable`);
    case 'symbol':
      return new Refusal(`${(v as symbol).toString()} is not serializable`);
    default:
      return undefined;
  }
}

class Walker {
  readonly #rules: WalkRules;
  readonly #json: boolean;
  readonly #tagged: boolean;
  readonly #strict: boolean;
  readonly #isChecked: WalkRules['isChecked'];
  readonly #onChecked: WalkRules['onChecked'];
  /** What was refused, once `visit` returned REFUSED; its steps grow while the walk unwinds. */
  refused: Refusal | undefined;
  /** undefined until the walk goes deeper than UNTRACKED_DEPTH; then the walk restarts with a list. */
  #ancestors: object[] | undefined;

  constructor(rules: WalkRules, tracked: boolean) {
    this.#rules = rules;
    this.#json = rules.mode === 'json';
    this.#tagged = this.#json && rules.tagged === true;
    this.#strict = rules.refuseAccessors === true;
    this.#isChecked = rules.isChecked;
    this.#onChecked = rules.onChecked;
    this.#ancestors = tracked ? [] : undefined;
  }

  #refuse(refusal: Refusal): typeof REFUSED {
    this.refused = refusal;
    return REFUSED;
  }

  /** Passes a failure up, adding the step it came through to a refusal's path. */
  #unwind(failure: symbol, step: Step): Failure {
    if (failure === REFUSED) this.refused!.at(step);
    return failure as Failure;
  }

  /** The value (or its tagged copy), or a Failure (never a user's symbol: those are refused). */
  visit(v: unknown, depth: number): unknown {
    if (typeof v !== 'object') {
      if (typeof v === 'string' || typeof v === 'boolean') return v;
      const refusal = refusePrimitive(v, this.#rules.mode);
      return refusal === undefined ? v : this.#refuse(refusal);
    }
    if (v === null) return v;
    if (this.#isChecked !== undefined && this.#isChecked(v)) return v;
    const ancestors = this.#ancestors;
    if (ancestors === undefined) {
      if (depth > UNTRACKED_DEPTH) return TOO_DEEP;
    } else if (ancestors.includes(v)) {
      return this.#refuse(new Refusal('circular reference (an object that contains itself)', 'Store the data as a tree, referring to shared parts by id.'));
    }
    if (uncheckedEntries in v) return this.#container(v as SelfCheckingContainer, depth);
    ancestors?.push(v);
    const result = Array.isArray(v) ? this.#array(v, depth) : this.#object(v, depth);
    ancestors?.pop();
    if (this.#onChecked !== undefined && typeof result !== 'symbol') this.#onChecked(v);
    return result;
  }

  #container(container: SelfCheckingContainer, depth: number): unknown {
    for (const [label, entry] of container[uncheckedEntries]()) {
      const r = this.visit(entry, depth + 1);
      if (typeof r === 'symbol') return this.#unwind(r, { label });
    }
    this.#onChecked?.(container);
    return container;
  }

  #array(arr: readonly unknown[], depth: number): unknown {
    let out: unknown[] | undefined;
    for (let i = 0; i < arr.length; i++) {
      const item = arr[i];
      if (item === undefined) {
        if (!(i in arr)) return this.#refuse(new Refusal('array hole is not serializable', 'Fill the hole with null.').at(i));
        if (this.#json) return this.#refuse(new Refusal('undefined inside an array is not JSON-serializable (JSON turns it into null)', 'Use null.').at(i));
      }
      const r = this.visit(item, depth + 1);
      if (typeof r === 'symbol') return this.#unwind(r, i);
      if (out === undefined && r !== item) out = arr.slice(0, i);
      if (out !== undefined) out.push(r);
    }
    return out ?? arr;
  }

  #object(obj: object, depth: number): unknown {
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) return this.#special(obj, proto, depth);
    const strict = this.#strict;
    // A kept object must be plain data; a serialized copy leaves symbol keys out, as JSON.stringify and v8 do
    // (looking for them costs a third of a stringify).
    if (strict && Object.getOwnPropertySymbols(obj).length > 0) return this.#refuse(new Refusal('symbol keys are not serializable', 'Use string keys.'));
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record); // own enumerable keys only: nothing inherited, even from a polluted prototype
    const descriptors = strict ? Object.getOwnPropertyDescriptors(record) : undefined;
    const tagged = this.#tagged;
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === '__proto__') {
        return this.#refuse(
          new Refusal(
            'a property named "__proto__" is not stored (read back, it would set the object\'s prototype)',
            'Rename the property; for keys that come from input, use a Map (serializer: "structured") or a prefix.',
          ).at(key),
        );
      }
      if (descriptors !== undefined && (descriptors[key]!.get !== undefined || descriptors[key]!.set !== undefined)) {
        return this.#refuse(new Refusal('accessor (getter/setter) properties are not serializable', 'Store the computed value.').at(key));
      }
      const item = record[key];
      if (item === undefined && this.#json) {
        return this.#refuse(new Refusal('undefined is not JSON-serializable (JSON drops the property)', 'Use null for "no value", or leave the property out.').at(key));
      }
      const r = this.visit(item, depth + 1);
      if (typeof r === 'symbol') return this.#unwind(r, key);
      const storedKey = tagged && key.charCodeAt(0) === DOLLAR ? `$${key}` : key;
      if (out === undefined && (r !== item || storedKey !== key)) {
        out = {};
        for (let j = 0; j < i; j++) {
          const k = keys[j]!;
          defineOwn(out, tagged && k.charCodeAt(0) === DOLLAR ? `$${k}` : k, record[k]);
        }
      }
      if (out !== undefined) defineOwn(out, storedKey, r);
    }
    return out ?? obj;
  }

  #special(obj: object, proto: unknown, depth: number): unknown {
    if (this.#tagged && obj instanceof Date) return { $date: Number.isNaN(obj.getTime()) ? null : obj.toISOString() };
    if (!this.#json) {
      if (STRUCTURED_LEAVES.some((C) => obj instanceof C) || (ArrayBuffer.isView(obj) && !(obj instanceof DataView))) return obj;
      if (obj instanceof Map) {
        for (const [k, item] of obj) {
          const rk = this.visit(k, depth + 1);
          if (typeof rk === 'symbol') return this.#unwind(rk, { label: '.keys()' });
          const r = this.visit(item, depth + 1);
          if (typeof r === 'symbol') return this.#unwind(r, { label: `.get(${typeof k === 'string' ? JSON.stringify(k) : String(k)})` });
        }
        return obj;
      }
      if (obj instanceof Set) {
        for (const item of obj) {
          const r = this.visit(item, depth + 1);
          if (typeof r === 'symbol') return this.#unwind(r, { label: '.values()' });
        }
        return obj;
      }
    }
    const name = ((proto as { constructor?: { name?: string } } | null)?.constructor?.name) || 'object with a custom prototype';
    const hint =
      this.#json && (obj instanceof Date || obj instanceof Map || obj instanceof Set)
        ? `Convert it to plain data (e.g. date.toISOString(), Object.fromEntries(map), [...set]) or use serializer: 'structured'.`
        : undefined;
    return this.#refuse(new Refusal(`${name} is not serializable`, hint));
  }
}

/** The outcome of a walk: the value to serialize (a tagged copy, or the value itself), or what was refused. */
export type WalkResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: Unserializable };

/**
 * Walks `value` under `rules`. On success gives the value to serialize (with `tagged`, a copy with Dates and
 * `$` keys tagged when there were any; otherwise the value itself); else the first refused part, its path
 * starting at `rootPath`.
 */
export function walk(value: unknown, rules: WalkRules, rootPath: string): WalkResult {
  let walker = new Walker(rules, false);
  let result = walker.visit(value, 0);
  // Deeper than UNTRACKED_DEPTH: a deep tree or a cycle. Walk again, tracking ancestors to tell which.
  if (result === TOO_DEEP) {
    walker = new Walker(rules, true);
    result = walker.visit(value, 0);
  }
  if (result === REFUSED) return { ok: false, problem: walker.refused!.toUnserializable(rootPath) };
  return { ok: true, value: result };
}
