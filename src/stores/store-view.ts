import { ReadonlyStoreError, StoreClosedError } from '../errors.js';
import { checkIncrementBy, toEngineWrites } from './atomic.js';
import { ABSENT, type StoreEngine } from './engine.js';
import type { Codec } from './serializers.js';
import { compileGlob } from './glob.js';
import type { BatchOperation, KeyValueStore, ReadonlyKeyValueStore, SetOptions, StoreEntries } from './types.js';
import { checkKey, checkKeys, checkScopePrefix, checkSetOptions, toEntryList } from './validate.js';

/** Where a store view's keys live in its engine and how its values are encoded (see `storeLocation`). */
export interface StoreLocation {
  /** The absolute key prefix (the store's keyPrefix, plus a scope's). */
  readonly prefix: string;
  readonly codec: Codec;
  readonly readonly: boolean;
}

let locate: (view: StoreView) => StoreLocation;

/**
 * Where `store`'s keys live and how it encodes values, or undefined for a store that is not a StoreView. For the
 * cluster, whose fenced Lua writes put the durable log's keys exactly where the RedisStore reads them.
 */
export function storeLocation(store: unknown): StoreLocation | undefined {
  return store instanceof StoreView ? locate(store) : undefined;
}

/** Returned by writes that completed synchronously: one shared, already-resolved promise. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A store as users see it: a window on one engine under a key prefix, writable or read-only. The stores made
 * with `new MemoryStore()` / `new RedisStore()` / `new SqliteStore()` are views that own their engine; their
 * `scope()` and `readonly()` are views sharing it (one LRU, one sweeper, one connection). The engine is held in
 * a private field, so a read-only view gives no way back to a writable one.
 */
export class StoreView<V = unknown> implements KeyValueStore<V> {
  readonly #engine: StoreEngine;
  /** Absolute prefix of this view's keys in the engine. */
  readonly #prefix: string;
  /** Length of the owning store's keyPrefix: keys in messages and callbacks start after it. */
  readonly #labelStart: number;
  readonly #readonly: boolean;
  readonly #owner: boolean;
  #closed = false;

