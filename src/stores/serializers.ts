import { isDeepStrictEqual } from 'node:util';
import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { InvalidArgumentError, RoutiluxError, SerializationError } from '../errors.js';
import { deepFreeze } from '../serialization/deep-freeze.js';
import { walk, type WalkRules } from '../serialization/walk.js';

/**
 * Turns values into what a backend stores and back. `json` (the default) keeps plain data and Dates; `structured`
 * (node:v8) also keeps Map, Set, BigInt, RegExp, typed arrays, NaN/Infinity and undefined. A value the serializer
 * would not give back unchanged is refused with a SerializationError naming its path.
 */
export interface Serializer {
  readonly name: string;
  /** `true` when `serialize` returns bytes (Uint8Array), `false` when it returns a string. */
  readonly binary: boolean;
  /** `key` is for error messages: throw SerializationError(`${key}.path`, reason) for a value you cannot keep. */
  serialize(value: unknown, key: string): string | Uint8Array;
  /**
   * Turns what `serialize` returned back into a value; `key` is for error messages. Throw (with the key in the
   * message) for data you cannot read: corrupt, or written by another serializer.
   */
  deserialize(data: string | Uint8Array, key: string): unknown;
}

/** The built-in serializers, by name. */
export type SerializerName = 'json' | 'structured';

/**
 * What a store works with internally: a Serializer, or `none` (MemoryStore only: keeps frozen references).
 * `key` is the engine key; messages name `key.slice(keyOffset)` (without the store's keyPrefix), which is only
 * computed when there is an error to report.
 */
export interface Codec {
  readonly name: string;
  readonly binary: boolean;
  encode(value: unknown, key: string, keyOffset: number): unknown;
  decode(data: unknown, key: string, keyOffset: number): unknown;
  /** What `same` compares stored data with: the encoded value (a copy is never frozen or kept). */
  comparable(value: unknown, key: string, keyOffset: number): unknown;
  /** Whether stored data is the value `comparable` was made from (compareAndSet). */
  same(data: unknown, comparable: unknown): boolean;
}

/** Serialized forms are equal when their text or bytes are. */
function sameBytes(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

const labelOf = (key: string, keyOffset: number) => (keyOffset === 0 ? key : key.slice(keyOffset));

// ---------------------------------------------------------------------------------------------------------------
// json: a Date is written as {"$date": ISO string}; a user key starting with "$" gets one more "$", so no stored
// object can be mistaken for a tag. The shared walker (src/serialization) checks the value and tags it in one
// pass; what JSON would change or drop (undefined, NaN, a class instance, a "__proto__" key...) is refused with
// its path.

const DOLLAR = 36;
const TAGGED_JSON: WalkRules = { mode: 'json', tagged: true };

function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function revive(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === '$date') {
    const iso = record.$date;
    if (iso === null) return new Date(Number.NaN);
    if (typeof iso === 'string') return new Date(iso);
  }
  let hasDollar = false;
  for (const k of keys) if (k.charCodeAt(0) === DOLLAR) hasDollar = true;
  if (!hasDollar) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys) assign(out, k.charCodeAt(0) === DOLLAR ? k.slice(1) : k, record[k]);
  return out;
}

function undecodable(key: string, serializer: string, reason: string, cause?: unknown): SerializationError {
  const error = new SerializationError(
    key,
    `the stored data cannot be read with the ${serializer} serializer (${reason})`,
    'It was written by another program or with another serializer: read it with that serializer, or delete the key.',
  );
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
}

function encodeJson(value: unknown, key: string, keyOffset: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isFinite(value)) return JSON.stringify(value);
  }
  const result = walk(value, TAGGED_JSON, labelOf(key, keyOffset));
  if (!result.ok) throw new SerializationError(result.problem.path, result.problem.reason, result.problem.hint);
  return JSON.stringify(result.value);
}

function decodeJson(data: unknown, key: string, keyOffset: number): unknown {
  if (typeof data !== 'string') throw undecodable(labelOf(key, keyOffset), 'json', 'it is binary, not text');
  try {
    return data.includes('"$') ? JSON.parse(data, revive) : JSON.parse(data);
  } catch (error) {
    throw undecodable(labelOf(key, keyOffset), 'json', 'it is not valid JSON', error);
  }
}

