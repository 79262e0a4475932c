import { InvalidArgumentError } from '../errors.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { KeyValueStore } from './types.js';

/** The environment createStore reads (process.env by default). */
export type StoreEnvironment = Readonly<Record<string, string | undefined>>;

const KNOWN = new Set(['ROUTILUX_STORE', 'ROUTILUX_STORE_PREFIX', 'ROUTILUX_STORE_TTL', 'ROUTILUX_STORE_SERIALIZER']);
const STORE_EXPECTED = '"memory", a Redis URL such as "redis://127.0.0.1:6379/0", or "sqlite:" and a path such as "sqlite:./data.db"';

function redisUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('ROUTILUX_STORE', value, `${STORE_EXPECTED} (this Redis URL does not parse)`);
  }
  if (!url.hostname) throw new InvalidArgumentError('ROUTILUX_STORE', value, `${STORE_EXPECTED} (the Redis URL has no host)`);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new InvalidArgumentError('ROUTILUX_STORE', value, `${STORE_EXPECTED} (the database after the port must be a number, e.g. /0)`);
  }
  return value;
}

/** An environment variable: a string or absent. Anything else (a number, null...) is refused, naming it. */
function variable(env: StoreEnvironment, name: string): string | undefined {
  const value: unknown = env[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidArgumentError(name, value, 'a string, as environment variables are (or left out)');
}

/**
 * Creates the store the environment asks for:
 * - `ROUTILUX_STORE`: `memory` (default), `redis://host:port/db` (or `rediss://`), `sqlite:./path.db` (or `sqlite::memory:`)
 * - `ROUTILUX_STORE_PREFIX`: key prefix, e.g. `myapp:`
 * - `ROUTILUX_STORE_TTL`: default TTL in milliseconds
 * - `ROUTILUX_STORE_SERIALIZER`: `json` (default) or `structured`
 * A bad value, or an unknown `ROUTILUX_STORE_*` variable (a typo), throws InvalidArgumentError naming the variable.
 */
export function createStore<V = unknown>(env: StoreEnvironment = process.env): KeyValueStore<V> {
  const proto: unknown = typeof env === 'object' && env !== null ? Object.getPrototypeOf(env) : undefined;
  if (env !== process.env && proto !== Object.prototype && proto !== null) throw new InvalidArgumentError('env', env, 'an object of environment variables (process.env)');
  for (const name of Object.keys(env)) {
    if (name.startsWith('ROUTILUX_STORE') && !KNOWN.has(name)) {
      throw new InvalidArgumentError(name, env[name], `left out: it is not a setting (the store reads ${[...KNOWN].join(', ')})`);
    }
  }
  const kind = (variable(env, 'ROUTILUX_STORE') ?? '').trim() || 'memory';
  const keyPrefix = variable(env, 'ROUTILUX_STORE_PREFIX') ?? '';

  const ttlText = variable(env, 'ROUTILUX_STORE_TTL')?.trim();
  let ttl: number | undefined;
  if (ttlText !== undefined && ttlText !== '') {
    if (!/^\d+$/.test(ttlText) || Number(ttlText) <= 0 || !Number.isSafeInteger(Number(ttlText))) {
      throw new InvalidArgumentError('ROUTILUX_STORE_TTL', env.ROUTILUX_STORE_TTL, 'a positive whole number of milliseconds, e.g. 60000 for one minute');
    }
    ttl = Number(ttlText);
  }

  const serializerText = variable(env, 'ROUTILUX_STORE_SERIALIZER')?.trim() || 'json';
  if (serializerText !== 'json' && serializerText !== 'structured') {
    throw new InvalidArgumentError('ROUTILUX_STORE_SERIALIZER', env.ROUTILUX_STORE_SERIALIZER, '"json" or "structured"');
  }
  const common = { keyPrefix, serializer: serializerText, ...(ttl !== undefined ? { ttl } : {}) } as const;

  if (kind === 'memory') return new MemoryStore<V>(common);
  if (kind.startsWith('redis://') || kind.startsWith('rediss://')) return new RedisStore<V>({ ...common, url: redisUrl(kind) });
  if (kind.startsWith('sqlite:')) {
    const path = kind.slice('sqlite:'.length).replace(/^\/\/(?=\.|\/)/, '');
    if (path === '') throw new InvalidArgumentError('ROUTILUX_STORE', kind, `${STORE_EXPECTED} (the path after "sqlite:" is empty)`);
    return new SqliteStore<V>({ ...common, path });
  }
  throw new InvalidArgumentError('ROUTILUX_STORE', env.ROUTILUX_STORE, STORE_EXPECTED);
}
