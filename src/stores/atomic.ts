import { InvalidArgumentError, StoreValueTypeError } from '../errors.js';
import { describe } from '../errors/base.js';
import type { EngineWrite } from './engine.js';
import type { Codec } from './serializers.js';
import { checkKey, checkTtl } from './validate.js';

/** `increment(key, by)`: a safe integer (negative to count down). */
export function checkIncrementBy(by: unknown): number {
  if (by === undefined) return 1;
  if (typeof by !== 'number' || !Number.isSafeInteger(by)) {
    throw new InvalidArgumentError('by', by, 'a whole number within ±Number.MAX_SAFE_INTEGER (e.g. 1, or -1 to count down)');
  }
  return by;
}

/** The counter after adding `by` to `current` (undefined: a missing key), or StoreValueTypeError. */
export function incremented(current: unknown, by: number, label: string): number {
  if (current === undefined) return by;
  if (typeof current !== 'number' || !Number.isSafeInteger(current)) {
    throw new StoreValueTypeError(label, `it holds ${describe(current)}, not a whole number`);
  }
  const next = current + by;
  if (!Number.isSafeInteger(next)) throw new StoreValueTypeError(label, `${current} + ${by} is past ±Number.MAX_SAFE_INTEGER`);
  return next;
}

const BATCH_EXPECTED = "an array of operations { op: 'set', key, value, ttl? } or { op: 'delete', key }";

/**
 * Validates `batch(operations)` and encodes every value, before anything is written: a bad operation or a value
 * that cannot be serialized throws (InvalidArgumentError, SerializationError) and nothing is applied.
 */
export function toEngineWrites(operations: unknown, prefix: string, labelStart: number, codec: Codec): EngineWrite[] {
  if (!Array.isArray(operations)) throw new InvalidArgumentError('batch(operations)', operations, BATCH_EXPECTED);
  return operations.map((operation: unknown, i): EngineWrite => {
    const at = `batch(operations)[${i}]`;
    if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) throw new InvalidArgumentError(at, operation, BATCH_EXPECTED);
    const { op, key } = operation as { op?: unknown; key?: unknown };
    checkKey(key, `${at}.key`);
    for (const name of Object.keys(operation)) {
      const known = op === 'set' ? name === 'op' || name === 'key' || name === 'value' || name === 'ttl' : name === 'op' || name === 'key';
      if (!known) throw new InvalidArgumentError(`${at}.${name}`, (operation as Record<string, unknown>)[name], `left out: a "${String(op)}" operation has no such field`);
    }
    const full = prefix + key;
    if (op === 'delete') return { remove: true, key: full };
    if (op !== 'set') throw new InvalidArgumentError(`${at}.op`, op, '"set" or "delete"');
    const ttl = checkTtl((operation as { ttl?: unknown }).ttl, `${at}.ttl`);
    return { remove: false, key: full, data: codec.encode((operation as { value?: unknown }).value, full, labelStart), ttl };
  });
}
