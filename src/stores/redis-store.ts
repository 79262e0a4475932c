import type { Redis } from 'ioredis';
import { InvalidArgumentError, StoreValueTypeError } from '../errors.js';
import { incremented } from './atomic.js';
import { ABSENT, type EngineWrite, type StoreEngine } from './engine.js';
import { scripted } from './redis-scripts.js';
import { escapeRedisGlob, type Glob } from './glob.js';
import { RedisConnection } from './redis-connection.js';
import { JSON_CODEC, resolveCodec, type Codec, type Serializer, type SerializerName } from './serializers.js';
import { StoreView } from './store-view.js';
import { checkDelay, checkKeyPrefix, checkOptionsBag, checkTtl, checkWholeNumber, orDefault, rejectUnknownOptions } from './validate.js';

/**
 * What RedisStore needs to know about an ioredis client you pass as `client` (a `new Redis(...)` from ioredis 5
 * is one). Declared here so these types compile without ioredis installed.
 */
export interface RedisClientLike {
  /** ioredis's connection status: "wait", "connecting", "ready", "end", ... */
  readonly status: string;
  /** Read to refuse a client with its own keyPrefix and to name the server in error messages. */
  readonly options?: { readonly keyPrefix?: string; readonly host?: string; readonly port?: number };
  /** ioredis's pipeline(): batches the commands of one store operation into one round trip. */
  pipeline(): unknown;
  /** ioredis's defineCommand(): registers the Lua scripts behind atomic operations (increment, compare-and-set). */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

/** Options of `new RedisStore(options)`: a `url` or a `client` (not both); every one may be left out. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port/db` or `rediss://…`. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** An ioredis client to use instead (not closed by `close()`; it must not have its own keyPrefix). */
  readonly client?: RedisClientLike;
  /** Prefix for every key, e.g. "myapp:" (kept out of the keys this store returns). */
  readonly keyPrefix?: string;
  /** Default TTL in ms for every `set` that gives none (up to Number.MAX_SAFE_INTEGER). Default: no expiry. */
  readonly ttl?: number;
  /** `json` (default), `structured` or a Serializer. */
  readonly serializer?: SerializerName | Serializer;
  /** How long (ms, at most 2147483647) the first connection may take before operations fail. Default 10000. */
  readonly connectTimeout?: number;
  /** How long (ms, at most 2147483647) an operation may take, waiting for a reconnection included, before it fails. Default 5000. */
  readonly commandTimeout?: number;
  /** SCAN COUNT hint: keys Redis looks at per SCAN call. Default 1000. */
  readonly scanCount?: number;
}

const OPTIONS = new Set(['url', 'client', 'keyPrefix', 'ttl', 'serializer', 'connectTimeout', 'commandTimeout', 'scanCount']);
const CHUNK = 1000;
const toVoid = (): void => undefined;
const isPositive = (n: number): boolean => n > 0;

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return `RedisStore ${parsed.toString()}`;
  } catch {
    return 'RedisStore';
  }
}

class RedisEngine implements StoreEngine {
  readonly description: string;
  readonly codec: Codec;
  readonly #conn: RedisConnection;
  readonly #ttl: number | undefined;
  readonly #binary: boolean;
  readonly #scanCount: number;

  constructor(conn: RedisConnection, description: string, codec: Codec, ttl: number | undefined, scanCount: number) {
    this.#conn = conn;
    this.description = description;
    this.codec = codec;
    this.#binary = codec.binary;
    this.#ttl = ttl;
    this.#scanCount = scanCount;
  }

  get closed(): boolean {
    return this.#conn.closed;
  }

