import type BetterSqlite3 from 'better-sqlite3';
import { InvalidArgumentError, MissingDependencyError, StoreClosedError, StoreConnectionError, StoreOperationError } from '../errors.js';
import { incremented } from './atomic.js';
import { ABSENT, prefixUpperBound, type EngineWrite, type MaybePromise, type StoreEngine } from './engine.js';
import type { Glob } from './glob.js';
import { resolveCodec, type Codec, type Serializer, type SerializerName } from './serializers.js';
import { StoreView } from './store-view.js';
import { checkDelay, checkFunction, checkKeyPrefix, checkOptionsBag, checkTtl, orDefault, rejectUnknownOptions } from './validate.js';

/** Options of `new SqliteStore(options)`: `path` is required, the rest may be left out. */
export interface SqliteStoreOptions {
  /** Database file (created if missing; its directory must exist), or ':memory:'. */
  readonly path: string;
  /** Table holding the entries (created if missing). Default `routilux_kv`. */
  readonly table?: string;
  /** Default TTL in ms for every `set` that gives none (up to Number.MAX_SAFE_INTEGER). Default: no expiry. */
  readonly ttl?: number;
  /** `json` (default), `structured` or a Serializer. */
  readonly serializer?: SerializerName | Serializer;
  /** Prefix for every key (kept out of the keys this store returns), e.g. to share one table between apps. */
  readonly keyPrefix?: string;
  /** How often (ms, at most 2147483647) expired rows are deleted. 0 disables it (reads still ignore them). Default 60000. */
  readonly sweepInterval?: number;
  /**
   * `normal` (default; WAL): a write survives a crash of the process; `full`: also a power loss, at the price of
   * an fsync per write.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long (ms, at most 2147483647) a write waits for another process's lock before failing. Default 5000. */
  readonly busyTimeout?: number;
  /** Wall clock for TTLs, in ms since the epoch (expiry must survive restarts). Default `Date.now`. */
  readonly now?: () => number;
}

const OPTIONS = new Set(['path', 'table', 'ttl', 'serializer', 'keyPrefix', 'sweepInterval', 'synchronous', 'busyTimeout', 'now']);
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const PAGE = 500;

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

interface Config {
  readonly path: string;
  readonly table: string;
  readonly ttl: number | undefined;
  readonly codec: Codec;
  readonly sweepInterval: number;
  readonly synchronous: 'NORMAL' | 'FULL';
  readonly busyTimeout: number;
  readonly now: () => number;
}

