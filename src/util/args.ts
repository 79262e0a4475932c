import { InvalidArgumentError } from '../errors.js';

/**
 * Checks shared by every public entry point. Each refuses `null` where the types say "a value or undefined", so
 * `{ timeout: null }` is an error, never a silent "not set".
 */

/** A plain object: `{}` or `Object.create(null)`, not an array, a Date, a class instance or a primitive. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An option bag: undefined (no options) or a plain object. Returns the bag, `{}` for undefined. */
export function optionsBag<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (!isPlainObject(value)) throw new InvalidArgumentError(name, value, 'a plain object of options (or nothing)');
  return value;
}

/** A non-empty string id. */
export function assertId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(name, value, 'a non-empty string');
}

/** undefined, or a non-empty string id. */
export function assertOptionalId(name: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined) assertId(name, value);
}

/** undefined, or a function. */
export function assertOptionalFunction(name: string, value: unknown, expected = 'a function'): void {
  if (value !== undefined && typeof value !== 'function') throw new InvalidArgumentError(name, value, expected);
}

/** undefined, or a boolean. */
export function assertOptionalBoolean(name: string, value: unknown): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidArgumentError(name, value, 'true or false');
}

/** undefined, or one of `allowed`. */
export function assertOptionalOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T | undefined {
  if (value !== undefined && !allowed.includes(value as T)) {
    throw new InvalidArgumentError(name, value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
}