  /**
   * Gets a ready client (or waits for one) and runs `send` on it under the operation's deadline; `map` turns the
   * reply into the result without another promise hop.
   */
  #do<R, T = R>(action: string, key: string | undefined, write: boolean, send: (client: Redis) => Promise<R>, map?: (reply: R) => T): Promise<T> {
    const conn = this.#conn;
    const started = conn.now();
    const client = conn.ready(action, key, started);
    if (client instanceof Promise) return client.then((c) => conn.run(action, key, write, send(c), started, map));
    return conn.run(action, key, write, send(client), started, map);
  }

  #px(ttl: number | undefined): number | undefined {
    const t = ttl === undefined ? this.#ttl : ttl;
    return t === Infinity ? undefined : t;
  }

  get(key: string, keyOffset: number): Promise<unknown> {
    return this.#do<string | Buffer | null, unknown>(
      'get',
      key,
      false,
      (c) => (this.#binary ? c.getBuffer(key) : c.get(key)),
      (data) => (data === null ? undefined : this.codec.decode(data, key, keyOffset)),
    );
  }

  set(key: string, data: unknown, ttl: number | undefined): Promise<void> {
    const px = this.#px(ttl);
    const value = data as string | Buffer;
    return this.#do('set', key, true, (c) => (px === undefined ? c.set(key, value) : c.set(key, value, 'PX', px)), toVoid);
  }

  delete(key: string): Promise<boolean> {
    return this.#do('delete', key, true, (c) => c.del(key), isPositive);
  }

  exists(key: string): Promise<boolean> {
    return this.#do('check', key, false, (c) => c.exists(key), isPositive);
  }

  getMany(keys: readonly string[], keyOffset: number): Promise<unknown[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const action = `get ${keys.length} keys`;
    const decode = (values: readonly (string | Buffer | null)[], offset: number, out: unknown[]): void => {
      for (let i = 0; i < values.length; i++) {
        const data = values[i]!;
        out.push(data === null ? undefined : this.codec.decode(data, keys[offset + i]!, keyOffset));
      }
    };
    if (keys.length <= CHUNK) {
      return this.#do<(string | Buffer | null)[], unknown[]>(
        action,
        undefined,
        false,
        (c) => (this.#binary ? c.mgetBuffer(...keys) : c.mget(...keys)),
        (values) => {
          const out: unknown[] = [];
          decode(values, 0, out);
          return out;
        },
      );
    }
    // One MGET per CHUNK keys (a single one would spread every key into one call and one huge command), all in
    // one pipeline: replies come back in order, so the values stay in the order of the keys.
    return this.#do(
      action,
      undefined,
      false,
      (c) => {
        const pipeline = c.pipeline();
        for (let i = 0; i < keys.length; i += CHUNK) {
          const chunk = keys.slice(i, i + CHUNK);
          if (this.#binary) pipeline.mgetBuffer(...chunk);
          else pipeline.mget(...chunk);
        }
        return pipeline.exec();
      },
      (results) => {
        this.#checkPipeline(results, action, Math.ceil(keys.length / CHUNK));
        const out: unknown[] = [];
        results!.forEach(([, values], chunk) => decode(values as (string | Buffer | null)[], chunk * CHUNK, out));
        return out;
      },
    );
  }

  async setMany(entries: readonly (readonly [string, unknown])[], ttl: number | undefined): Promise<void> {
    if (entries.length === 0) return;
    const px = this.#px(ttl);
    const action = `set ${entries.length} keys`;
    const results = await this.#do(action, undefined, true, (c) => {
      const pipeline = c.pipeline();
      for (const [key, data] of entries) {
        if (px === undefined) pipeline.set(key, data as string | Buffer);
        else pipeline.set(key, data as string | Buffer, 'PX', px);
      }
      return pipeline.exec();
    });
    this.#checkPipeline(results, action, entries.length);
  }

  /** A pipeline is not atomic: when part of it failed, say how much, so nothing looks done that is not. */
  #checkPipeline(results: [Error | null, unknown][] | null | undefined, action: string, total: number): void {
    const failures = (results ?? []).filter(([error]) => error !== null);
    if (failures.length === 0 && results?.length === total) return;
    const first = failures[0]?.[0] ?? new Error('the pipeline returned no results');
    const error = this.#conn.error(first, action, undefined, true);
    error.message += ` (${failures.length || total} of ${total} commands failed; the others were applied)`;
    throw error;
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const action = `delete ${keys.length} keys`;
    if (keys.length <= CHUNK) return this.#do(action, undefined, true, (c) => c.del(...keys));
    const results = await this.#do(action, undefined, true, (c) => {
      const pipeline = c.pipeline();
      for (let i = 0; i < keys.length; i += CHUNK) pipeline.del(...keys.slice(i, i + CHUNK));
      return pipeline.exec();
    });
    this.#checkPipeline(results, action, Math.ceil(keys.length / CHUNK));
    return results!.reduce((n, [, count]) => n + (count as number), 0);
  }

  /** SCAN (never KEYS) page by page, yielding the raw keys Redis returns for the MATCH pattern. */
  async *#pages(match: string, action: string): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#do(action, undefined, false, (c) => c.scan(cursor, 'MATCH', match, 'COUNT', this.#scanCount));
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }

  async keys(prefix: string, glob: Glob): Promise<string[]> {
    const found = new Set<string>(); // SCAN may return a key twice
    for await (const page of this.#pages(escapeRedisGlob(prefix) + glob.redis, 'list keys')) {
      for (const key of page) {
        const rel = key.slice(prefix.length);
        if (key.startsWith(prefix) && glob.test(rel)) found.add(rel);
      }
    }
    return [...found];
  }

  async *scan(prefix: string, glob: Glob): AsyncIterableIterator<string> {
    for await (const page of this.#pages(escapeRedisGlob(prefix) + glob.redis, 'scan keys')) {
      const seen = new Set<string>();
      for (const key of page) {
        const rel = key.slice(prefix.length);
        if (key.startsWith(prefix) && glob.test(rel) && !seen.has(rel)) {
          seen.add(rel);
          yield rel;
        }
      }
    }
  }

  async clear(prefix: string): Promise<void> {
    for await (const page of this.#pages(`${escapeRedisGlob(prefix)}*`, 'clear the store')) {
      const keys = page.filter((k) => k.startsWith(prefix));
      // A page holds about scanCount keys, which may be too many for one UNLINK: chunk them like deleteMany.
      if (keys.length > CHUNK) {
        const results = await this.#do('clear the store', undefined, true, (c) => {
          const pipeline = c.pipeline();
          for (let i = 0; i < keys.length; i += CHUNK) pipeline.unlink(...keys.slice(i, i + CHUNK));
          return pipeline.exec();
        });
        this.#checkPipeline(results, 'clear the store', Math.ceil(keys.length / CHUNK));
      } else if (keys.length > 0) await this.#do('clear the store', undefined, true, (c) => c.unlink(...keys));
    }
  }

  increment(key: string, by: number, ttl: number | undefined, keyOffset: number): Promise<number> {
    if (this.codec !== JSON_CODEC) return this.#incrementByCompare(key, by, ttl, keyOffset);
    const px = this.#px(ttl);
    return this.#do(
      'increment',
      key,
      true,
      (c) => scripted(c).routiluxIncrement(key, by, px === undefined ? '' : String(px)),
      ([status, result]) => {
        if (status === 1) return result as number;
        const label = key.slice(keyOffset);
        const current = this.codec.decode(result, key, keyOffset); // a SerializationError if it is not JSON at all
        if (status === 2) throw new StoreValueTypeError(label, `${String(current)} + ${by} is past ±Number.MAX_SAFE_INTEGER`);
        incremented(current, by, label); // throws: not a whole number
        throw new StoreValueTypeError(label, `it holds ${JSON.stringify(result)}, which is not written as a whole number`);
      },
    );
  }

  /** increment for serializers Redis cannot read: read, add, and write only if nothing changed meanwhile; retry. */
  async #incrementByCompare(key: string, by: number, ttl: number | undefined, keyOffset: number): Promise<number> {
    for (;;) {
      const raw = await this.#do<string | Buffer | null>('increment', key, false, (c) => (this.#binary ? c.getBuffer(key) : c.get(key)));
      const next = incremented(raw == null ? undefined : this.codec.decode(raw, key, keyOffset), by, key.slice(keyOffset));
      const data = this.codec.encode(next, key, keyOffset);
      if (await (raw == null ? this.setIfAbsent(key, data, ttl) : this.compareAndSet(key, raw, data, undefined))) return next;
    }
  }

  setIfAbsent(key: string, data: unknown, ttl: number | undefined): Promise<boolean> {
    const px = this.#px(ttl);
    const value = data as string | Buffer;
    return this.#do('set', key, true, (c) => (px === undefined ? c.set(key, value, 'NX') : c.set(key, value, 'PX', px, 'NX')), (reply) => reply === 'OK');
  }

  compareAndSet(key: string, expected: unknown, data: unknown, ttl: number | undefined): Promise<boolean> {
    const absent = expected === ABSENT;
    const px = absent || ttl !== undefined ? this.#px(ttl) : undefined;
    const ttlArg = !absent && ttl === undefined ? 'keep' : px === undefined ? 'none' : String(px);
    return this.#do(
      'compare and set',
      key,
      true,
      (c) => scripted(c).routiluxCompareAndSet(key, absent ? 'absent' : 'equal', absent ? '' : (expected as string | Buffer), data as string | Buffer, ttlArg),
      (reply) => reply === 1,
    );
  }

  /** MULTI/EXEC: Redis applies the writes together, with nothing in between, or (connection lost) none of them. */
  async batch(writes: readonly EngineWrite[]): Promise<void> {
    const action = `apply a batch of ${writes.length} writes`;
    const results = await this.#do(action, undefined, true, (c) => {
      const multi = c.multi();
      for (const write of writes) {
        if (write.remove) multi.del(write.key);
        else {
          const px = this.#px(write.ttl);
          if (px === undefined) multi.set(write.key, write.data as string | Buffer);
          else multi.set(write.key, write.data as string | Buffer, 'PX', px);
        }
      }
      return multi.exec();
    });
    this.#checkPipeline(results, action, writes.length);
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

