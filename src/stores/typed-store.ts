import { InvalidArgumentError, ReadonlyStoreError, SchemaValidationError, type SchemaIssue } from '../errors.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { checkIncrementBy, incremented } from './atomic.js';
import type { BatchOperation, KeyValueStore, ReadonlyKeyValueStore, SetOptions, StoreEntries } from './types.js';
import { checkKey, checkSetOptions, toEntryList } from './validate.js';

function issuesOf(issues: ReadonlyArray<StandardSchemaV1.Issue>): SchemaIssue[] {
  return issues.map((issue) => ({
    message: issue.message,
    ...(issue.path ? { path: issue.path.map((p) => (typeof p === 'object' && p !== null ? p.key : p)) } : {}),
  }));
}

/**
 * A view that validates every value written and read with a Standard Schema. Writes take the schema's input
 * (`In`) and store it as given; reads validate what is stored as input again and return the schema's output
 * (`Out`), so transforms and defaults apply on every read and data that no longer matches is reported.
 */
class TypedView<In, Out> implements KeyValueStore<Out, In> {
  readonly #inner: KeyValueStore | ReadonlyKeyValueStore;
  readonly #schema: StandardSchemaV1<In, Out>;
  readonly #readonly: boolean;

  constructor(inner: KeyValueStore | ReadonlyKeyValueStore, schema: StandardSchemaV1<In, Out>, readonly: boolean) {
    this.#inner = inner;
    this.#schema = schema;
    this.#readonly = readonly;
  }

