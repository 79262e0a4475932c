import { coarseClock } from './clock.js';
import { MemoryEngine } from './memory-engine.js';
import type { Serializer, SerializerName } from './serializers.js';
import { resolveCodec } from './serializers.js';
import { RESOLVED, StoreView } from './store-view.js';
import type { EvictionReason, SetOptions } from './types.js';
import {
  checkDelay,
  checkFunction,
  checkKeyPrefix,
  checkOptionsBag,
  checkSetOptions,
  checkTtl,
  checkWholeNumber,
  orDefault,
  rejectUnknownOptions,
} from './validate.js';

/** Options of `new MemoryStore(options)`; every one may be left out. */
export interface MemoryStoreOptions<V = unknown> {
  /** Most entries kept; past it the least recently used one is evicted. Default: unbounded. */
  readonly maxEntries?: number;
  /** Default TTL in ms for every `set` that gives none (up to Number.MAX_SAFE_INTEGER). Default: no expiry. */
  readonly ttl?: number;
  /**
   * Called when an entry leaves the store, with the reason: `evicted` (LRU bound), `expired`, `deleted`
   * (delete/deleteMany/clear) or `overwritten` (set on an existing key). Runs after the store is consistent, so it
   * may use the store. Errors it throws (or rejects with) do not affect the store; they are reported with
   * process.emitWarning.
   */
  readonly onEvict?: (key: string, value: V, reason: EvictionReason) => void | Promise<void>;
  /** How often (ms, at most 2147483647) one timer removes expired entries nobody reads. 0 disables it. Default 1000. */
  readonly sweepInterval?: number;
  /**
   * `json` (default, like the other backends: values are copied and checked), `structured`, a Serializer, or
   * `none`: keep the values themselves (plain objects and arrays are deep-frozen), for speed.
   */
  readonly serializer?: SerializerName | 'none' | Serializer;
  /** Prefix for every key (kept out of the keys this store returns). */
  readonly keyPrefix?: string;
  /** The clock for TTLs, in ms. Default: `performance.now` (monotonic), read at most once a millisecond. Tests pass a fake one. */
  readonly now?: () => number;
}

const OPTIONS = new Set(['maxEntries', 'ttl', 'onEvict', 'sweepInterval', 'serializer', 'keyPrefix', 'now']);

/**
 * An in-process store: LRU by use with an optional bound, TTLs that free memory without being read (lazy expiry
 * plus one unref'd sweeper that runs only while some entry has a TTL), and eviction callbacks with a reason.
 */
export class MemoryStore<V = unknown> extends StoreView<V> {
  readonly #engine: MemoryEngine;
  /** No keyPrefix: keys reach the engine as given, so get/set can take the short path below. */
  readonly #direct: boolean;

  constructor(options: MemoryStoreOptions<V> = {}) {
    checkOptionsBag(options, 'MemoryStore', '{ maxEntries: 10_000, ttl: 60_000 }', true);
    options ??= {};
    rejectUnknownOptions(options, OPTIONS, 'MemoryStore');
    const keyPrefix = checkKeyPrefix(options.keyPrefix);
    const engine = new MemoryEngine({
      maxEntries: checkWholeNumber(orDefault<unknown>(options.maxEntries, Infinity), 'maxEntries', 1, true),
      ttl: checkTtl(options.ttl, 'ttl'),
      sweepInterval: checkDelay(orDefault<unknown>(options.sweepInterval, 1000), 'sweepInterval', 0),
      now: checkFunction<() => number>(options.now, 'now') ?? coarseClock(),
      codec: resolveCodec(options.serializer, true),
      onEvict: checkFunction<(key: string, value: unknown, reason: EvictionReason) => unknown>(options.onEvict, 'onEvict'),
      keyOffset: keyPrefix.length,
    });
    super(engine, keyPrefix, keyPrefix.length, false, true);
    this.#engine = engine;
    this.#direct = keyPrefix.length === 0;
  }

  // get and set are the hot paths (see bench/stores.bench.ts): on the store itself, with a valid key, they go
  // straight to the engine; everything else (and every error message) comes from StoreView.

  override get(key: string): Promise<V | undefined> {
    const engine = this.#engine;
    if (!this.#direct || typeof key !== 'string' || key.length === 0 || engine.closed) return super.get(key);
    try {
      return Promise.resolve(engine.get(key, 0) as V | undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  override set(key: string, value: V, options?: SetOptions): Promise<void> {
    const engine = this.#engine;
    if (!this.#direct || typeof key !== 'string' || key.length === 0 || engine.closed) return super.set(key, value, options);
    try {
      engine.set(key, engine.codec.encode(value, key, 0), options === undefined ? undefined : checkSetOptions(options));
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Entries held, including expired ones not yet removed by a read or the sweeper. */
  get size(): number {
    return this.#engine.size;
  }

  /** Removes every expired entry now (what the sweeper does every sweepInterval); returns how many. */
  purgeExpired(): number {
    return this.#engine.purgeExpired();
  }
}
