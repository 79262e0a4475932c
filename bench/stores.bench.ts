/**
 * Store throughput beside the baselines, measured in this process:
 * - MemoryStore (serializer 'none' and the default 'json') beside lru-cache with the same bound and TTL. Every
 *   store API is async, so the baseline is lru-cache called through the same `await` loop; the bare synchronous
 *   lru-cache figure is printed for reference. Aim: 'none' ≥ 0.7× lru-cache.
 * - RedisStore single and batch operations beside raw ioredis (same server, same JSON encoding, same number of
 *   operations in flight). Aim: ≥ 0.9× raw ioredis. `increment` (a Lua script: it also checks the stored value and
 *   sets the TTL of a key it creates) beside a bare INCR.
 * Each ops/s figure is the median of short interleaved rounds; each ratio the median of per-round ratios. Run: node --expose-gc --import tsx bench/stores.bench.ts
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { MemoryStore } from '../src/stores/memory-store.js';
import { RedisStore } from '../src/stores/redis-store.js';
import { startRedisServer } from '../test/setup/redis-server.js';

const ROUNDS = 15;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

type Op = (i: number) => unknown;
interface Subject {
  readonly name: string;
  readonly op: Op;
}

/** Runs `op` sequentially (awaiting each) for about `ms`, returns ops/s. */
async function measure(op: Op, ms: number, opsPerCall: number): Promise<number> {
  let calls = 0;
  const chunk = opsPerCall > 1 ? 8 : 256; // calls between clock reads
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let j = 0; j < chunk; j++) await op(calls++);
    elapsed = performance.now() - started;
  }
  return (calls * opsPerCall * 1000) / elapsed;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Comparison {
  /** Median ops/s of each subject. */
  readonly ops: number[];
  /** Median over rounds of subject k's ops/s divided by subject `base`'s in the same round. */
  ratio(k: number, base: number): number;
}

/**
 * Short interleaved rounds, alternating the order (ABBA…), with gc before each sample. Ratios are taken within a
 * round and then the median over rounds, so load from other processes (which comes and goes) cancels out.
 */
