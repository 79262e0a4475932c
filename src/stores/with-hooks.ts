import { InvalidArgumentError } from '../errors.js';
import type { BatchOperation, KeyValueStore, ReadonlyKeyValueStore, SetOptions, StoreEntries } from './types.js';
import { isPlainObject } from '../util/args.js';
import { toEntryList } from './validate.js';

/** The store operations a hook hears about. */
export type StoreOperation =
  | 'get'
  | 'set'
  | 'delete'
  | 'exists'
  | 'keys'
  | 'scan'
  | 'getMany'
  | 'setMany'
  | 'deleteMany'
  | 'clear'
  | 'close'
  | 'increment'
  | 'setIfAbsent'
  | 'compareAndSet'
  | 'batch';

/** What a hook is told about an operation. */
export interface StoreHookContext {
  /** The store method that was called, e.g. `get`, `setMany`, `compareAndSet`. */
  readonly operation: StoreOperation;
  /** The scope the call was made through, relative to the hooked store ('' for the store itself, 'user:admin'). */
  readonly scope: string;
  /** get, set, delete, exists, increment, setIfAbsent, compareAndSet. */
  readonly key?: string;
  /** getMany, setMany, deleteMany, batch. */
  readonly keys?: readonly string[];
  /** keys, scan. */
  readonly pattern?: string;
  /** set, setIfAbsent, compareAndSet: the value written; increment: the amount added. */
  readonly value?: unknown;
  /** set, setMany, increment, setIfAbsent, compareAndSet: the options given. */
  readonly options?: SetOptions;
}

/** What an `after` hook is told: the context, how long it took and how it ended. */
export interface StoreHookOutcome extends StoreHookContext {
  /** Time the operation took (for scan: the whole iteration), in ms. */
  readonly durationMs: number;
  /** Set when the operation failed. */
  readonly error?: unknown;
  /** What it resolved with when it succeeded (for scan: how many keys it yielded). */
  readonly result?: unknown;
}

/** The hooks `withHooks` runs around each operation. */
export interface StoreHooks {
  /** Runs before the operation; throwing (or rejecting) stops it and fails the call with that error. */
  readonly before?: (context: StoreHookContext) => void | Promise<void>;
  /** Runs after it, once, whether it succeeded or failed; an error it throws fails the call. */
  readonly after?: (outcome: StoreHookOutcome) => void | Promise<void>;
}

/** A view that calls hooks around every operation, e.g. for logging and metrics. Scopes and read-only views made
 * from it are hooked too. */
class HookedView<V, In = V> implements KeyValueStore<V, In> {
  readonly #inner: KeyValueStore<V, In>;
  readonly #hooks: StoreHooks;
  readonly #scope: string;

  constructor(inner: KeyValueStore<V, In>, hooks: StoreHooks, scope: string) {
    this.#inner = inner;
    this.#hooks = hooks;
    this.#scope = scope;
  }

  async #call<T>(context: Omit<StoreHookContext, 'scope'>, run: () => Promise<T>): Promise<T> {
    const full: StoreHookContext = { ...context, scope: this.#scope };
    const { before, after } = this.#hooks;
    if (before) await before(full);
    const started = performance.now();
    let result: T;
    try {
      result = await run();
    } catch (error) {
      if (after) await after({ ...full, durationMs: performance.now() - started, error });
      throw error;
    }
    if (after) await after({ ...full, durationMs: performance.now() - started, result });
    return result;
  }

  get(key: string): Promise<V | undefined> {
    return this.#call({ operation: 'get', key }, () => this.#inner.get(key));
  }

  set(key: string, value: In, options?: SetOptions): Promise<void> {
    return this.#call({ operation: 'set', key, value, ...(options ? { options } : {}) }, () => this.#inner.set(key, value, options));
  }

  delete(key: string): Promise<boolean> {
    return this.#call({ operation: 'delete', key }, () => this.#inner.delete(key));
  }

  exists(key: string): Promise<boolean> {
    return this.#call({ operation: 'exists', key }, () => this.#inner.exists(key));
  }

  keys(pattern: string = '*'): Promise<string[]> {
    return this.#call({ operation: 'keys', pattern }, () => this.#inner.keys(pattern));
  }