/** Escapes a literal for SQLite GLOB (which has no escape character: metacharacters go in brackets). */
function escapeSqliteGlob(literal: string): string {
  return literal.replace(/[*?[]/g, '[$&]');
}

/** The WHERE clause (and its arguments) selecting keys under `prefix`. */
function prefixClause(prefix: string): readonly [sql: string, args: string[]] {
  if (prefix.length === 0) return ['1', []];
  const upper = prefixUpperBound(prefix);
  return upper === undefined ? ['key GLOB ?', [`${escapeSqliteGlob(prefix)}*`]] : ['key >= ? AND key < ?', [prefix, upper]];
}

class SqliteEngine implements StoreEngine {
  readonly description: string;
  readonly codec: Codec;
  closed = false;
  readonly #config: Config;
  #db: Database | undefined;
  #opening: Promise<Database> | undefined;
  readonly #statements = new Map<string, Statement>();
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(config: Config) {
    this.#config = config;
    this.codec = config.codec;
    this.description = `SqliteStore "${config.path}"`;
  }

  async #open(): Promise<Database> {
    const { path, table, synchronous, busyTimeout, sweepInterval } = this.#config;
    let Driver: typeof BetterSqlite3;
    try {
      Driver = (await import('better-sqlite3')).default;
    } catch (error) {
      throw new MissingDependencyError('better-sqlite3', 'SqliteStore', { cause: error });
    }
    let db: Database;
    try {
      db = new Driver(path, { timeout: busyTimeout });
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.exec(
        `CREATE TABLE IF NOT EXISTS "${table}" (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL, expires_at INTEGER) WITHOUT ROWID;` +
          `CREATE INDEX IF NOT EXISTS "${table}_expires_at" ON "${table}" (expires_at) WHERE expires_at IS NOT NULL;`,
      );
    } catch (error) {
      throw new StoreConnectionError(
        `${this.description} could not open the database: ${(error as Error).message}. ` +
          'Check that the directory exists and is writable and that the file is an SQLite database.',
        { cause: error },
      );
    }
    if (this.closed) {
      db.close();
      throw new StoreClosedError('open the database');
    }
    this.#db = db;
    this.purgeExpired();
    if (sweepInterval > 0) {
      this.#sweeper = setInterval(() => {
        try {
          this.purgeExpired();
        } catch {
          // A failed sweep (e.g. a lock held elsewhere) is retried on the next tick; reads ignore expired rows.
        }
      }, sweepInterval);
      this.#sweeper.unref();
    }
    return db;
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db!.prepare(sql.replaceAll('$t', `"${this.#config.table}"`));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` on the open database (opening it first if needed), turning driver errors into store errors. */
  #run<T>(operation: string, fn: (db: Database) => T): MaybePromise<T> {
    const db = this.#db;
    if (db === undefined) {
      if (this.closed) throw new StoreClosedError(operation);
      this.#opening ??= this.#open().catch((error: unknown) => {
        this.#opening = undefined; // let a later call try again
        throw error;
      });
      return this.#opening.then((opened) => this.#guard(operation, fn, opened));
    }
    return this.#guard(operation, fn, db);
  }

  #guard<T>(operation: string, fn: (db: Database) => T, db: Database): T {
    try {
      return fn(db);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_')) throw error;
      const hint =
        code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
          ? 'Another connection held a lock longer than busyTimeout: retry, raise busyTimeout, or shorten the other writer’s transactions.'
          : code.startsWith('SQLITE_READONLY')
            ? 'The database file or its directory is read-only: fix the permissions or use another path.'
            : 'Check the disk (space, permissions) and the database file.';
      throw new StoreOperationError(operation, this.description, `${code}: ${(error as Error).message}`, hint, { cause: error });
    }
  }

  #live = 'AND (expires_at IS NULL OR expires_at > ?)';

  #expiry(ttl: number | undefined): number | null {
    const t = ttl === undefined ? this.#config.ttl : ttl;
    return t === undefined || t === Infinity ? null : this.#config.now() + t;
  }

  get(key: string, keyOffset: number): MaybePromise<unknown> {
    return this.#run(`get "${key}"`, () => {
      const data: unknown = this.#statement(`SELECT value FROM $t WHERE key = ? ${this.#live}`).pluck().get(key, this.#config.now());
      return data === undefined ? undefined : this.codec.decode(data, key, keyOffset);
    });
  }

  set(key: string, data: unknown, ttl: number | undefined): MaybePromise<void> {
    return this.#run(`set "${key}"`, () => {
      this.#upsert(key, data, this.#expiry(ttl));
    });
  }

  #upsert(key: string, data: unknown, expires: number | null): void {
    const value = data instanceof Uint8Array && !Buffer.isBuffer(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : data;
    this.#statement(
      'INSERT INTO $t (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    ).run(key, value, expires);
  }

  #delete(key: string, now: number): boolean {
    const expires = this.#statement('DELETE FROM $t WHERE key = ? RETURNING expires_at').pluck().all(key) as (number | null)[];
    return expires.length > 0 && (expires[0] === null || expires[0]! > now);
  }

  delete(key: string): MaybePromise<boolean> {
    return this.#run(`delete "${key}"`, () => this.#delete(key, this.#config.now()));
  }

  exists(key: string): MaybePromise<boolean> {
    return this.#run(`check "${key}"`, () => this.#statement(`SELECT 1 FROM $t WHERE key = ? ${this.#live}`).pluck().get(key, this.#config.now()) !== undefined);
  }

  getMany(keys: readonly string[], keyOffset: number): MaybePromise<unknown[]> {
    return this.#run(`get ${keys.length} keys`, (db) => {
      const statement = this.#statement(`SELECT value FROM $t WHERE key = ? ${this.#live}`).pluck();
      const now = this.#config.now();
      const data = db.transaction(() => keys.map((k): unknown => statement.get(k, now)))();
      return data.map((d, i) => (d === undefined ? undefined : this.codec.decode(d, keys[i]!, keyOffset)));
    });
  }

  setMany(entries: readonly (readonly [string, unknown])[], ttl: number | undefined): MaybePromise<void> {
    return this.#run(`set ${entries.length} keys`, (db) => {
      const expires = this.#expiry(ttl);
      db.transaction(() => {
        for (const [key, data] of entries) this.#upsert(key, data, expires);
      })();
    });
  }

  deleteMany(keys: readonly string[]): MaybePromise<number> {
    return this.#run(`delete ${keys.length} keys`, (db) => {
      const now = this.#config.now();
      return db.transaction(() => keys.reduce((n, k) => (this.#delete(k, now) ? n + 1 : n), 0))();
    });
  }

  keys(prefix: string, glob: Glob): MaybePromise<string[]> {
    return this.#run('list keys', () => {
      const [where, args] = prefixClause(prefix + glob.literalPrefix);
      const keys = this.#statement(`SELECT key FROM $t WHERE ${where} ${this.#live}`).pluck().all(...args, this.#config.now()) as string[];
      const out: string[] = [];
      for (const key of keys) {
        const rel = key.slice(prefix.length);
        if (key.startsWith(prefix) && glob.test(rel)) out.push(rel);
      }
      return out;
    });
  }

  async *scan(prefix: string, glob: Glob): AsyncIterableIterator<string> {
    // Keyset pagination in key order: stable while the caller writes, and one page in memory at a time.
    const [where, args] = prefixClause(prefix + glob.literalPrefix);
    let cursor: string | undefined;
    for (;;) {
      const after = cursor;
      const page = await this.#run('scan keys', () =>
        this.#statement(`SELECT key FROM $t WHERE ${where} ${after === undefined ? '' : 'AND key > ?'} ${this.#live} ORDER BY key LIMIT ${PAGE}`)
          .pluck()
          .all(...args, ...(after === undefined ? [] : [after]), this.#config.now()) as string[],
      );
      for (const key of page) {
        const rel = key.slice(prefix.length);
        if (key.startsWith(prefix) && glob.test(rel)) yield rel;
      }
      if (page.length < PAGE) return;
      cursor = page[page.length - 1];
    }
  }

  clear(prefix: string): MaybePromise<void> {
    return this.#run('clear the store', () => {
      const [where, args] = prefixClause(prefix);
      this.#statement(`DELETE FROM $t WHERE ${where}`).run(...args);
    });
  }

  // Atomic operations run in one IMMEDIATE transaction: it takes the write lock before reading, so another
  // process writing the same file cannot come in between the read and the write.

  #liveRow(key: string): { value: unknown; expires_at: number | null } | undefined {
    return this.#statement(`SELECT value, expires_at FROM $t WHERE key = ? ${this.#live}`).get(key, this.#config.now()) as
      | { value: unknown; expires_at: number | null }
      | undefined;
  }

  increment(key: string, by: number, ttl: number | undefined, keyOffset: number): MaybePromise<number> {
    return this.#run(`increment "${key}"`, (db) =>
      db
        .transaction(() => {
          const row = this.#liveRow(key);
          const next = incremented(row === undefined ? undefined : this.codec.decode(row.value, key, keyOffset), by, key.slice(keyOffset));
          this.#upsert(key, this.codec.encode(next, key, keyOffset), row === undefined ? this.#expiry(ttl) : row.expires_at);
          return next;
        })
        .immediate(),
    );
  }

  setIfAbsent(key: string, data: unknown, ttl: number | undefined): MaybePromise<boolean> {
    return this.#run(`set "${key}"`, (db) =>
      db
        .transaction(() => {
          if (this.#liveRow(key) !== undefined) return false;
          this.#upsert(key, data, this.#expiry(ttl));
          return true;
        })
        .immediate(),
    );
  }

  compareAndSet(key: string, expected: unknown, data: unknown, ttl: number | undefined): MaybePromise<boolean> {
    return this.#run(`compare and set "${key}"`, (db) =>
      db
        .transaction(() => {
          const row = this.#liveRow(key);
          const matches = expected === ABSENT ? row === undefined : row !== undefined && this.codec.same(row.value, expected);
          if (matches) this.#upsert(key, data, row === undefined || ttl !== undefined ? this.#expiry(ttl) : row.expires_at);
          return matches;
        })
        .immediate(),
    );
  }

  batch(writes: readonly EngineWrite[]): MaybePromise<void> {
    return this.#run(`apply a batch of ${writes.length} writes`, (db) => {
      db.transaction(() => {
        const now = this.#config.now();
        for (const write of writes) {
          if (write.remove) this.#delete(write.key, now);
          else this.#upsert(write.key, write.data, this.#expiry(write.ttl));
        }
      }).immediate();
    });
  }

  /** Deletes expired rows; returns how many. */
  purgeExpired(): MaybePromise<number> {
    return this.#run('purge expired entries', () => this.#statement('DELETE FROM $t WHERE expires_at <= ?').run(this.#config.now()).changes);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const db = this.#db ?? (await this.#opening?.catch(() => undefined));
    this.#db = undefined;
    this.#statements.clear();
    if (db?.open) db.close();
  }
}

