import { SerializationError } from '../errors.js';

/**
 * `json`: plain objects, arrays, strings, finite numbers, booleans and null (what JSON keeps unchanged).
 * `structured`: also Date, Map, Set, BigInt, RegExp, typed arrays, ArrayBuffer, NaN/Infinity, undefined (what
 * node:v8 serialize keeps unchanged).
 */
export type SerializationMode = 'json' | 'structured';

/**
 * An immutable container routilux knows how to persist (StateMap). Instead of walking every entry, the checker
 * asks it for the entries that have not been checked yet, so a write into a big container stays cheap.
 */
export const uncheckedEntries = Symbol.for('routilux.uncheckedEntries');
/** Called once a write that included the container has passed as a whole: its entries count as checked. */
export const entriesChecked = Symbol.for('routilux.entriesChecked');

export interface SelfCheckingContainer {
  [uncheckedEntries](): Iterable<readonly [label: string, value: unknown]>;
  [entriesChecked](): void;
}

export function isSelfChecking(value: object): value is SelfCheckingContainer {
  return uncheckedEntries in value;
}

export interface CheckOptions {
  /** Objects already known to be fine (e.g. parts of the current state): not walked again. */
  readonly isChecked?: (value: object) => boolean;
  /** Called for every object or array that passed, children first. */
  readonly onChecked?: (value: object) => void;
}

export interface Unserializable {
  readonly path: string;
  readonly reason: string;
  readonly hint?: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const STRUCTURED_LEAVES: ReadonlyArray<abstract new (...args: never[]) => object> = [
  Date,
  RegExp,
  ArrayBuffer,
  DataView,
];

function isTypedArray(value: object): boolean {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Returns the first value that would not survive the serializer unchanged, with its path, or undefined. */
export function findUnserializable(
  value: unknown,
  mode: SerializationMode,
  rootPath: string,
  options: CheckOptions = {},
): Unserializable | undefined {
  const ancestors = new Set<object>();
  const visit = (v: unknown, path: string): Unserializable | undefined => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return undefined;
      case 'number':
        if (mode === 'json' && !Number.isFinite(v)) {
          return { path, reason: `${v} is not JSON-serializable (JSON turns it into null)`, hint: 'Store a finite number or null.' };
        }
        return undefined;
      case 'bigint':
        return mode === 'json'
          ? { path, reason: 'BigInt is not JSON-serializable', hint: "Store it as a string, or use serializer: 'structured'." }
          : undefined;
      case 'undefined':
        return mode === 'json' ? { path, reason: 'undefined is not JSON-serializable', hint: 'Use null for "no value".' } : undefined;
      case 'function':
        return { path, reason: `function ${v.name || '(anonymous)'} is not serializable` };
      case 'symbol':
        return { path, reason: `${v.toString()} is not serializable` };
    }
    if (v === null) return undefined;
    const obj = v as object;
    if (options.isChecked?.(obj)) return undefined;
    if (ancestors.has(obj)) return { path, reason: 'circular reference (an object that contains itself)', hint: 'Store the data as a tree, referring to shared parts by id.' };

    if (uncheckedEntries in obj) {
      for (const [label, entry] of (obj as SelfCheckingContainer)[uncheckedEntries]()) {
        const problem = visit(entry, `${path}${label}`);
        if (problem) return problem;
      }
      options.onChecked?.(obj);
      return undefined;
    }

    ancestors.add(obj);
    const problem = Array.isArray(obj) ? visitArray(obj, path) : visitObject(obj, path);
    ancestors.delete(obj);
    if (!problem) options.onChecked?.(obj);
    return problem;
  };

  const visitArray = (arr: readonly unknown[], path: string): Unserializable | undefined => {
    for (let i = 0; i < arr.length; i++) {
      if (!(i in arr)) return { path: joinPath(path, i), reason: 'array hole is not serializable', hint: 'Fill the hole with null.' };
      const item = arr[i];
      if (item === undefined && mode === 'json') {
        return { path: joinPath(path, i), reason: 'undefined inside an array is not JSON-serializable (JSON turns it into null)', hint: 'Use null.' };
      }
      const problem = visit(item, joinPath(path, i));
      if (problem) return problem;
    }
    return undefined;
  };

  const visitObject = (obj: object, path: string): Unserializable | undefined => {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      if (mode === 'structured') {
        if (STRUCTURED_LEAVES.some((C) => obj instanceof C) || isTypedArray(obj)) return undefined;
        if (obj instanceof Map) {
          for (const [k, item] of obj) {
            const label = `${path}.get(${typeof k === 'string' ? JSON.stringify(k) : String(k)})`;
            const problem = visit(k, `${path}.keys()`) ?? visit(item, label);
            if (problem) return problem;
          }
          return undefined;
        }
        if (obj instanceof Set) {
          for (const item of obj) {
            const problem = visit(item, `${path}.values()`);
            if (problem) return problem;
          }
          return undefined;
        }
      }
      const name = (proto?.constructor as { name?: string } | undefined)?.name || 'object with a custom prototype';
      const hint =
        mode === 'json' && (obj instanceof Date || obj instanceof Map || obj instanceof Set)
          ? `Convert it to plain data (e.g. date.toISOString(), Object.fromEntries(map), [...set]) or use serializer: 'structured'.`
          : undefined;
      return { path, reason: `${name} is not serializable`, ...(hint ? { hint } : {}) };
    }
    if (Object.getOwnPropertySymbols(obj).length) {
      return { path, reason: 'symbol keys are not serializable', hint: 'Use string keys.' };
    }
    const descriptors = Object.getOwnPropertyDescriptors(obj);
    for (const key in descriptors) {
      const d = descriptors[key]!;
      if (!d.enumerable) continue;
      if (d.get || d.set) return { path: joinPath(path, key), reason: 'accessor (getter/setter) properties are not serializable', hint: 'Store the computed value.' };
      // JSON drops undefined properties; reading them back gives undefined either way, so they are allowed.
      if (d.value === undefined) continue;
      const problem = visit(d.value, joinPath(path, key));
      if (problem) return problem;
    }
    return undefined;
  };

  return visit(value, rootPath);
}

export function assertSerializable(value: unknown, mode: SerializationMode, rootPath: string, options?: CheckOptions): void {
  const problem = findUnserializable(value, mode, rootPath, options);
  if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
}
