import { InvalidArgumentError } from '../errors.js';
import { createStore } from '../stores/create-store.js';
import type { KeyValueStore } from '../stores/types.js';

const STORE_METHODS = ['get', 'set', 'delete', 'keys', 'getMany', 'setMany', 'deleteMany', 'close'] as const;
const EXPECTED =
  'a store (new SqliteStore({ path }), new RedisStore({ url }), new MemoryStore(), or a scope or hooked view of one) ' +
  'or a URL string: "sqlite:./routilux.db", "redis://127.0.0.1:6379/0" or "memory:"';

/** Whether `value` has every method the durable log uses (any KeyValueStore or writable view of one). */
function isStore(value: unknown): value is KeyValueStore {
  return typeof value === 'object' && value !== null && STORE_METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}

/** What `resolveStore` returns: the store, and whether it was made here (then the runtime closes it). */
export interface ResolvedStore {
  readonly store: KeyValueStore;
  readonly owned: boolean;
}

/**
 * The store the runtime's `store` option names: a KeyValueStore as given (the caller keeps it and closes it),
 * or a URL string made into one with createStore (`sqlite:path`, `redis://…`/`rediss://…`, `memory:` or
 * `memory`), which the runtime owns. Anything else throws InvalidArgumentError.
 */
export function resolveStore(option: unknown): ResolvedStore {
  if (typeof option === 'string') {
    const url = option.trim();
    if (url === '') throw new InvalidArgumentError('Runtime option store', option, EXPECTED);
    if (url === 'memory' || url === 'memory:') return { store: createStore({ ROUTILUX_STORE: 'memory' }), owned: true };
    if (!/^(sqlite:|rediss?:\/\/)/.test(url)) throw new InvalidArgumentError('Runtime option store', option, EXPECTED);
    try {
      return { store: createStore({ ROUTILUX_STORE: url }), owned: true };
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new InvalidArgumentError('Runtime option store', option, `${EXPECTED} (${error.expected})`);
      throw error;
    }
  }
  if (isStore(option)) {
    const writable = !(Object.prototype.toString.call(option) as string).includes('(read-only)');
    if (!writable) throw new InvalidArgumentError('Runtime option store', option, `${EXPECTED}, writable (this is a read-only view)`);
    return { store: option, owned: false };
  }
  throw new InvalidArgumentError('Runtime option store', option, EXPECTED);
}
