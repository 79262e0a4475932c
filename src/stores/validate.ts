import { InvalidArgumentError } from '../errors.js';
import { describe } from '../errors/base.js';
import { isPlainObject } from '../util/args.js';

/** Keys are non-empty strings. */
export function checkKey(key: unknown, argument = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(argument, key, 'a non-empty string');
  }
}

/** A list of keys: an array of non-empty strings (the message names the bad index). */
export function checkKeys(keys: unknown, argument = 'keys'): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new InvalidArgumentError(argument, keys, 'an array of non-empty strings');
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    if (typeof key !== 'string' || key.length === 0) checkKey(key, `${argument}[${i}]`); // throws, naming the index
  }
}

const TTL_EXPECTED =
  'a positive number of milliseconds up to Number.MAX_SAFE_INTEGER (9007199254740991), or Infinity for no expiry (TTLs are in ms, not seconds)';

/**
 * A TTL option: `undefined`, `Infinity`, or a positive number of ms up to Number.MAX_SAFE_INTEGER (rounded up to
 * whole ms). TTLs are never given to a timer (they are compared with the clock, or sent to Redis as PX), so
 * they may exceed the 2^31−1 ms a timer can wait; past MAX_SAFE_INTEGER they are no longer exact and Redis
 * refuses them (PX past ~9.2e18), so they are refused everywhere alike: Infinity means "no expiry".
 */
export function checkTtl(ttl: unknown, argument = 'options.ttl'): number | undefined {
  if (ttl === undefined || ttl === Infinity) return ttl;
  if (typeof ttl !== 'number' || !(ttl > 0) || !(ttl <= Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(argument, ttl, TTL_EXPECTED);
  return Math.ceil(ttl);
}

/** `options` of set, setMany and the atomic operations: nothing, or a plain object `{ ttl? }`; returns the TTL. */
export function checkSetOptions(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (!isPlainObject(options)) throw new InvalidArgumentError('options', options, 'a plain object such as { ttl: 60_000 } (or nothing)');
  for (const name of Object.keys(options)) {
    if (name !== 'ttl') throw new InvalidArgumentError(`options.${name}`, (options as Record<string, unknown>)[name], 'left out: the only option here is ttl');
  }
  return checkTtl((options as { ttl?: unknown }).ttl);
}


/** A store's options bag: nothing (when `optional`) or a plain object; anything else is InvalidArgumentError. */
export function checkOptionsBag(options: unknown, store: string, example: string, optional: boolean): asserts options is object {
  if (options === undefined && optional) return;
  if (!isPlainObject(options)) throw new InvalidArgumentError(`${store} options`, options, `a plain object such as ${example}${optional ? ' (or nothing)' : ''}`);
}

/** An optional option: its default when left out; `null` is not "left out" and is checked (and refused) like any value. */
export function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** A whole number ≥ min (or Infinity when allowed), used for sizes, intervals and timeouts. */
export function checkWholeNumber(value: unknown, argument: string, min: number, allowInfinity = false): number {
  if (allowInfinity && value === Infinity) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, value, `a whole number ≥ ${min}${allowInfinity ? ' (or Infinity)' : ''}`);
  }
  return value;
}

/**
 * The longest delay a Node timer can wait, in ms (2^31−1, about 24.8 days). setTimeout and setInterval fire a
 * longer one after 1 ms (with a TimeoutOverflowWarning), so options that become timers are capped at it.
 */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** A whole number of ms from `min` to MAX_TIMER_DELAY: for intervals and timeouts that become Node timers. */
export function checkDelay(value: unknown, argument: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_DELAY) {
    throw new InvalidArgumentError(
      argument,
      value,
      `a whole number of milliseconds from ${min} to ${MAX_TIMER_DELAY} (2^31−1 ms, about 24.8 days: the longest delay a Node timer can wait)`,
    );
  }
  return value;
}

/** A scope name: a non-empty string. */
export function checkScopePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new InvalidArgumentError('prefix', prefix, 'a non-empty string (scope("user") stores under "user:")');
  }
}

/** A keyPrefix option: a string, '' when left out. */
export function checkKeyPrefix(prefix: unknown, argument = 'keyPrefix'): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string') throw new InvalidArgumentError(argument, prefix, 'a string such as "myapp:"');
  return prefix;
}

/** A callback option: a function, or undefined when left out. */
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

const ENTRIES_EXPECTED = 'a Map, an array of [key, value] pairs, any other iterable of them, or a plain object { key: value }';

/**
 * What `setMany(entries)` accepts (see StoreEntries), as a list of pairs with valid keys. Anything else throws
 * InvalidArgumentError, never a TypeError from the iteration protocol: the iterable is driven by hand so a
 * broken one (an `[Symbol.iterator]` that is not a function or returns no iterator) is reported too.
 */
export function toEntryList<V>(entries: unknown, argument = 'setMany(entries)'): (readonly [string, V])[] {
  if (typeof entries !== 'object' || entries === null) throw new InvalidArgumentError(argument, entries, ENTRIES_EXPECTED);
  if (!(Symbol.iterator in entries)) {
    const record = entries as Readonly<Record<string, V>>;
    return Object.keys(record).map((key) => {
      if (key.length === 0) checkKey(key, `${argument}[""]`); // throws
      return [key, record[key]!] as const;
    });
  }
  const iterate: unknown = (entries as { [Symbol.iterator]: unknown })[Symbol.iterator];
  const iterator: unknown = typeof iterate === 'function' ? iterate.call(entries) : undefined;
  if (typeof iterator !== 'object' || iterator === null || typeof (iterator as Iterator<unknown>).next !== 'function') {
    throw new InvalidArgumentError(argument, entries, `${ENTRIES_EXPECTED} (its [Symbol.iterator]() gives no iterator)`);
  }
  const list: (readonly [string, V])[] = [];
  for (let i = 0; ; i++) {
    const step: unknown = (iterator as Iterator<unknown>).next();
    if (typeof step !== 'object' || step === null) {
      throw new InvalidArgumentError(argument, entries, `${ENTRIES_EXPECTED} (its iterator's next() returned ${describe(step)}, not { value, done })`);
    }
    if ((step as IteratorResult<unknown>).done) return list;
    const entry = (step as IteratorResult<unknown>).value;
    if (!Array.isArray(entry) || entry.length !== 2) {
      (iterator as Iterator<unknown>).return?.();
      throw new InvalidArgumentError(`${argument}[${i}]`, entry, 'a [key, value] pair');
    }
    const key: unknown = entry[0];
    if (typeof key !== 'string' || key.length === 0) {
      (iterator as Iterator<unknown>).return?.();
      checkKey(key, `${argument}[${i}][0]`); // throws, naming the index
    }
    list.push(entry as unknown as readonly [string, V]);
  }
}