  async *scan(pattern: string = '*'): AsyncIterableIterator<string> {
    const context: StoreHookContext = { operation: 'scan', pattern, scope: this.#scope };
    const { before, after } = this.#hooks;
    if (before) await before(context);
    const started = performance.now();
    let count = 0;
    let failure: { error: unknown } | undefined;
    try {
      for await (const key of this.#inner.scan(pattern)) {
        count++;
        yield key;
      }
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      // Also runs when the caller stops early (break): the outcome then counts the keys it took.
      if (after) await after({ ...context, durationMs: performance.now() - started, ...(failure ?? { result: count }) });
    }
  }

  getMany(keys: readonly string[]): Promise<(V | undefined)[]> {
    return this.#call({ operation: 'getMany', keys }, () => this.#inner.getMany(keys));
  }

  setMany(entries: StoreEntries<In>, options?: SetOptions): Promise<void> {
    const withOptions = options ? { options } : {};
    let list: (readonly [string, In])[];
    try {
      list = toEntryList<In>(entries);
    } catch (error) {
      // Entries that are not entries: the call fails like any other (hooks included), it does not throw.
      return this.#call({ operation: 'setMany', ...withOptions }, () => Promise.reject(error));
    }
    return this.#call({ operation: 'setMany', keys: list.map((e) => e[0]), ...withOptions }, () => this.#inner.setMany(list, options));
  }

  increment(key: string, by?: number, options?: SetOptions): Promise<number> {
    return this.#call({ operation: 'increment', key, value: by ?? 1, ...(options ? { options } : {}) }, () => this.#inner.increment(key, by, options));
  }

  setIfAbsent(key: string, value: In, options?: SetOptions): Promise<boolean> {
    return this.#call({ operation: 'setIfAbsent', key, value, ...(options ? { options } : {}) }, () => this.#inner.setIfAbsent(key, value, options));
  }

  compareAndSet(key: string, expected: In | undefined, next: In, options?: SetOptions): Promise<boolean> {
    return this.#call({ operation: 'compareAndSet', key, value: next, ...(options ? { options } : {}) }, () =>
      this.#inner.compareAndSet(key, expected, next, options),
    );
  }

  batch(operations: readonly BatchOperation<In>[]): Promise<void> {
    const keys = Array.isArray(operations) ? operations.map((o: unknown) => (o as { key?: unknown } | null)?.key).filter((k): k is string => typeof k === 'string') : [];
    return this.#call({ operation: 'batch', keys }, () => this.#inner.batch(operations));
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#call({ operation: 'deleteMany', keys }, () => this.#inner.deleteMany(keys));
  }

  clear(): Promise<void> {
    return this.#call({ operation: 'clear' }, () => this.#inner.clear());
  }

  close(): Promise<void> {
    return this.#call({ operation: 'close' }, () => this.#inner.close());
  }

  scope(prefix: string): KeyValueStore<V, In> {
    return new HookedView(this.#inner.scope(prefix), this.#hooks, this.#scope ? `${this.#scope}:${prefix}` : prefix);
  }

  readonly(): ReadonlyKeyValueStore<V> {
    return new HookedView(this.#inner.readonly() as KeyValueStore<V, In>, this.#hooks, this.#scope);
  }
}

/** The store type withHooks returns: a writable store stays writable, a read-only one read-only. */
export type Hooked<S> = S extends KeyValueStore<infer V, infer In> ? KeyValueStore<V, In> : S extends ReadonlyKeyValueStore<infer V> ? ReadonlyKeyValueStore<V> : never;

/**
 * Wraps any store (or view) so `before` and `after` run around each operation: logging, metrics, tracing.
 * ```ts
 * const store = withHooks(new MemoryStore(), {
 *   after: ({ operation, key, durationMs, error }) => metrics.observe(operation, durationMs, error ? 'error' : 'ok'),
 * });
 * ```
 */
export function withHooks<S extends ReadonlyKeyValueStore<unknown>>(store: S, hooks: StoreHooks): Hooked<S> {
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function') {
    throw new InvalidArgumentError('store', store, 'a KeyValueStore (new MemoryStore(), createStore(), ...)');
  }
  if (!isPlainObject(hooks)) throw new InvalidArgumentError('hooks', hooks, 'a plain object { before?, after? }');
  for (const name of Object.keys(hooks)) {
    if (name !== 'before' && name !== 'after') throw new InvalidArgumentError(`hooks.${name}`, (hooks as Record<string, unknown>)[name], 'left out: only "before" and "after" exist');
    if (typeof (hooks as Record<string, unknown>)[name] !== 'function' && (hooks as Record<string, unknown>)[name] !== undefined) {
      throw new InvalidArgumentError(`hooks.${name}`, (hooks as Record<string, unknown>)[name], 'a function');
    }
  }
  // A read-only inner store keeps refusing writes: the hooks see those calls fail with ReadonlyStoreError.
  return new HookedView(store as unknown as KeyValueStore<unknown>, hooks, '') as unknown as Hooked<S>;
}
