import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, SerializationError, StoreConnectionError } from '../../src/errors.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `store-${n++}.db`);

describe('SqliteStore', () => {
  it('survives a process restart: what one process wrote, the next one reads (TTLs included)', async () => {
    const path = file();
    const writer = `
      import { SqliteStore } from './src/stores/sqlite-store.ts';
      const store = new SqliteStore({ path: ${JSON.stringify(path)} });
      await store.set('user:1', { name: 'Ada', since: new Date('2020-01-02T03:04:05.000Z') });
      await store.scope('jobs').setMany([['a', 1], ['b', 2]]);
      await store.set('short', 'gone soon', { ttl: 1 });
      await store.set('long', 'stays', { ttl: 3_600_000 });
      // No close(): a crash after acknowledged writes must not lose them.
      process.exit(0);`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    await new Promise((r) => setTimeout(r, 5));
    const store = new SqliteStore({ path });
    expect(await store.get('user:1')).toEqual({ name: 'Ada', since: new Date('2020-01-02T03:04:05.000Z') });
    expect(await store.scope('jobs').keys()).toEqual(['a', 'b']);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('long')).toBe('stays');
    await store.close();
  });

  it('uses WAL mode and one table; expired rows are deleted by the sweep, not only hidden', async () => {
    const path = file();
    let now = 1_000_000;
    const store = new SqliteStore({ path, now: () => now, sweepInterval: 0 });
    await store.setMany([['a', 1], ['b', 2], ['c', 3]], { ttl: 100 });
    await store.set('keep', 4);
    now += 100;
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const count = () => raw.prepare('SELECT count(*) FROM routilux_kv').pluck().get();
      expect(count()).toBe(4);
      expect(await store.keys()).toEqual(['keep']);
      expect(await store.purgeExpired()).toBe(3);
      expect(count()).toBe(1);
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('the sweeper deletes expired rows on its own, and close() stops it', async () => {
    const path = file();
    const store = new SqliteStore({ path, sweepInterval: 20 });
    await store.set('k', 1, { ttl: 1 });
    const raw = new Database(path, { readonly: true });
    try {
      const count = () => raw.prepare('SELECT count(*) FROM routilux_kv').pluck().get();
      const deadline = Date.now() + 2000;
      while (count() !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(count()).toBe(0);
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('two stores on one file see each other’s writes; keyPrefix and table keep apps apart', async () => {
    const path = file();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    const other = new SqliteStore({ path, keyPrefix: 'other:' });
    const table = new SqliteStore({ path, table: 'second' });
    await a.set('shared', 1);
    expect(await b.get('shared')).toBe(1);
    await other.set('shared', 2);
    await table.set('shared', 3);
    expect(await a.keys()).toEqual(['other:shared', 'shared']);
    expect(await other.keys()).toEqual(['shared']);
    expect(await table.keys()).toEqual(['shared']);
    await other.clear();
    expect(await a.keys()).toEqual(['shared']);
    for (const s of [a, b, other, table]) await s.close();
  });

  it('stores structured values as blobs', async () => {
    const path = file();
    const store = new SqliteStore({ path, serializer: 'structured' });
    await store.set('m', new Map([[1, new Set([2n])]]));
    expect(await store.get('m')).toEqual(new Map([[1, new Set([2n])]]));
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT typeof(value) FROM routilux_kv').pluck().get()).toBe('blob');
    raw.close();
  });

  it('reports data it cannot decode (written by another program) as a SerializationError naming the key', async () => {
    const path = file();
    const store = new SqliteStore({ path });
    await store.set('ok', 1);
    const raw = new Database(path);
    raw.prepare("INSERT INTO routilux_kv (key, value) VALUES ('bad', 'not json {')").run();
    raw.close();
    const error = await store.get('bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/^bad: the stored data cannot be read with the json serializer \(it is not valid JSON\)/);
    await store.close();
  });

  it('a path it cannot open gives a StoreConnectionError saying what to check', async () => {
    const store = new SqliteStore({ path: join(dir, 'no-such-dir', 'x.db') });
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreConnectionError);
    expect((error as Error).message).toMatch(/could not open the database.*directory exists/);
    // A file that is not a database is refused the same way.
    const notDb = join(dir, 'not-a-db.db');
    writeFileSync(notDb, 'hello, this is text and not SQLite '.repeat(100));
    await expect(new SqliteStore({ path: notDb }).set('k', 1)).rejects.toBeInstanceOf(StoreConnectionError);
  });

  it.each([
    [{}, /path must be a file path/],
    [{ path: '' }, /path must be a file path/],
    [{ path: 'x.db', table: 'drop table; --' }, /table must be a table name/],
    [{ path: 'x.db', synchronous: 'extra' }, /synchronous must be "normal" or "full"/],
    [{ path: 'x.db', serializer: 'none' }, /serializer must be "json", "structured" or a Serializer/],
    [{ path: 'x.db', sweepInterval: 1.5 }, /sweepInterval must be a whole number/],
    [{ path: 'x.db', sweepInterval: 2 ** 31 }, /sweepInterval must be a whole number of milliseconds from 0 to 2147483647 \(2\^31−1 ms/],
    [{ path: 'x.db', busyTimeout: 2 ** 31 }, /busyTimeout must be a whole number of milliseconds from 0 to 2147483647/],
    [{ path: 'x.db', ttl: 2 ** 53 }, /ttl must be a positive number of milliseconds up to Number\.MAX_SAFE_INTEGER/],
  ])('refuses options %j', (options, message) => {
    let error: unknown;
    try {
      new SqliteStore(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(message);
  });

  it('takes 2^31−1 ms (the longest timer delay) for sweepInterval and busyTimeout, and the sweeper does not fire early', async () => {
    const path = file();
    const store = new SqliteStore({ path, sweepInterval: 2_147_483_647, busyTimeout: 2_147_483_647 });
    await store.set('k', 1, { ttl: 1 });
    await store.set('long', 2, { ttl: 2 ** 31 * 10 });
    const raw = new Database(path, { readonly: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50)); // an overflowed sweeper would have run after ~1 ms
      expect(raw.prepare('SELECT count(*) FROM routilux_kv').pluck().get()).toBe(2); // the expired row is still there
      expect(await store.get('k')).toBeUndefined();
      expect(await store.get('long')).toBe(2);
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('works in memory too', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    await store.close();
  });
});
