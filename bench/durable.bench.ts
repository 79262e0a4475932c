/**
 * Durable log appends on SQLite beside raw better-sqlite3, measured in this process:
 * - ours: WorkerLog.enqueue() of `perTurn` records per event-loop turn, awaiting whenDurable() each turn (group
 *   commit: one store write per turn), on a SqliteStore file in WAL mode;
 * - baseline: the same records JSON.stringify'd and INSERTed by better-sqlite3 in one transaction per turn
 *   (one row per record), on a file in the same WAL / synchronous=NORMAL mode, awaiting setImmediate each turn.
 * - on Redis (a redis-server of its own): the same WorkerLog on a RedisStore beside raw ioredis sending each
 *   turn's records as one MULTI of SETs (one key per record), awaiting its reply.
 * Rounds alternate; figures are medians, the ratio the median of per-round ratios (baseline rate / ours).
 * Run: node --expose-gc --import tsx bench/durable.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { RedisStore } from '../src/stores/redis-store.js';
import type { KeyValueStore } from '../src/stores/types.js';
import { startRedisServer } from '../test/setup/redis-server.js';
import { WorkerLog, type DurableRecord } from '../src/durable/index.js';
import { SqliteStore } from '../src/stores/sqlite-store.js';
import { paired, printPaired } from './lib/measure.js';

const ROUNDS = 7;
const MS = 400;
const dir = mkdtempSync(join(tmpdir(), 'routilux-durable-bench-'));
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const record = (n: number): DurableRecord => ({
  type: 'activation.call',
  jobId: `job-${n >> 4}`,
  seq: 1,
  index: n & 15,
  kind: 'update',
  target: 'counter',
  change: { op: 'patch', routineId: 'counter', patches: [{ op: 'replace', path: ['count'], value: n }] },
});

let files = 0;
async function ours(perTurn: number, store: KeyValueStore = new SqliteStore({ path: join(dir, `ours-${files++}.db`) })): Promise<number> {
  const { log } = await WorkerLog.open(store, `bench-${files++}`);
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < MS) {
    for (let i = 0; i < perTurn; i++) log.enqueue(record(n++));
    await log.whenDurable();
    await turn();
  }
  const rate = (n * 1000) / (performance.now() - started);
  await log.close();
  await store.close();
  return rate;
}

async function baseline(perTurn: number): Promise<number> {
  const db = new Database(join(dir, `raw-${files++}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE log (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO log (key, value) VALUES (?, ?)');
  const commit = db.transaction((rows: [string, string][]) => {
    for (const [k, v] of rows) insert.run(k, v);
  });
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < MS) {
    const rows: [string, string][] = [];
    for (let i = 0; i < perTurn; i++, n++) rows.push([`log:${String(n).padStart(12, '0')}`, JSON.stringify(record(n))]);
    commit(rows);
    await turn();
  }
  const rate = (n * 1000) / (performance.now() - started);
  db.close();
  return rate;
}

async function rawRedis(client: Redis, perTurn: number): Promise<number> {
  let n = 0;
  const run = files++;
  const started = performance.now();
  while (performance.now() - started < MS) {
    const multi = client.multi();
    for (let i = 0; i < perTurn; i++, n++) multi.set(`raw:${run}:log:${String(n).padStart(12, '0')}`, JSON.stringify(record(n)));
    await multi.exec();
    await turn();
  }
  return (n * 1000) / (performance.now() - started);
}

try {
  for (const perTurn of [1, 10, 100]) {
    const result = await paired(ROUNDS, () => ours(perTurn), () => baseline(perTurn));
    printPaired(`durable log, ${perTurn} record(s)/turn, SQLite`, result, 'raw better-sqlite3 tx/turn', 'rec/s');
  }
  const server = await startRedisServer();
  const client = new Redis(server.url);
  try {
    for (const perTurn of [1, 10, 100]) {
      const result = await paired(
        ROUNDS,
        () => ours(perTurn, new RedisStore({ url: server.url })),
        () => rawRedis(client, perTurn),
      );
      printPaired(`durable log, ${perTurn} record(s)/turn, Redis`, result, 'raw ioredis MULTI/turn', 'rec/s');
    }
  } finally {
    client.disconnect();
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
