/**
 * A durable Runtime (`store`: a SqliteStore file, WAL) beside the in-memory Runtime, in this process, alternating:
 * - jobs/s of 2,000 jobs posted at once, each through a chain of 1 or 10 routines that each update a counter in
 *   WorkerState (so every hop journals an activation, its update, its emit and its end), awaiting done();
 * - store writes per job (one group commit serves many jobs);
 * - p50 post -> done() at low load (one job at a time), durable vs in-memory;
 * - jobs/s at 1 hop with a RedisStore (a redis-server of its own) vs in-memory.
 * Run: node --expose-gc --import tsx bench/durable-runtime.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow, RedisStore, Routine, Runtime, SqliteStore, withHooks } from '../src/index.js';
import { startRedisServer } from '../test/setup/redis-server.js';
import { gc, paired, printPaired } from './lib/measure.js';
import { reportRow } from './lib/report.js';

const ROUNDS = 5;
const JOBS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'routilux-durable-runtime-bench-'));
let files = 0;

function chain(hops: number): Flow {
  const flow = new Flow(`chain-${hops}`);
  for (let i = 0; i < hops; i++) {
    const last = i === hops - 1;
    const routine = new Routine().addSlot('in');
    if (!last) routine.addEvent('out');
    routine.setLogic((slots, _m, ws, ctx) => {
      ws.updateRoutineState<{ n: number }>(`r${i}`, (d) => {
        d.n = (d.n ?? 0) + 1;
      });
      if (!last) ctx.emit('out', slots.in![0]);
    });
    flow.addRoutine(routine, `r${i}`);
    if (i > 0) flow.connect(`r${i - 1}`, 'out', `r${i}`, 'in');
  }
  return flow;
}

interface Run {
  rate: number;
  writes: number;
}

async function jobsPerSecond(hops: number, durable: boolean, redisUrl?: string): Promise<Run> {
  const sqlite = durable ? (redisUrl ? new RedisStore({ url: redisUrl, keyPrefix: `bench-${files++}:` }) : new SqliteStore({ path: join(dir, `bench-${files++}.db`) })) : undefined;
  let writes = 0;
  // Counts every store write the runtime makes (a group commit is one set, a compaction one batch).
  const store = sqlite && withHooks(sqlite, { before: ({ operation }) => void (operation === 'get' || operation === 'keys' || operation === 'getMany' || writes++) });
  const runtime = new Runtime(store ? { store } : {});
  const flow = chain(hops);
  const ws = runtime.exec(flow, { workerId: 'bench' });
  await ws.ready();
  gc();
  const writesBefore = writes;
  const started = performance.now();
  const jobs = [];
  for (let i = 0; i < JOBS; i++) jobs.push(runtime.post(flow, 'r0', 'in', { i }, { workerId: 'bench' })[1].done());
  await Promise.all(jobs);
  const rate = (JOBS * 1000) / (performance.now() - started);
  const written = writes - writesBefore;
  await runtime.shutdown();
  await sqlite?.close();
  return { rate, writes: written };
}

async function latencyP50(durable: boolean): Promise<number> {
  const store = durable ? new SqliteStore({ path: join(dir, `lat-${files++}.db`) }) : undefined;
  const runtime = new Runtime(store ? { store } : {});
  const flow = chain(1);
  await runtime.exec(flow, { workerId: 'lat' }).ready();
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await runtime.post(flow, 'r0', 'in', { i }, { workerId: 'lat' })[1].done();
    times.push(performance.now() - t);
  }
  await runtime.shutdown();
  await store?.close();
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

try {
  const writesPerJob: number[] = [];
  const ratios: Record<number, number> = {};
  for (const hops of [1, 10]) {
    const result = await paired(
      ROUNDS,
      async () => {
        const run = await jobsPerSecond(hops, true);
        writesPerJob.push(run.writes / JOBS);
        return run.rate;
      },
      async () => (await jobsPerSecond(hops, false)).rate,
    );
    printPaired(`durable Runtime (SQLite), ${hops} hop(s)`, result, 'in-memory Runtime', 'jobs/s');
    ratios[hops] = 1 / result.ratio;
  }
  reportRow({
    what: 'durable SQLite vs in-memory Runtime jobs/s, 1 hop / 10 hops',
    measured: `${ratios[1]!.toFixed(2)}x / ${ratios[10]!.toFixed(2)}x`,
    aim: '>= 0.5x at 1 hop',
    met: ratios[1]! >= 0.5,
  });
  writesPerJob.sort((a, b) => a - b);
  const perJob = writesPerJob[writesPerJob.length >> 1]!;
  reportRow({ what: 'durable Runtime: store writes (group commits) per job', measured: perJob.toFixed(3), aim: '< 1 (one commit serves many jobs)', met: perJob < 1 });
  const server = await startRedisServer();
  try {
    const redis = await paired(ROUNDS, async () => (await jobsPerSecond(1, true, server.url)).rate, async () => (await jobsPerSecond(1, false)).rate);
    printPaired('durable Runtime (Redis), 1 hop', redis, 'in-memory Runtime', 'jobs/s');
    reportRow({ what: 'durable Redis vs in-memory Runtime jobs/s, 1 hop', measured: `${(1 / redis.ratio).toFixed(2)}x`, aim: '>= 0.3x', met: 1 / redis.ratio >= 0.3 });
  } finally {
    await server.stop();
  }
  const durableP50 = await latencyP50(true);
  const memoryP50 = await latencyP50(false);
  console.log(`p50 post -> done(), one job at a time: durable SQLite ${durableP50.toFixed(3)} ms, in-memory ${memoryP50.toFixed(3)} ms`);
  reportRow({ what: 'p50 post -> done() with SQLite at low load', measured: `${durableP50.toFixed(2)} ms`, aim: '<= 2 ms', met: durableP50 <= 2 });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
