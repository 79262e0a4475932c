import { InvalidArgumentError } from '../errors.js';

/** Keys are non-empty strings. */
export function checkKey(key: unknown, argument = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(argument, key, 'a non-empty string');
  }
}

export function checkKeys(keys: unknown, argument = 'keys'): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new InvalidArgumentError(argument, keys, 'an array of non-empty strings');
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (typeof key !== 'string' || key.length === 0) checkKey(key, `${argument}[${i}]`); // throws, naming the index
  }
}

const TTL_EXPECTED = 'a positive number of milliseconds, or Infinity for no expiry (TTLs are in ms, not seconds)';

/** A TTL option: `undefined`, `Infinity`, or a positive finite number of ms (rounded up to whole ms). */
export function checkTtl(ttl: unknown, argument = 'options.ttl'): number | undefined {
  if (ttl === undefined || ttl === Infinity) return ttl;
  if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl)) throw new InvalidArgumentError(argument, ttl, TTL_EXPECTED);
  return Math.ceil(ttl);
}

export function checkSetOptions(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', options, 'an object such as { ttl: 60_000 } (or nothing)');
  }
  return checkTtl((options as { ttl?: unknown }).ttl);
}

/** A whole number ≥ min (or Infinity when allowed), used for sizes, intervals and timeouts. */
export function checkWholeNumber(value: unknown, argument: string, min: number, allowInfinity = false): number {
  if (allowInfinity && value === Infinity) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, value, `a whole number ≥ ${min}${allowInfinity ? ' (or Infinity)' : ''}`);
  }
  return value;
}

export function checkScopePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new InvalidArgumentError('prefix', prefix, 'a non-empty string (scope("user") stores under "user:")');
  }
}

export function checkKeyPrefix(prefix: unknown, argument = 'keyPrefix'): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string') throw new InvalidArgumentError(argument, prefix, 'a string such as "myapp:"');
  return prefix;
}

export function checkFunction<F extends (...args: never[]) => unknown>(fn: unknown, argument: string): F | undefined {
  if (fn === undefined) return undefined;
  if (typeof fn !== 'function') throw new InvalidArgumentError(argument, fn, 'a function');
  return fn as F;
}

/** Options objects are checked for misspelt names: an ignored option is a silent bug. */
export function rejectUnknownOptions(options: object, known: ReadonlySet<string>, store: string): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new InvalidArgumentError(`${store} option "${key}"`, (options as Record<string, unknown>)[key], `left out: ${store} has no such option (its options: ${[...known].join(', ')})`);
    }
  }
}