/** The default serializer: JSON, with Dates kept (as a tagged form) and anything JSON would change refused. */
export const jsonSerializer: Serializer = {
  name: 'json',
  binary: false,
  serialize: (value, key) => encodeJson(value, key, 0),
  deserialize: (data, key) => decodeJson(data, key, 0),
};

const STRUCTURED: WalkRules = { mode: 'structured' };

function encodeStructured(value: unknown, key: string, keyOffset: number): Buffer {
  const result = walk(value, STRUCTURED, labelOf(key, keyOffset));
  if (!result.ok) throw new SerializationError(result.problem.path, result.problem.reason, result.problem.hint);
  return v8Serialize(value);
}

function decodeStructured(data: unknown, key: string, keyOffset: number): unknown {
  if (!(data instanceof Uint8Array)) throw undecodable(labelOf(key, keyOffset), 'structured', 'it is text, not v8-serialized bytes');
  try {
    return v8Deserialize(data);
  } catch (error) {
    throw undecodable(labelOf(key, keyOffset), 'structured', 'it is not v8-serialized data', error);
  }
}

/** node:v8 serialization: also Map, Set, BigInt, typed arrays, NaN/Infinity and undefined. */
export const structuredSerializer: Serializer = {
  name: 'structured',
  binary: true,
  serialize: (value, key) => encodeStructured(value, key, 0),
  deserialize: (data, key) => decodeStructured(data, key, 0),
};

// ---------------------------------------------------------------------------------------------------------------

const NONE_CODEC: Codec = {
  name: 'none',
  binary: false,
  encode: (value) => deepFreeze(value),
  decode: (data) => data,
  comparable: (value) => value,
  same: (data, value) => isDeepStrictEqual(data, value),
};

/** A user's Serializer: it gets the key for its messages, and its own errors become SerializationErrors. */
function codecOf(serializer: Serializer): Codec {
  const codec: Codec = {
    name: serializer.name,
    binary: serializer.binary,
    comparable: (value, key, keyOffset) => codec.encode(value, key, keyOffset),
    same: sameBytes,
    encode(value, key, keyOffset) {
      const label = labelOf(key, keyOffset);
      try {
        return serializer.serialize(value, label);
      } catch (error) {
        if (error instanceof RoutiluxError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new SerializationError(label, `the ${serializer.name} serializer failed (${message})`);
      }
    },
    decode(data, key, keyOffset) {
      const label = labelOf(key, keyOffset);
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw undecodable(label, serializer.name, 'it is neither text nor bytes');
      return serializer.deserialize(data, label);
    },
  };
  return codec;
}

/** The default codec: integers are stored as their decimal text, which Redis can increment itself. */
export const JSON_CODEC: Codec = { name: 'json', binary: false, encode: encodeJson, decode: decodeJson, comparable: encodeJson, same: sameBytes };
const STRUCTURED_CODEC: Codec = {
  name: 'structured',
  binary: true,
  encode: encodeStructured,
  decode: decodeStructured,
  comparable: encodeStructured,
  same: sameBytes,
};

/** Resolves a `serializer` option. `none` is accepted only where `allowNone` (the memory store). */
export function resolveCodec(option: unknown, allowNone: boolean, argument = 'serializer'): Codec {
  if (option === undefined || option === 'json') return JSON_CODEC;
  if (option === 'structured') return STRUCTURED_CODEC;
  if (option === 'none' && allowNone) return NONE_CODEC;
  if (
    typeof option === 'object' &&
    option !== null &&
    typeof (option as Serializer).serialize === 'function' &&
    typeof (option as Serializer).deserialize === 'function'
  ) {
    const s = option as Serializer;
    return codecOf({ name: typeof s.name === 'string' ? s.name : 'custom', binary: s.binary === true, serialize: s.serialize.bind(s), deserialize: s.deserialize.bind(s) });
  }
  throw new InvalidArgumentError(
    argument,
    option,
    `"json", "structured"${allowNone ? ', "none"' : ''} or a Serializer object ({ name, binary, serialize, deserialize })`,
  );
}
