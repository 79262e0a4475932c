/** Key-value stores: one interface over memory, Redis and SQLite, with TTL, scopes, read-only and typed views. */
export type { BatchOperation, EvictionReason, KeyValueStore, ReadonlyKeyValueStore, SetOptions, StoreEntries } from './types.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { RedisStore, type RedisClientLike, type RedisStoreOptions } from './redis-store.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { createStore, type StoreEnvironment } from './create-store.js';
export { typedStore } from './typed-store.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export { withHooks, type Hooked, type StoreHookContext, type StoreHookOutcome, type StoreHooks, type StoreOperation } from './with-hooks.js';
export { jsonSerializer, structuredSerializer, type Serializer, type SerializerName } from './serializers.js';