/**
 * An embedded, persistent store on better-sqlite3 (loaded when first used): one table in WAL mode, TTLs kept
 * as wall-clock expiry times (so they hold across restarts), expired rows ignored on read and deleted by a sweeper.
 */
export class SqliteStore<V = unknown> extends StoreView<V> {
  readonly #engine: SqliteEngine;

  constructor(options: SqliteStoreOptions) {
    checkOptionsBag(options, 'SqliteStore', '{ path: "./data.db" }', false);
    rejectUnknownOptions(options, OPTIONS, 'SqliteStore');
    if (typeof options.path !== 'string' || options.path.length === 0) {
      throw new InvalidArgumentError('path', options.path, 'a file path such as "./data.db" (or ":memory:")');
    }
    const table: unknown = orDefault<unknown>(options.table, 'routilux_kv');
    if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
      throw new InvalidArgumentError('table', table, 'a table name of letters, digits and _ (not starting with a digit)');
    }
    const synchronous: unknown = orDefault<unknown>(options.synchronous, 'normal');
    if (synchronous !== 'normal' && synchronous !== 'full') {
      throw new InvalidArgumentError('synchronous', synchronous, '"normal" or "full"');
    }
    const keyPrefix = checkKeyPrefix(options.keyPrefix);
    const engine = new SqliteEngine({
      path: options.path,
      table,
      ttl: checkTtl(options.ttl, 'ttl'),
      codec: resolveCodec(options.serializer, false),
      sweepInterval: checkDelay(orDefault<unknown>(options.sweepInterval, 60_000), 'sweepInterval', 0),
      synchronous: synchronous === 'full' ? 'FULL' : 'NORMAL',
      busyTimeout: checkDelay(orDefault<unknown>(options.busyTimeout, 5000), 'busyTimeout', 0),
      now: checkFunction<() => number>(options.now, 'now') ?? Date.now,
    });
    super(engine, keyPrefix, keyPrefix.length, false, true);
    this.#engine = engine;
  }

  /** Deletes expired rows now (what the sweeper does every sweepInterval); returns how many. */
  async purgeExpired(): Promise<number> {
    if (this.#engine.closed) throw new StoreClosedError('purge expired entries');
    return this.#engine.purgeExpired();
  }
}
