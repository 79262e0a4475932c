import type { Codec } from './serializers.js';
import type { Glob } from './glob.js';

/** A result given at once (memory, an open SQLite database) or later (Redis). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What a backend implements, on absolute keys. Views (the stores users hold, their scopes and read-only views)
 * validate arguments, add prefixes and encode values; engines store the encoded data and decode what they read
 * (so a read costs one promise, not two). Methods may answer synchronously (memory, an open SQLite database) or
 * with a promise. `keyOffset` is the length of the store's keyPrefix: messages name keys without it.
 */
export interface StoreEngine {
  /** Human name for messages: "MemoryStore", "RedisStore redis://…", "SqliteStore ./x.db". */
  readonly description: string;
  readonly codec: Codec;
  readonly closed: boolean;
  /** The decoded value, or `undefined` when missing or expired. */
  get(key: string, keyOffset: number): MaybePromise<unknown>;
  /** `ttl`: validated ms, `Infinity` for none, `undefined` for the engine's default. */
  set(key: string, data: unknown, ttl: number | undefined): MaybePromise<void>;
  delete(key: string): MaybePromise<boolean>;
  exists(key: string): MaybePromise<boolean>;
  getMany(keys: readonly string[], keyOffset: number): MaybePromise<unknown[]>;
  setMany(entries: readonly (readonly [string, unknown])[], ttl: number | undefined): MaybePromise<void>;
  deleteMany(keys: readonly string[]): MaybePromise<number>;
  /** Keys under `prefix` whose remainder matches `glob`, returned without the prefix, each once, any order. */
  keys(prefix: string, glob: Glob): MaybePromise<string[]>;
  /** Same as `keys`, page by page. */
  scan(prefix: string, glob: Glob): AsyncIterableIterator<string>;
  /** Removes every key under `prefix` (everything for ''). */
  clear(prefix: string): MaybePromise<void>;
  /**
   * Adds `by` to the safe integer under `key` atomically (a missing key counts as 0 and is created with `ttl`,
   * validated as for `set`; an existing key keeps its expiry). Throws StoreValueTypeError for anything else.
   */
  increment(key: string, by: number, ttl: number | undefined, keyOffset: number): MaybePromise<number>;
  /** Stores `data` when `key` holds no live value; resolves whether it did. */
  setIfAbsent(key: string, data: unknown, ttl: number | undefined): MaybePromise<boolean>;
  /**
   * Stores `data` when the live value under `key` is `expected` (codec.comparable of it; ABSENT: no live value).
   * `ttl` undefined keeps the key's expiry (a created key gets the default), else sets it.
   */
  compareAndSet(key: string, expected: unknown, data: unknown, ttl: number | undefined): MaybePromise<boolean>;
  /** Applies every write or none. */
  batch(writes: readonly EngineWrite[]): MaybePromise<void>;
  close(): Promise<void>;
}

/** A validated, encoded `batch()` operation on an absolute key. */
export type EngineWrite =
  | { readonly remove: false; readonly key: string; readonly data: unknown; readonly ttl: number | undefined }
  | { readonly remove: true; readonly key: string };

/** `compareAndSet`'s `expected` when the caller expects no value. */
export const ABSENT: unique symbol = Symbol('absent');

/** The upper bound of the key range holding every string that starts with `prefix`, if one can be written. */
export function prefixUpperBound(prefix: string): string | undefined {
  if (prefix.length === 0) return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last >= 0xd7ff && last < 0xe000) return undefined; // would step into or out of a surrogate pair
  if (last === 0xffff) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
