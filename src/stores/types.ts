/**
 * The key-value store contract shared by every backend (memory, Redis, SQLite) and every view over one
 * (scopes, read-only views, typed stores, hooks). All methods are async; TTLs are milliseconds.
 */

/** Why `onEvict` was called for an entry. */
export type EvictionReason = 'evicted' | 'expired' | 'deleted' | 'overwritten';

/** Options of a write: its TTL. */
export interface SetOptions {
  /**
   * Time to live in milliseconds, up to Number.MAX_SAFE_INTEGER (a fraction is rounded up to a whole
   * millisecond; TTLs are never given to a timer, so they may exceed 2^31−1 ms). `Infinity` stores without
   * expiry even when the store has a default `ttl`. Omitted: the store's default `ttl`, if any.
   */
  readonly ttl?: number;
}

/** One write of `batch()`: store `value` under `key` (with its own `ttl`, or the store's default), or delete `key`. */
export type BatchOperation<In = unknown> =
  | { readonly op: 'set'; readonly key: string; readonly value: In; readonly ttl?: number }
  | { readonly op: 'delete'; readonly key: string };

/** What `setMany` accepts: a Map, an array of `[key, value]` pairs, any iterable of them, or a plain object. */
export type StoreEntries<V> = Iterable<readonly [key: string, value: V]> | Readonly<Record<string, V>>;

/** The reading half of a store. `store.readonly()` returns one; its `scope()` is read-only too. */
export interface ReadonlyKeyValueStore<V = unknown> {
  /** The value stored under `key`, or `undefined` when it is missing or expired. */
  get(key: string): Promise<V | undefined>;
  /** Whether `key` holds a value that has not expired. Does not count as a use for LRU eviction. */
  exists(key: string): Promise<boolean>;
  /**
   * Keys of this store (or scope, relative to it) matching a glob: `*` any run of characters, `?` one character,
   * `[abc]`, `[a-z]`, `[!abc]` or `[^abc]` one character of (not of) a set, `\` escapes the next character.
   * Sorted. Reads the whole key space of the store or scope: use `scan()` for big ones.
   */
  keys(pattern?: string): Promise<string[]>;
  /** Like `keys()` but streams them page by page in no particular order (Redis SCAN, never KEYS). */
  scan(pattern?: string): AsyncIterableIterator<string>;
  /** One value (or `undefined`) per key, in the order given. */
  getMany(keys: readonly string[]): Promise<(V | undefined)[]>;
  /** A read-only view of the keys under `prefix:` (nested scopes join with `:`). */
  scope(prefix: string): ReadonlyKeyValueStore<V>;
  /** A read-only view of this store. */
  readonly(): ReadonlyKeyValueStore<V>;
  /**
   * Closes this store. On a store created with `new`, releases its connection or file, and every view over it
   * stops working; on a view (scope, read-only view) it only closes that view.
   */
  close(): Promise<void>;
}

/**
 * A store whose reads give `V` and whose writes take `In`. The two differ only for a typedStore with a schema
 * that transforms (`In` is the schema's input, `V` its output); everywhere else `In` is `V`.
 */
export interface KeyValueStore<V = unknown, In = V> extends ReadonlyKeyValueStore<V> {
  /** Stores `value` under `key`, replacing any earlier value and its TTL. */
  set(key: string, value: In, options?: SetOptions): Promise<void>;
  /** Removes `key`; resolves `true` when a live value was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Stores every entry (all values are serialized before anything is written), with one TTL for all. Entries
   * that are not StoreEntries reject with InvalidArgumentError.
   */
  setMany(entries: StoreEntries<In>, options?: SetOptions): Promise<void>;
  /** Removes every key given; resolves how many live values were removed. */
  deleteMany(keys: readonly string[]): Promise<number>;
  /** Removes every key of this store, or of this scope only. */
  clear(): Promise<void>;
  /** A view of the keys under `prefix:`: `scope('user').scope('admin')` stores under `user:admin:`. */
  scope(prefix: string): KeyValueStore<V, In>;
  /**
   * Adds `by` (a safe integer, default 1) to the whole number under `key`, atomically, and resolves the new
   * number. A missing (or expired) key counts as 0 and is created with `ttl` (or the store's default); an
   * existing key keeps its TTL. A key holding anything but a safe integer, or a result past
   * ±Number.MAX_SAFE_INTEGER, rejects with StoreValueTypeError and changes nothing.
   */
  increment(key: string, by?: number, options?: SetOptions): Promise<number>;
  /** Stores `value` only when `key` holds no live value, atomically; resolves whether it did. */
  setIfAbsent(key: string, value: In, options?: SetOptions): Promise<boolean>;
  /**
   * Replaces the value under `key` with `next` only when it is `expected` (`undefined`: only when the key is
   * missing), atomically; resolves whether it did. Values are compared in their serialized form, so pass what
   * `get` returned (the same keys in the same order). The key keeps its TTL unless `ttl` is given; a key it
   * creates gets `ttl` or the store's default.
   */
  compareAndSet(key: string, expected: In | undefined, next: In, options?: SetOptions): Promise<boolean>;
  /**
   * Applies every operation or none: all values are serialized and checked first, then everything is written at
   * once (one transaction on SQLite, MULTI/EXEC on Redis). Later operations on the same key win.
   */
  batch(operations: readonly BatchOperation<In>[]): Promise<void>;
}