async function compare(subjects: readonly Subject[], ms: number, opsPerCall = 1): Promise<Comparison> {
  for (const s of subjects) await measure(s.op, ms, opsPerCall); // warm up
  const samples = subjects.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    const order = subjects.map((_, k) => (round % 2 ? subjects.length - 1 - k : k));
    for (const k of order) {
      gc();
      samples[k]!.push(await measure(subjects[k]!.op, ms, opsPerCall));
    }
  }
  return {
    ops: samples.map(median),
    ratio: (k, base) => median(samples[k]!.map((v, round) => v / samples[base]![round]!)),
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
function report(title: string, subjects: readonly Subject[], result: Comparison, baseline = 0): void {
  console.log(`\n${title}`);
  subjects.forEach((s, k) => {
    const ratio = k === baseline ? '(baseline)' : `${result.ratio(k, baseline).toFixed(2)}×`;
    console.log(`  ${s.name.padEnd(44)} ${fmt(result.ops[k]!)} ops/s  ${ratio}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------

async function memoryBench(): Promise<void> {
  const MAX = 10_000;
  const TTL = 60_000;
  const keys = Array.from({ length: 4 * MAX }, (_, i) => `user:${i}`);
  const value = (i: number) => ({ id: i, name: `user ${i}`, tags: ['a', 'b'], active: true });
  // Pseudo-random but identical sequences for every subject.
  const pick = (i: number, range: number) => (Math.imul(i, 2654435761) >>> 0) % range;

  const lru = new LRUCache<string, object>({ max: MAX, ttl: TTL });
  const lruJson = new LRUCache<string, string>({ max: MAX, ttl: TTL });
  const none = new MemoryStore<object>({ maxEntries: MAX, ttl: TTL, serializer: 'none' });
  const json = new MemoryStore<object>({ maxEntries: MAX, ttl: TTL });
  for (let i = 0; i < MAX; i++) {
    lru.set(keys[i]!, value(i));
    lruJson.set(keys[i]!, JSON.stringify(value(i)));
    await none.set(keys[i]!, value(i));
    await json.set(keys[i]!, value(i));
  }

  const workloads: [string, (target: 'lru' | 'lruJson' | 'none' | 'json') => Op][] = [
    [
      'get (hits)',
      (t) =>
        t === 'lru'
          ? (i) => lru.get(keys[pick(i, MAX)]!)
          : t === 'lruJson'
            ? (i) => {
                const text = lruJson.get(keys[pick(i, MAX)]!);
                return text === undefined ? undefined : JSON.parse(text);
              }
            : t === 'none'
              ? (i) => none.get(keys[pick(i, MAX)]!)
              : (i) => json.get(keys[pick(i, MAX)]!),
    ],
    [
      'set (half new keys: evicts)',
      (t) =>
        t === 'lru'
          ? (i) => lru.set(keys[pick(i, 2 * MAX)]!, value(i))
          : t === 'lruJson'
            ? (i) => lruJson.set(keys[pick(i, 2 * MAX)]!, JSON.stringify(value(i)))
            : t === 'none'
              ? (i) => none.set(keys[pick(i, 2 * MAX)]!, value(i))
              : (i) => json.set(keys[pick(i, 2 * MAX)]!, value(i)),
    ],
    [
      'mixed (80% get, 20% set)',
      (t) => {
        const get = workloadsOp('get (hits)', t);
        const set = workloadsOp('set (half new keys: evicts)', t);
        return (i) => (i % 5 === 0 ? set(i) : get(i));
      },
    ],
  ];
  const workloadsOp = (name: string, t: 'lru' | 'lruJson' | 'none' | 'json') => workloads.find(([n]) => n === name)![1](t);

  console.log(`MemoryStore vs lru-cache (maxEntries ${MAX}, ttl ${TTL} ms, sequential awaits)`);
  for (const [name, make] of workloads) {
    const subjects: Subject[] = [
      { name: "lru-cache (awaited, as in an async API)", op: make('lru') },
      { name: "MemoryStore serializer 'none'", op: make('none') },
      { name: 'lru-cache storing JSON (awaited)', op: make('lruJson') },
      { name: "MemoryStore serializer 'json' (default)", op: make('json') },
    ];
    const result = await compare(subjects, 100);
    report(`memory ${name}`, subjects, result);
    console.log(`  ${"MemoryStore 'json' vs lru-cache storing JSON".padEnd(44)} ${''.padStart(18)}${result.ratio(3, 2).toFixed(2)}×`);
    const syncOp = make('lru');
    const syncStarted = performance.now();
    let n = 0;
    while (performance.now() - syncStarted < 200) for (let j = 0; j < 4096; j++) syncOp(n++);
    console.log(`  ${'(lru-cache called synchronously, no await)'.padEnd(44)} ${fmt((n * 1000) / (performance.now() - syncStarted))} ops/s`);
  }
  await none.close();
  await json.close();
}

// ---------------------------------------------------------------------------------------------------------------

async function redisBench(): Promise<void> {
  let server;
  try {
    server = await startRedisServer();
  } catch (error) {
    console.log(`\nRedis: skipped, redis-server could not be started (${String(error)})`);
    return;
  }
  const raw = new Redis(server.url);
  const store = new RedisStore<object>({ url: server.url, keyPrefix: 'bench:' });
  try {
    const CONCURRENCY = 32;
    const BATCH = 100;
    const KEYS = 10_000;
    const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);
    const rawKeys = keys.map((k) => `bench:${k}`);
    const value = (i: number) => ({ id: i, name: `user ${i}`, tags: ['a', 'b'], active: true });
    for (let i = 0; i < KEYS; i += BATCH) {
      await store.setMany(keys.slice(i, i + BATCH).map((k, j) => [k, value(i + j)] as const));
    }
    /** `CONCURRENCY` callers in flight at once, each awaiting its own calls. */
    const parallel =
      (op: Op): Op =>
      (i) =>
        Promise.all(Array.from({ length: CONCURRENCY }, (_, c) => op(i * CONCURRENCY + c)));
    const batchOf = (i: number) => (i * BATCH) % KEYS;

    const cases: [string, number, Subject[]][] = [
      [
        `single get (${CONCURRENCY} in flight)`,
        CONCURRENCY,
        [
          { name: 'raw ioredis get + JSON.parse', op: parallel(async (i) => JSON.parse((await raw.get(rawKeys[i % KEYS]!))!)) },
          { name: 'RedisStore get', op: parallel((i) => store.get(keys[i % KEYS]!)) },
        ],
      ],
      [
        `single set (${CONCURRENCY} in flight)`,
        CONCURRENCY,
        [
          { name: 'raw ioredis set + JSON.stringify', op: parallel((i) => raw.set(rawKeys[i % KEYS]!, JSON.stringify(value(i)))) },
          { name: 'RedisStore set', op: parallel((i) => store.set(keys[i % KEYS]!, value(i))) },
        ],
      ],
      [
        `increment (${CONCURRENCY} in flight, 100 counters)`,
        CONCURRENCY,
        [
          { name: 'raw ioredis INCR', op: parallel((i) => raw.incr(`bench:counter:${i % 100}`)) },
          { name: 'RedisStore increment (Lua script)', op: parallel((i) => store.increment(`counter:${i % 100}`)) },
        ],
      ],
      [
        `batch get ${BATCH} (MGET)`,
        BATCH,
        [
          {
            name: 'raw ioredis mget + JSON.parse',
            op: async (i) => (await raw.mget(rawKeys.slice(batchOf(i), batchOf(i) + BATCH))).map((v) => (v === null ? undefined : JSON.parse(v))),
          },
          { name: 'RedisStore getMany', op: (i) => store.getMany(keys.slice(batchOf(i), batchOf(i) + BATCH)) },
        ],
      ],
      [
        `batch set ${BATCH} (pipeline)`,
        BATCH,
        [
          {
            name: 'raw ioredis pipeline set + JSON.stringify',
            op: (i) => {
              const pipeline = raw.pipeline();
              for (let j = 0; j < BATCH; j++) pipeline.set(rawKeys[batchOf(i) + j]!, JSON.stringify(value(i + j)));
              return pipeline.exec();
            },
          },
          {
            name: 'RedisStore setMany',
            op: (i) => store.setMany(keys.slice(batchOf(i), batchOf(i) + BATCH).map((k, j) => [k, value(i + j)] as const)),
          },
        ],
      ],
      [
        `batch set ${BATCH} with ttl (pipeline, PX)`,
        BATCH,
        [
          {
            name: 'raw ioredis pipeline set PX + JSON.stringify',
            op: (i) => {
              const pipeline = raw.pipeline();
              for (let j = 0; j < BATCH; j++) pipeline.set(rawKeys[batchOf(i) + j]!, JSON.stringify(value(i + j)), 'PX', 60_000);
              return pipeline.exec();
            },
          },
          {
            name: 'RedisStore setMany { ttl }',
            op: (i) => store.setMany(keys.slice(batchOf(i), batchOf(i) + BATCH).map((k, j) => [k, value(i + j)] as const), { ttl: 60_000 }),
          },
        ],
      ],
    ];
    console.log(`\nRedisStore vs raw ioredis (redis-server on ${server.url}, same JSON encoding)`);
    for (const [name, opsPerCall, subjects] of cases) {
      report(`redis ${name}`, subjects, await compare(subjects, 250, opsPerCall));
    }
  } finally {
    await store.close();
    raw.disconnect();
    await server.stop();
  }
}

console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; median of ${ROUNDS} interleaved rounds (ABBA order)`);
const started = performance.now();
await memoryBench();
await redisBench();
console.log(`\n(done in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