/**
 * A store on Redis through ioredis (loaded when first used unless a client is given): SCAN never KEYS, MGET and
 * pipelines for batches, TTL with PX. A lost connection fails operations with StoreConnectionError within
 * commandTimeout (never a hang, never a false success) and the store recovers when Redis returns.
 */
export class RedisStore<V = unknown> extends StoreView<V> {
  constructor(options: RedisStoreOptions = {}) {
    checkOptionsBag(options, 'RedisStore', '{ url: "redis://127.0.0.1:6379/0" }', true);
    options ??= {};
    rejectUnknownOptions(options, OPTIONS, 'RedisStore');
    const { url, client } = options;
    if (url !== undefined && client !== undefined) {
      throw new InvalidArgumentError('RedisStore options', 'url and client', 'either a url or a client, not both');
    }
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
      throw new InvalidArgumentError('url', url, 'a Redis URL such as "redis://127.0.0.1:6379/0" (or "rediss://" for TLS)');
    }
    if (client !== undefined) {
      if (typeof client !== 'object' || client === null || typeof (client as RedisClientLike).pipeline !== 'function') {
        throw new InvalidArgumentError('client', client, 'an ioredis client (new Redis(...))');
      }
      if ((client as RedisClientLike).options?.keyPrefix) {
        throw new InvalidArgumentError(
          'client',
          client,
          `an ioredis client without its own keyPrefix (its prefix "${(client as RedisClientLike).options?.keyPrefix}" would not apply to SCAN): pass { keyPrefix } to RedisStore instead`,
        );
      }
    }
    const keyPrefix = checkKeyPrefix(options.keyPrefix);
    const description =
      client !== undefined ? `RedisStore (client ${client.options?.host ?? '?'}:${client.options?.port ?? '?'})` : describeUrl(url ?? 'redis://127.0.0.1:6379');
    const connection = new RedisConnection({
      url,
      client: client as Redis | undefined, // checked above; RedisConnection uses it as the ioredis client it is
      connectTimeout: checkDelay(orDefault<unknown>(options.connectTimeout, 10_000), 'connectTimeout', 1),
      commandTimeout: checkDelay(orDefault<unknown>(options.commandTimeout, 5_000), 'commandTimeout', 1),
      description,
    });
    const engine = new RedisEngine(
      connection,
      description,
      resolveCodec(options.serializer, false),
      checkTtl(options.ttl, 'ttl'),
      checkWholeNumber(orDefault<unknown>(options.scanCount, 1000), 'scanCount', 1),
    );
    super(engine, keyPrefix, keyPrefix.length, false, true);
  }
}