  static {
    locate = (view) => ({ prefix: view.#prefix, codec: view.#engine.codec, readonly: view.#readonly });
  }

  /** @internal Stores are created with `new MemoryStore()` etc.; views with `scope()` and `readonly()`. */
  constructor(engine: StoreEngine, prefix: string, labelStart: number, readonly: boolean, owner: boolean) {
    this.#engine = engine;
    this.#prefix = prefix;
    this.#labelStart = labelStart;
    this.#readonly = readonly;
    this.#owner = owner;
  }

  /** What the store is in messages and `String(store)`: the backend, the scope and whether it is read-only. */
  get [Symbol.toStringTag](): string {
    const scope = this.#prefix.slice(this.#labelStart);
    return `${this.#engine.description}${scope ? ` scope "${scope}"` : ''}${this.#readonly ? ' (read-only)' : ''}`;
  }

  /** Throws when this view is closed (or read-only, for a write). The message is built only then. */
  #check(action: string, key: string | undefined, write: boolean): void {
    if (write && this.#readonly) throw new ReadonlyStoreError(key === undefined ? action : `${action} "${key}"`);
    if (this.#closed || this.#engine.closed) throw new StoreClosedError(key === undefined ? action : `${action} "${key}"`);
  }

  get(key: string): Promise<V | undefined> {
    try {
      checkKey(key);
      this.#check('get', key, false);
      const value = this.#engine.get(this.#prefix + key, this.#labelStart);
      return (value instanceof Promise ? value : Promise.resolve(value)) as Promise<V | undefined>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  set(key: string, value: V, options?: SetOptions): Promise<void> {
    try {
      checkKey(key);
      this.#check('set', key, true);
      const ttl = options === undefined ? undefined : checkSetOptions(options);
      const full = this.#prefix + key;
      const engine = this.#engine;
      const done = engine.set(full, engine.codec.encode(value, full, this.#labelStart), ttl);
      return done instanceof Promise ? done : RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    this.#check('delete', key, true);
    return this.#engine.delete(this.#prefix + key);
  }

  async exists(key: string): Promise<boolean> {
    checkKey(key);
    this.#check('check', key, false);
    return this.#engine.exists(this.#prefix + key);
  }

  async keys(pattern: string = '*'): Promise<string[]> {
    const glob = compileGlob(pattern);
    this.#check('list keys', undefined, false);
    const keys = await this.#engine.keys(this.#prefix, glob);
    return keys.sort();
  }

  async *scan(pattern: string = '*'): AsyncIterableIterator<string> {
    const glob = compileGlob(pattern);
    this.#check('scan keys', undefined, false);
    for await (const key of this.#engine.scan(this.#prefix, glob)) {
      this.#check('scan keys', undefined, false);
      yield key;
    }
  }

  async getMany(keys: readonly string[]): Promise<(V | undefined)[]> {
    checkKeys(keys);
    this.#check('get many keys', undefined, false);
    return this.#engine.getMany(
      keys.map((k) => this.#prefix + k),
      this.#labelStart,
    ) as Promise<(V | undefined)[]>;
  }

  async setMany(entries: StoreEntries<V>, options?: SetOptions): Promise<void> {
    const list = toEntryList<V>(entries);
    this.#check('set many keys', undefined, true);
    const ttl = checkSetOptions(options);
    const engine = this.#engine;
    // Everything is encoded before anything is written: a value that cannot be serialized writes nothing.
    const encoded = list.map(([key, value]) => {
      const full = this.#prefix + key;
      return [full, engine.codec.encode(value, full, this.#labelStart)] as const;
    });
    await engine.setMany(encoded, ttl);
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    checkKeys(keys);
    this.#check('delete many keys', undefined, true);
    return this.#engine.deleteMany(keys.map((k) => this.#prefix + k));
  }

  async clear(): Promise<void> {
    this.#check('clear the store', undefined, true);
    await this.#engine.clear(this.#prefix);
  }

  async increment(key: string, by?: number, options?: SetOptions): Promise<number> {
    checkKey(key);
    this.#check('increment', key, true);
    const step = checkIncrementBy(by);
    const ttl = checkSetOptions(options);
    return this.#engine.increment(this.#prefix + key, step, ttl, this.#labelStart);
  }

  async setIfAbsent(key: string, value: V, options?: SetOptions): Promise<boolean> {
    checkKey(key);
    this.#check('set', key, true);
    const ttl = checkSetOptions(options);
    const full = this.#prefix + key;
    return this.#engine.setIfAbsent(full, this.#engine.codec.encode(value, full, this.#labelStart), ttl);
  }

  async compareAndSet(key: string, expected: V | undefined, next: V, options?: SetOptions): Promise<boolean> {
    checkKey(key);
    this.#check('compare and set', key, true);
    const ttl = checkSetOptions(options);
    const full = this.#prefix + key;
    const codec = this.#engine.codec;
    const comparable = expected === undefined ? ABSENT : codec.comparable(expected, full, this.#labelStart);
    return this.#engine.compareAndSet(full, comparable, codec.encode(next, full, this.#labelStart), ttl);
  }

  async batch(operations: readonly BatchOperation<V>[]): Promise<void> {
    this.#check('apply a batch', undefined, true);
    // Everything is validated and encoded before anything is written.
    const writes = toEngineWrites(operations, this.#prefix, this.#labelStart, this.#engine.codec);
    if (writes.length > 0) await this.#engine.batch(writes);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owner) await this.#engine.close();
  }

  scope(prefix: string): KeyValueStore<V> {
    checkScopePrefix(prefix);
    return new StoreView<V>(this.#engine, `${this.#prefix}${prefix}:`, this.#labelStart, this.#readonly, false);
  }

  readonly(): ReadonlyKeyValueStore<V> {
    return new StoreView<V>(this.#engine, this.#prefix, this.#labelStart, true, false);
  }
}
