import { InvalidArgumentError, ReadonlyStoreError, SchemaValidationError, type SchemaIssue } from '../errors.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { KeyValueStore, ReadonlyKeyValueStore, SetOptions, StoreEntries } from './types.js';

function issuesOf(issues: ReadonlyArray<StandardSchemaV1.Issue>): SchemaIssue[] {
  return issues.map((issue) => ({
    message: issue.message,
    ...(issue.path ? { path: issue.path.map((p) => (typeof p === 'object' && p !== null ? p.key : p)) } : {}),
  }));
}

/** A view that validates every value written and read with a Standard Schema. */
class TypedView<V> implements KeyValueStore<V> {
  readonly #inner: KeyValueStore | ReadonlyKeyValueStore;
  readonly #schema: StandardSchemaV1<unknown, V>;
  readonly #readonly: boolean;

  constructor(inner: KeyValueStore | ReadonlyKeyValueStore, schema: StandardSchemaV1<unknown, V>, readonly: boolean) {
    this.#inner = inner;
    this.#schema = schema;
    this.#readonly = readonly;
  }

  async #validate(value: unknown, key: string, direction: 'write' | 'read'): Promise<V> {
    let result = this.#schema['~standard'].validate(value);
    if (result instanceof Promise) result = await result;
    if (result.issues) throw new SchemaValidationError(key, issuesOf(result.issues), direction);
    return result.value;
  }

  #writable(action: string): KeyValueStore {
    if (this.#readonly) throw new ReadonlyStoreError(action);
    return this.#inner as KeyValueStore;
  }

  async get(key: string): Promise<V | undefined> {
    const value = await this.#inner.get(key);
    return value === undefined ? undefined : this.#validate(value, key, 'read');
  }

  async getMany(keys: readonly string[]): Promise<(V | undefined)[]> {
    const values = await this.#inner.getMany(keys);
    return Promise.all(values.map((v, i) => (v === undefined ? undefined : this.#validate(v, keys[i]!, 'read'))));
  }

  async set(key: string, value: V, options?: SetOptions): Promise<void> {
    const inner = this.#writable(`set "${key}"`);
    await inner.set(key, await this.#validate(value, key, 'write'), options);
  }

  async setMany(entries: StoreEntries<V>, options?: SetOptions): Promise<void> {
    const inner = this.#writable('set many keys');
    const list: [string, unknown][] =
      typeof entries === 'object' && entries !== null && !(Symbol.iterator in entries)
        ? Object.entries(entries as Readonly<Record<string, V>>)
        : [...(entries as Iterable<readonly [string, V]>)].map((e) => [e?.[0], e?.[1]]);
    // Every value is validated before anything is written.
    const valid = await Promise.all(list.map(async ([key, value]) => [key, await this.#validate(value, String(key), 'write')] as const));
    await inner.setMany(valid, options);
  }

  delete(key: string): Promise<boolean> {
    return this.#readonly ? this.#refuse(`delete "${key}"`) : (this.#inner as KeyValueStore).delete(key);
  }

  deleteMany(keys: readonly string[]): Promise<number> {
    return this.#readonly ? this.#refuse('delete many keys') : (this.#inner as KeyValueStore).deleteMany(keys);
  }

  clear(): Promise<void> {
    return this.#readonly ? this.#refuse('clear the store') : (this.#inner as KeyValueStore).clear();
  }

  #refuse(action: string): Promise<never> {
    return Promise.reject(new ReadonlyStoreError(action));
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

  scope(prefix: string): KeyValueStore<V> {
    return new TypedView(this.#inner.scope(prefix), this.#schema, this.#readonly);
  }

  readonly(): ReadonlyKeyValueStore<V> {
    return new TypedView(this.#inner.readonly(), this.#schema, true);
  }
}

/**
 * A view of `store` whose values are validated with a Standard Schema (zod, valibot, arktype, ...): a write that
 * does not match throws SchemaValidationError listing the issues and writes nothing; data read back that does
 * not match (written before the schema, or by other code) is reported the same way. The schema's output (e.g.
 * with defaults applied) is what gets stored and returned.
 */
export function typedStore<S extends StandardSchemaV1>(store: KeyValueStore, schema: S): KeyValueStore<StandardSchemaV1.InferOutput<S>>;
export function typedStore<S extends StandardSchemaV1>(store: ReadonlyKeyValueStore, schema: S): ReadonlyKeyValueStore<StandardSchemaV1.InferOutput<S>>;
export function typedStore<S extends StandardSchemaV1>(
  store: KeyValueStore | ReadonlyKeyValueStore,
  schema: S,
): KeyValueStore<StandardSchemaV1.InferOutput<S>> | ReadonlyKeyValueStore<StandardSchemaV1.InferOutput<S>> {
  if (typeof store !== 'object' || store === null || typeof (store as KeyValueStore).get !== 'function') {
    throw new InvalidArgumentError('store', store, 'a KeyValueStore (new MemoryStore(), createStore(), ...)');
  }
  const standard = (schema as Partial<StandardSchemaV1> | null)?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new InvalidArgumentError('schema', schema, 'a Standard Schema (a zod, valibot or arktype schema, or any object with ["~standard"].validate)');
  }
  const readonly = typeof (store as KeyValueStore).set !== 'function';
  return new TypedView(store, schema as StandardSchemaV1<unknown, StandardSchemaV1.InferOutput<S>>, readonly);
}