  async #validate(value: unknown, key: string, direction: 'write' | 'read'): Promise<Out> {
    let result = this.#schema['~standard'].validate(value);
    if (result instanceof Promise) result = await result;
    if (typeof result !== 'object' || result === null) {
      throw new InvalidArgumentError('schema["~standard"].validate(value)', result, 'a result { value } or { issues } (is it a Standard Schema v1?)');
    }
    if (result.issues) throw new SchemaValidationError(key, issuesOf(result.issues), direction);
    return result.value;
  }

  #writable(action: string): KeyValueStore {
    if (this.#readonly) throw new ReadonlyStoreError(action);
    return this.#inner as KeyValueStore;
  }

  async get(key: string): Promise<Out | undefined> {
    const value = await this.#inner.get(key);
    return value === undefined ? undefined : this.#validate(value, key, 'read');
  }

  async getMany(keys: readonly string[]): Promise<(Out | undefined)[]> {
    const values = await this.#inner.getMany(keys);
    return Promise.all(values.map((v, i) => (v === undefined ? undefined : this.#validate(v, keys[i]!, 'read'))));
  }

  async set(key: string, value: In, options?: SetOptions): Promise<void> {
    checkKey(key); // before it goes into a message, and before the schema runs on the value
    const inner = this.#writable(`set "${key}"`);
    await this.#validate(value, key, 'write');
    await inner.set(key, value, options); // the input: the output is made again on read
  }

  async setMany(entries: StoreEntries<In>, options?: SetOptions): Promise<void> {
    const inner = this.#writable('set many keys');
    const list = toEntryList<In>(entries);
    // Every value is validated before anything is written.
    await Promise.all(list.map(([key, value]) => this.#validate(value, key, 'write')));
    await inner.setMany(list, options);
  }

  async setIfAbsent(key: string, value: In, options?: SetOptions): Promise<boolean> {
    checkKey(key);
    const inner = this.#writable(`set "${key}"`);
    await this.#validate(value, key, 'write');
    return inner.setIfAbsent(key, value, options);
  }

  async compareAndSet(key: string, expected: In | undefined, next: In, options?: SetOptions): Promise<boolean> {
    checkKey(key);
    const inner = this.#writable(`compare and set "${key}"`);
    await this.#validate(next, key, 'write');
    return inner.compareAndSet(key, expected, next, options);
  }

  /**
   * The schema must accept the new number before it is written, so this is a compare-and-set loop on the store
   * (atomic all the same): read, add, validate, write only if the value did not change meanwhile.
   */
  async increment(key: string, by?: number, options?: SetOptions): Promise<number> {
    checkKey(key);
    const inner = this.#writable(`increment "${key}"`);
    const step = checkIncrementBy(by);
    checkSetOptions(options);
    for (;;) {
      const current = await inner.get(key);
      const next = incremented(current, step, key);
      await this.#validate(next, key, 'write');
      if (current === undefined ? await inner.setIfAbsent(key, next, options) : await inner.compareAndSet(key, current, next)) return next;
    }
  }

  async batch(operations: readonly BatchOperation<In>[]): Promise<void> {
    const inner = this.#writable('apply a batch');
    // Every value is validated before anything is written; the store itself checks the operations' shape.
    if (Array.isArray(operations)) {
      await Promise.all(
        operations.map((o: unknown) => {
          const { op, key, value } = (typeof o === 'object' && o !== null ? o : {}) as { op?: unknown; key?: unknown; value?: unknown };
          return op === 'set' && typeof key === 'string' ? this.#validate(value, key, 'write') : undefined;
        }),
      );
    }
    await inner.batch(operations);
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return this.#writable(`delete "${key}"`).delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    return this.#writable('delete many keys').deleteMany(keys);
  }

  async clear(): Promise<void> {
    return this.#writable('clear the store').clear();
  }

  exists(key: string): Promise<boolean> {
    return this.#inner.exists(key);
  }

  keys(pattern?: string): Promise<string[]> {
    return this.#inner.keys(pattern);
  }

  scan(pattern?: string): AsyncIterableIterator<string> {
    return this.#inner.scan(pattern);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  scope(prefix: string): KeyValueStore<Out, In> {
    return new TypedView(this.#inner.scope(prefix), this.#schema, this.#readonly);
  }

  readonly(): ReadonlyKeyValueStore<Out> {
    return new TypedView(this.#inner.readonly(), this.#schema, true);
  }
}

/**
 * A view of `store` whose values are validated with a Standard Schema (zod, valibot, arktype, ...).
 *
 * - `set` and `setMany` take the schema's input type. The value is validated before anything is written (a
 *   value that does not match rejects with SchemaValidationError listing the issues, and nothing is written);
 *   what is stored is the value as given, not the schema's output.
 * - `get` and `getMany` validate the stored value as input again and return the schema's output type, so
 *   transforms and defaults apply on read (`z.string().transform(s => new Date(s))` stores the string and reads
 *   a Date), and data that does not match (written before a schema change, or by other code) rejects with
 *   SchemaValidationError (`direction: 'read'`).
 *
 * The stored input must be something the store can serialize.
 */
export function typedStore<S extends StandardSchemaV1>(
  store: KeyValueStore,
  schema: S,
): KeyValueStore<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>>;
/** A read-only store gives a read-only typed view: `get` and `getMany` validate as above. */
export function typedStore<S extends StandardSchemaV1>(store: ReadonlyKeyValueStore, schema: S): ReadonlyKeyValueStore<StandardSchemaV1.InferOutput<S>>;
export function typedStore<S extends StandardSchemaV1>(
  store: KeyValueStore | ReadonlyKeyValueStore,
  schema: S,
): KeyValueStore<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>> | ReadonlyKeyValueStore<StandardSchemaV1.InferOutput<S>> {
  // Duck-typed (any view or user wrapper will do), but by what only a store has: a Map has get too.
  if (typeof store !== 'object' || store === null || typeof (store as KeyValueStore).get !== 'function' || typeof (store as KeyValueStore).scope !== 'function') {
    throw new InvalidArgumentError('store', store, 'a KeyValueStore (new MemoryStore(), createStore(), ...)');
  }
  const standard = (schema as Partial<StandardSchemaV1> | null)?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new InvalidArgumentError('schema', schema, 'a Standard Schema (a zod, valibot or arktype schema, or any object with ["~standard"].validate)');
  }
  const readonly = typeof (store as KeyValueStore).set !== 'function';
  return new TypedView(store, schema as StandardSchemaV1<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>>, readonly);
}
